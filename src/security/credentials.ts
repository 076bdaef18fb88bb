import { StrongboxError } from "../errors.js";
import { credentialDeclarations, declarationsVersion } from "./credential-table.js";

/**
 * The one classification of variables that hold credentials: whatever holds
 * one of them can read every secret the credential reaches, not just the
 * ones the schema declares, so they stay with Strongbox: they are scrubbed
 * from every process Strongbox starts, never expanded into other values,
 * never read by templates, never imported or migrated as secrets.
 *
 * The rule, so that a neighbouring name is covered without a list entry:
 *
 * 1. A name is a credential when it ends in a credential Strongbox knows:
 *    one of its own (the Vault/OpenBao login material, the store's keys) or
 *    one a provider declares (`credentials` in its registry definition, the
 *    variables its SDK's login chain reads), also under an environment's
 *    prefix (`PRODUCTION_VAULT_TOKEN`).
 * 2. In the families Strongbox owns (`VAULT_`, `BAO_`, `STRONGBOX_`, also
 *    prefixed), any name whose last words are a credential word (TOKEN,
 *    SECRET_ID, KEY, PASSWORD, …): `VAULT_ROOT_TOKEN`, `BAO_APP_TOKEN` and
 *    `VAULT_DEV_ROOT_TOKEN_ID` are what operators keep beside the others.
 * 3. A name ending in `_FILE` or `_PATH` is a credential when the name
 *    without it is: it names the file that holds one.
 * 4. Names are compared in one spelling: NFKC, upper case, `-` and `.` as
 *    `_`, each run of `_` as one `_`, none at either end. Pydantic's nested
 *    settings read `VAULT__SECRET_ID` (seed 002) and any case of it by
 *    default, so `vault__secret_id` holds the same login; Python's lower()
 *    turns the Kelvin sign into `k`, and other loaders read `VAULT-TOKEN`,
 *    `VAULT.TOKEN` or a stray `VAULT_TOKEN_` as the same setting.
 */

/** The last words of a name in a family Strongbox owns that make it a credential. */
const CREDENTIAL_WORDS = [
  "TOKEN",
  "TOKEN_ID",
  "SECRET",
  "SECRET_ID",
  "ROLE_ID",
  "PASSWORD",
  "PASSPHRASE",
  "USERNAME",
  "JWT",
  "KEY",
  "IDENTITY",
  "K8S_ROLE",
  "ACCESSOR",
] as const;

/** The families whose credentials are Strongbox's own: Vault's and OpenBao's clients, and Strongbox. */
const OWN_FAMILIES = ["VAULT", "BAO", "STRONGBOX"] as const;

/** A name's suffixes that name the file holding the credential rather than the credential itself. */
const FILE_SUFFIX = /_(FILE|PATH)$/;

const OWN_RULE = new RegExp(
  `(^|_)(${OWN_FAMILIES.join("|")})_([A-Z0-9_]*_)?(${CREDENTIAL_WORDS.join("|")})$`,
);

/** `VAULT_X` and `BAO_X` for each X: what the official clients and our auth read (for docs and tests). */
const VAULT_SUFFIXES = [
  "TOKEN",
  "TOKEN_FILE",
  "ROLE_ID",
  "ROLE_ID_FILE",
  "SECRET_ID",
  "SECRET_ID_FILE",
  "USERNAME",
  "PASSWORD",
  "K8S_ROLE",
  "K8S_JWT_FILE",
  // A CI or identity provider's signed token: JWT/OIDC auth logs in with it.
  "JWT",
  "JWT_FILE",
  // A TLS client key logs in through cert auth just as a token would.
  "CLIENT_KEY",
  // What operators keep beside the others (seeds, CI): the same power, or more.
  "ROOT_TOKEN",
  "APP_TOKEN",
  "DEV_ROOT_TOKEN_ID",
] as const;

/**
 * A GitHub Actions job's OIDC request (`permissions: id-token: write`): the
 * request token mints a signed identity token for any audience, so whoever
 * holds the pair can log in wherever the job can (Vault's JWT auth, every
 * cloud trusting the repository). JWT auth reads them; no child needs them.
 */
const CI_CREDENTIALS = ["ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL"] as const;

const STRONGBOX_CREDENTIALS = [
  "STRONGBOX_MASTER_KEY",
  "STRONGBOX_MASTER_KEY_FILE",
  // Names the key file: a child that has it can open the store as we do.
  "STRONGBOX_KEY_FILE",
  "STRONGBOX_PASSPHRASE",
  "STRONGBOX_NEW_PASSPHRASE",
  "STRONGBOX_IDENTITY",
  "STRONGBOX_IDENTITY_FILE",
  // Signs the audit chain: a child that has it could forge or rewrite audit records.
  "STRONGBOX_AUDIT_KEY",
] as const;

/**
 * Strongbox's own credential variables, by name (Vault/OpenBao and the
 * store): what an environment's `credentialPrefix` scopes, and examples of
 * the rule for docs and tests. The rule covers more than this list.
 */
export const CREDENTIAL_VARIABLES: readonly string[] = Object.freeze([
  ...VAULT_SUFFIXES.flatMap((suffix) => [`VAULT_${suffix}`, `BAO_${suffix}`]),
  ...STRONGBOX_CREDENTIALS,
  ...CI_CREDENTIALS,
]);

let declared: { readonly version: number; readonly names: ReadonlySet<string> } | undefined;

