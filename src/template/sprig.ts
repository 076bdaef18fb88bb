import type { Fn } from "./sprig-cast.js";
import { SPRIG_COLLECTIONS } from "./sprig-collections.js";
import { SPRIG_ENCODING } from "./sprig-encoding.js";
import { SPRIG_MATH } from "./sprig-math.js";
import { SPRIG_PATHS } from "./sprig-paths.js";
import { SPRIG_RANDOM } from "./sprig-random.js";
import { SPRIG_STRINGS } from "./sprig-strings.js";

/**
 * The Sprig v3 functions (Masterminds/sprig, the version OpenBao's agent
 * embeds) that consul-template exposes as `sprig_NAME`, with Sprig's argument
 * order and its forgiving conversions (spf13/cast: `"12"` is 12, junk is 0).
 * Left out, and refused by name: the date functions (Go's `time.Time` values),
 * the certificate, key and password generators, AES, `semver`, `getHostByName`
 * and the URL helpers; `sprig_env` and `sprig_expandenv` are the renderer's,
 * as they need the credential rule.
 */
export const SPRIG_FUNCTIONS: Readonly<Record<string, Fn>> = prefixed({
  ...SPRIG_STRINGS,
  ...SPRIG_MATH,
  ...SPRIG_COLLECTIONS,
  ...SPRIG_ENCODING,
  ...SPRIG_PATHS,
  ...SPRIG_RANDOM,
});

/** Sprig functions consul-template exposes that Strongbox does not implement, named in the refusal. */
export const SPRIG_UNSUPPORTED: ReadonlySet<string> = new Set(
  [
    "ago",
    "date",
    "date_in_zone",
    "date_modify",
    "dateInZone",
    "dateModify",
    "duration",
    "durationRound",
    "htmlDate",
    "htmlDateInZone",
    "must_date_modify",
    "mustDateModify",
    "mustToDate",
    "now",
    "toDate",
    "unixEpoch",
    "abbrev",
    "abbrevboth",
    "shuffle",
    "snakecase",
    "camelcase",
    "kebabcase",
    "b32dec",
    "getHostByName",
    "bcrypt",
    "htpasswd",
    "genPrivateKey",
    "derivePassword",
    "buildCustomCert",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "encryptAES",
    "decryptAES",
    "randBytes",
    "semver",
    "semverCompare",
    "urlParse",
    "urlJoin",
    "addf",
    "add1f",
    "subf",
    "divf",
    "mulf",
  ].map((name) => `sprig_${name}`),
);

function prefixed(functions: Record<string, Fn>): Record<string, Fn> {
  return Object.fromEntries(Object.entries(functions).map(([name, fn]) => [`sprig_${name}`, fn]));
}
