// Journey: where versions of secrets meet. Two keys share one Vault KV path (TLS OpenBao,
// as production): one is rotated while the other is set; the app must get each key's own
// previous value, finishing one rotation must keep the other key's history, and a
// compromise is looked at (dry run) before it is done. Then a migration is rolled back
// after someone wrote to the path it made: the later write survives.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type Bao, readOnlyToken, startBao } from "../helpers/bao.js";
import { Journey } from "../helpers/journey.js";

const PATH = "shop/production/app";
const CONFIG = `project: shop
audit: { file: audit.jsonl }
variables:
  JWT_SECRET:
    secret: true
    ref: { production: "vault://secret/${PATH}#JWT_SECRET" }
    rotation: { every: 30d, generator: "hex:24", overlap: 1s, soak: 1s }
  API_KEY:
    secret: true
    ref: { production: "vault://secret/${PATH}#API_KEY" }
    rotation: { every: 90d, generator: "hex:24" }
`;
const NAMES = ["JWT_SECRET", "JWT_SECRET_PREVIOUS", "API_KEY", "API_KEY_PREVIOUS"] as const;
// The app prints a digest of each variable it was given (never the value), or "unset".
const APP = NAMES.map(
  (name) =>
    `printf '${name}=%s\\n' "$(if [ -n "\${${name}+x}" ]; then printf %s "$${name}" | sha256sum | cut -c1-16; else echo unset; fi)"`,
).join("; ");

const digest = (value: string | undefined) =>
  value === undefined ? "unset" : createHash("sha256").update(value).digest("hex").slice(0, 16);