/**
 * Strongbox's own credential variables and those every provider declares
 * (handed down through credential-table.ts when the provider registry
 * loads), so a new provider's credentials are guarded without an edit here.
 */
function declaredCredentials(): ReadonlySet<string> {
  if (declared?.version !== declarationsVersion()) {
    const provided = credentialDeclarations().flatMap((d) => d.variables ?? []);
    declared = {
      version: declarationsVersion(),
      names: new Set([...CREDENTIAL_VARIABLES, ...provided]),
    };
  }
  return declared.names;
}

/**
 * Every credential name declared by name (Strongbox's own and each
 * provider's), without prefixes or `_FILE` forms: what a test generates
 * its variants from. Refused before any provider has declared its
 * credentials, so a generated test can never shrink to Strongbox's own
 * names unnoticed.
 */
export function declaredCredentialVariables(): readonly string[] {
  if (credentialDeclarations().length === 0)
    throw new StrongboxError(
      "E_INTERNAL",
      "no provider has declared its credentials yet: load the provider registry (src/providers/registry.ts) first",
    );
  return [...declaredCredentials()];
}

/**
 * True when `name` holds a credential by the rule above: a declared one,
 * also under a prefix; a credential word in a family Strongbox owns; or the
 * `_FILE`/`_PATH` form of either.
 */
export function isCredentialVariable(name: string): boolean {
  const spelled = canonicalName(name);
  if (isCredentialName(spelled)) return true;
  return FILE_SUFFIX.test(spelled) && isCredentialName(spelled.replace(FILE_SUFFIX, ""));
}

/**
 * True when `name`, in any spelling, prefixed or as a `_FILE` form, is the CI
 * job's identity request (GitHub Actions' OIDC request token and URL). Unlike
 * other credentials, a schema may not declare one on purpose: an application
 * never needs the power to mint the job's identity for any audience, and a
 * one-line config change on a branch must not hand it to the branch's code.
 */
export function isCiIdentityVariable(name: string): boolean {
  const base = canonicalName(name).replace(FILE_SUFFIX, "");
  return CI_CREDENTIALS.some((ci) => base === ci || base.endsWith(`_${ci}`));
}

/** The one spelling names are compared in (rule 4). */
function canonicalName(name: string): string {
  if (typeof name !== "string") return "";
  // NFKC before upper case: the Kelvin sign (U+212A) and full-width letters
  // become ASCII, as Python's lower() makes `VAULT_TO\u212AEN` pydantic's vault_token.
  // `-`, `.` and `:` (.NET reads `VAULT:TOKEN` for `VAULT__TOKEN`) separate words as `_` does.
  return name
    .normalize("NFKC")
    .toUpperCase()
    .replace(/[-.:]/g, "_")
    .replace(/_{2,}/g, "_")
    .replace(/^_+|_+$/g, "");
}

function isCredentialName(name: string): boolean {
  const all = declaredCredentials();
  if (all.has(name)) return true;
  // An environment's `credentialPrefix` ends in `_`, so a declared name after any `X_` is one.
  for (let at = name.indexOf("_"); at !== -1; at = name.indexOf("_", at + 1))
    if (all.has(name.slice(at + 1))) return true;
  return OWN_RULE.test(name);
}

/**
 * A copy of `env` for a process Strongbox starts: every credential variable
 * removed, except those in `keep` (names the schema declares and resolved on
 * purpose). The copy has no prototype, so `constructor` or `__proto__` are
 * ordinary names in it.
 */
export function withoutCredentials(
  env: Readonly<Record<string, string | undefined>>,
  keep: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (isCredentialVariable(name) && !keep.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** True for a credential of the families Strongbox owns (Vault, OpenBao, the store), also prefixed. */
function isStrongboxOwn(raw: string): boolean {
  const name = canonicalName(raw);
  const base = name.replace(FILE_SUFFIX, "");
  return (
    OWN_RULE.test(base) ||
    CREDENTIAL_VARIABLES.some(
      (credential) => name === credential || name.endsWith(`_${credential}`),
    )
  );
}

/**
 * The credential variables set in `env` that belong to a provider rather
 * than to Strongbox itself (AWS keys, say): an application often uses those
 * for its own work, so `run` says by name which ones it did not hand on.
 */
export function providerCredentialsIn(
  env: Readonly<Record<string, string | undefined>>,
  keep: ReadonlySet<string> = new Set(),
): string[] {
  return Object.keys(env).filter(
    (name) => isCredentialVariable(name) && !isStrongboxOwn(name) && !keep.has(name),
  );
}

/**
 * Splits `items` into those named as credentials and the rest, for the
 * commands that move values somewhere (`import`, `migrate`): one rule, and
 * each says what it skipped with {@link skippedCredentialsLine}.
 */
export function partitionCredentials<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
): { readonly credentials: T[]; readonly others: T[] } {
  const credentials: T[] = [];
  const others: T[] = [];
  for (const item of items) (isCredentialVariable(nameOf(item)) ? credentials : others).push(item);
  return { credentials, others };
}

/**
 * The line `import`, `migrate` and `set -f` print for the credentials they
 * left where they were: a warning (the user asked for them to move), so
 * `--quiet` keeps it.
 */
export function skippedCredentialsLine(names: readonly string[]): string {
  return `warning: skipped ${names.join(", ")}: ${names.length === 1 ? "a credential" : "credentials"} Strongbox uses to reach its sources, never an application secret; ${names.length === 1 ? "it stays" : "they stay"} where ${names.length === 1 ? "it is" : "they are"}`;
}