describe("journey: rotation and versions on a shared Vault path (TLS OpenBao)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao({ tls: true });
  });
  after(async () => bao.stop());

  const vaultEnv = () => ({
    VAULT_ADDR: bao.addr,
    VAULT_TOKEN: bao.rootToken,
    VAULT_CACERT: bao.caCert as string,
  });
  const field = (key: string, version?: number) =>
    bao
      .cli([
        "kv",
        "get",
        "-mount=secret",
        ...(version === undefined ? [] : [`-version=${version}`]),
        `-field=${key}`,
        PATH,
      ])
      .trim();
  const currentVersion = () =>
    Number(
      JSON.parse(bao.cli(["kv", "metadata", "get", "-format=json", "-mount=secret", PATH])).data
        .current_version,
    );

  it("set two keys → run → rotate one → set the other → run → finish → compromise (dry run, then --yes)", async () => {
    const j = new Journey("rotation-versions", {
      files: { "strongbox.config.yaml": CONFIG },
      env: vaultEnv(),
    });
    const appToken = readOnlyToken(bao);
    const jwt0 = "journey-jwt-initial-canary";
    const api0 = "journey-api-initial-canary";
    const api1 = "journey-api-second-canary";
    j.canary(jwt0, api0, api1);
    const app = async (expected: Record<(typeof NAMES)[number], string | undefined>) => {
      // The app runs with its own read-only token, as production requires.
      const result = await j.step(["run", "-e", "production", "--", "sh", "-c", APP], {
        env: { VAULT_TOKEN: appToken },
      });
      for (const name of NAMES)
        assert.match(
          result.stdout,
          new RegExp(`^${name}=${digest(expected[name])}$`, "m"),
          `${name}\n${j.transcript()}`,
        );
    };
    await j.step(["set", "JWT_SECRET", "--to", `vault://secret/${PATH}#JWT_SECRET`], {
      input: jwt0,
    });
    await j.step(["set", "API_KEY", "--to", `vault://secret/${PATH}#API_KEY`], { input: api0 });
    await app({
      JWT_SECRET: jwt0,
      JWT_SECRET_PREVIOUS: undefined,
      API_KEY: api0,
      API_KEY_PREVIOUS: undefined,
    });
    await j.step(["rotate", "JWT_SECRET", "-e", "production"], {
      stderr: [/rotated JWT_SECRET .*: version 3; the previous \(2\) stays readable/],
    });
    const jwt1 = field("JWT_SECRET");
    j.canary(jwt1);
    await j.step(["set", "API_KEY", "--to", `vault://secret/${PATH}#API_KEY`], { input: api1 });
    j.note(
      "API_KEY's write is a new version of the path; JWT_SECRET's previous value is still its own",
    );
    await app({
      JWT_SECRET: jwt1,
      JWT_SECRET_PREVIOUS: jwt0,
      API_KEY: api1,
      API_KEY_PREVIOUS: api0,
    });
    j.note("the overlap and soak (1s each here) pass");
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await j.step(["rotate", "--finish", "JWT_SECRET", "-e", "production"], {
      stderr: [/JWT_SECRET: retired versions 1, 2 of vault:\/\/secret\/shop\/production\/app/],
    });
    j.note("version 3 holds API_KEY's previous value: kept");
    assert.equal(field("API_KEY", 3), api0);
    await app({
      JWT_SECRET: jwt1,
      JWT_SECRET_PREVIOUS: undefined,
      API_KEY: api1,
      API_KEY_PREVIOUS: api0,
    });
    const since = new Date(Date.now() - 60_000).toISOString();
    const at = currentVersion();
    await j.step(["compromise", "JWT_SECRET", "-e", "production", "--since", since, "--dry-run"], {
      stdout: [
        /DRY RUN/,
        /\| JWT_SECRET \| vault:\/\/secret\/shop\/production\/app#JWT_SECRET \| ready \|/,
        /- Who: \S+@/,
      ],
      stderr: [/dry run: nothing was rotated or retired/],
    });
    await j.step(["compromise", "JWT_SECRET", "-e", "production", "--since", since], {
      code: 2,
      stderr: [/no terminal to confirm/, /--dry-run/, /--yes/],
    });
    assert.equal(currentVersion(), at, "neither the dry run nor the refusal wrote a version");
    await j.step(["compromise", "JWT_SECRET", "-e", "production", "--since", since, "--yes"], {
      stdout: [
        /\| JWT_SECRET \| vault:\/\/secret\/shop\/production\/app#JWT_SECRET \| 5 \| 3, 4 \|/,
        /version 3 also held API_KEY's previous value; it is gone too/,
        /\| read \| JWT_SECRET \|/,
      ],
      stderr: [/JWT_SECRET: rotated to 5, retired 3, 4/],
    });
    const jwt2 = field("JWT_SECRET");
    j.canary(jwt2);
    await app({
      JWT_SECRET: jwt2,
      JWT_SECRET_PREVIOUS: undefined,
      API_KEY: api1,
      API_KEY_PREVIOUS: undefined,
    });
  });

  it("migrate → a later write in Vault → rollback refuses and the later write survives", async () => {
    const path = "shop/production/session";
    const j = new Journey("migrate-rollback", {
      files: {
        "strongbox.config.yaml": `project: shop\nvariables:\n  SESSION_SECRET: { secret: true, ref: { production: "vault://secret/${path}#SESSION_SECRET" } }\n`,
        ".env": "SESSION_SECRET=journey-migrated-canary\n",
      },
      env: vaultEnv(),
    });
    j.canary("journey-migrated-canary", "journey-later-canary");
    await j.step(["migrate", "-f", ".env", "-e", "production"], {
      stderr: [/dry run: nothing was written/],
    });
    await j.step(["migrate", "-f", ".env", "-e", "production", "--apply", "--journal", "m.jsonl"], {
      stderr: [/migrated 1, /],
    });
    j.note(`an operator writes ${path} by hand: bao kv patch … SESSION_SECRET=…`);
    bao.cli(["kv", "patch", "-mount=secret", path, "SESSION_SECRET=journey-later-canary"]);
    await j.step(["migrate", "-e", "production", "--rollback", "m.jsonl"], {
      code: 12,
      stderr: [
        new RegExp(`${path} \\(migrated as version 1, now version 2\\)`),
        /E_VAULT_CAS/,
        /nothing was rolled back/,
        /bao kv rollback/,
      ],
    });
    assert.equal(
      bao.cli(["kv", "get", "-mount=secret", "-field=SESSION_SECRET", path]).trim(),
      "journey-later-canary",
      "the later write survives",
    );
  });
});
