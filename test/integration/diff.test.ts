// `strongbox diff` (issue 17): declarations without secrets, and --live against a real
// bao for two environments; equal values reported equal, different ones different, and
// no value (nor any hash of one) anywhere in the output.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readOnlyToken, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

// The test's bao speaks http: production (pure Vault mode) needs that allowed.
const CONFIG = `vault: { allowInsecure: true }
environments:
  staging: {}
  production: {}
variables:
  PORT: { type: port, default: 3000 }
  API_KEY:
    secret: true
    ref: { staging: 'vault://secret/staging#API_KEY', production: 'vault://secret/production#API_KEY' }
  DB_PASSWORD:
    secret: true
    ref: { staging: 'vault://secret/staging#DB_PASSWORD', production: 'vault://secret/production#DB_PASSWORD' }
  FEATURE_TOKEN:
    secret: true
    required: [production]
    ref: { staging: 'vault://secret/staging#FEATURE_TOKEN', production: 'vault://secret/production#FEATURE_TOKEN' }
`;

const VALUES = {
  shared: "shared-api-key-7731",
  stagingDb: "staging-db-pass-1182",
  productionDb: "production-db-pass-9921",
  feature: "feature-token-4410",
};

/** Every way a value could leak: itself, and the unkeyed hashes someone could compare. */
function leaks(text: string): string[] {
  return Object.values(VALUES)
    .flatMap((value) => [
      value,
      createHash("sha256").update(value).digest("hex"),
      createHash("sha256").update(value).digest("base64"),
    ])
    .filter((needle) => text.includes(needle));
}

/** A git repository holding a project whose one variable lives in the store. */
function storeRepository(): { dir: string; git: (...args: string[]) => void } {
  const dir = tempProject({
    "strongbox.config.yaml": "variables:\n  A: { secret: true, ref: 'store://A' }\n",
  });
  const git = (...args: string[]) => {
    execFileSync(
      "git",
      ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args],
      { stdio: "ignore" },
    );
  };
  git("init", "-q");
  return { dir, git };
}

describe("strongbox diff", () => {
  it("without --live: declarations only, no secret needed; exit 1 on differences, 0 without", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const result = await runCli(["diff", "staging", "production", "--format", "json"], {
      cwd: dir,
    });
    assert.equal(result.code, 1, result.stderr);
    const diff = JSON.parse(result.stdout);
    assert.equal(diff.live, false);
    const feature = diff.rows.find((row: { name: string }) => row.name === "FEATURE_TOKEN");
    assert.deepEqual([feature.a.required, feature.b.required], [false, true]);
    assert.equal(feature.a.declared, "vault://secret/staging#FEATURE_TOKEN");
    assert.equal(feature.values, undefined);
    const same = await runCli(["diff", "staging", "staging"], { cwd: dir });
    assert.equal(same.code, 0, same.stderr);
    // (`prod` is production's alias since issue 27.)
    const unknown = await runCli(["diff", "staging", "nowhere"], { cwd: dir });
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /environment "nowhere" is not declared/);
    const usage = await runCli(["diff", "staging"], { cwd: dir });
    assert.equal(usage.code, 2);
  });

  it("--live against bao: equal values equal, different ones different, missing ones one-sided; nothing revealed", async () => {
    const bao = await startBao();
    try {
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        "staging",
        `API_KEY=${VALUES.shared}`,
        `DB_PASSWORD=${VALUES.stagingDb}`,
      ]);
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        "production",
        `API_KEY=${VALUES.shared}`,
        `DB_PASSWORD=${VALUES.productionDb}`,
        `FEATURE_TOKEN=${VALUES.feature}`,
      ]);
      // Production reads with an application's read-only token, never a root token.
      const token = readOnlyToken(bao);
      const dir = tempProject({ "strongbox.config.yaml": CONFIG });
      const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: token };
      const json = await runCli(["diff", "staging", "production", "--live", "--json"], {
        cwd: dir,
        env,
      });
      assert.equal(json.code, 1, json.stderr);
      const diff = JSON.parse(json.stdout);
      const values = Object.fromEntries(
        diff.rows.map((row: { name: string; values: string }) => [row.name, row.values]),
      );
      assert.deepEqual(values, {
        PORT: "equal",
        API_KEY: "equal",
        DB_PASSWORD: "different",
        FEATURE_TOKEN: "only-b",
      });
      const api = diff.rows.find((row: { name: string }) => row.name === "API_KEY");
      assert.equal(api.a.source, "vault://secret/staging#API_KEY");
      assert.equal(api.b.version, 1);
      for (const format of ["table", "markdown", "json"]) {
        const out = await runCli(["diff", "staging", "production", "--live", "--format", format], {
          cwd: dir,
          env,
        });
        assert.deepEqual(leaks(`${out.stdout}${out.stderr}`), [], format);
        // No field of the output is shaped like a hash of anything (a 44-character base64 digest).
        assert.doesNotMatch(out.stdout, /[A-Za-z0-9+/]{43}=/);
      }
      // Only the secrets, and two environments that agree exit 0.
      const secrets = JSON.parse(
        (
          await runCli(["diff", "production", "production", "--live", "--only-secrets", "--json"], {
            cwd: dir,
            env,
          })
        ).stdout,
      );
      assert.deepEqual(
        secrets.rows.map((row: { name: string }) => row.name),
        ["API_KEY", "DB_PASSWORD", "FEATURE_TOKEN"],
      );
      assert.equal(secrets.different, false);
    } finally {
      await bao.stop();
    }
  });

  it("--against FILE ENV: a local file's names and values against an environment's, nothing revealed", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  PORT: { type: port, default: 3000 }\n  API_KEY: { secret: true, ref: 'store://API_KEY' }\n  OPTIONAL: { required: false }\n",
      "copy.env": `PORT=3000\nAPI_KEY=${VALUES.stagingDb}\nLEFTOVER=${VALUES.feature}\n`,
    });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    assert.equal((await runCli(["set", "API_KEY"], { cwd: dir, input: VALUES.shared })).code, 0);
    const result = await runCli(["diff", "--against", "copy.env", "local", "--json"], { cwd: dir });
    assert.equal(result.code, 1, result.stderr);
    const values = Object.fromEntries(
      JSON.parse(result.stdout).rows.map((row: { name: string; values: string }) => [
        row.name,
        row.values,
      ]),
    );
    assert.deepEqual(values, {
      PORT: "equal",
      API_KEY: "different",
      OPTIONAL: "neither",
      LEFTOVER: "only-a",
    });
    const table = await runCli(["diff", "--against", "copy.env", "local"], { cwd: dir });
    assert.deepEqual(leaks(`${table.stdout}${table.stderr}${result.stdout}`), []);
    assert.match(table.stdout, /copy\.env line 2/);
    const missing = await runCli(["diff", "--against", "nope.env", "local"], { cwd: dir });
    assert.equal(missing.code, 6);
    assert.match(missing.stderr, /nope\.env/);
  });

  it("--store-rev: the store against itself at a git revision, names and equality only", async () => {
    const { dir, git } = storeRepository();
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    const first: Array<[string, string]> = [
      ["KEEP", VALUES.shared],
      ["CHANGE", VALUES.stagingDb],
      ["DROP", VALUES.feature],
    ];
    for (const [name, value] of first)
      assert.equal((await runCli(["set", name], { cwd: dir, input: value })).code, 0);
    git("add", "-A");
    git("commit", "-q", "-m", "first");
    assert.equal(
      (await runCli(["set", "CHANGE"], { cwd: dir, input: VALUES.productionDb })).code,
      0,
    );
    assert.equal((await runCli(["set", "NEW"], { cwd: dir, input: "new-value-5521" })).code, 0);
    assert.equal((await runCli(["rm", "DROP"], { cwd: dir })).code, 0);
    const result = await runCli(["diff", "--store-rev", "HEAD", "--json"], { cwd: dir });
    assert.equal(result.code, 1, result.stderr);
    const rows = Object.fromEntries(
      JSON.parse(result.stdout).rows.map((row: { name: string; values: string }) => [
        row.name,
        row.values,
      ]),
    );
    assert.deepEqual(rows, {
      CHANGE: "different",
      DROP: "only-past",
      KEEP: "equal",
      NEW: "only-now",
    });
    const table = await runCli(["diff", "--store-rev", "HEAD"], { cwd: dir });
    assert.deepEqual(leaks(`${table.stdout}${table.stderr}${result.stdout}`), []);
    assert.ok(!table.stdout.includes("new-value-5521"));
    const bad = await runCli(["diff", "--store-rev", "--upload-pack=touch /tmp/x"], { cwd: dir });
    assert.equal(bad.code, 2);
    const unknown = await runCli(["diff", "--store-rev", "nosuchbranch"], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /git does not know nosuchbranch/);
  });

  it("--store-rev on a team store re-keyed since: the old copy opens, and the pins are left as they were", async () => {
    const { dir, git } = storeRepository();
    const me = await runCli(["keygen"], { cwd: dir });
    const other = await runCli(["keygen"], { cwd: dir, env: { HOME: tempProject() } });
    const recipient = me.stdout.trim();
    assert.equal((await runCli(["init", "--recipient", `me=${recipient}`], { cwd: dir })).code, 0);
    assert.equal((await runCli(["set", "A"], { cwd: dir, input: VALUES.shared })).code, 0);
    git("add", "-A");
    git("commit", "-q", "-m", "first");
    const pins = join(dir, ".local/state/strongbox/known-stores.json");
    const add = await runCli(["recipients", "add", other.stdout.trim(), "--name", "other"], {
      cwd: dir,
    });
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await runCli(["recipients", "rm", "other"], { cwd: dir })).code, 0);
    assert.equal((await runCli(["get", "A"], { cwd: dir })).code, 0, "follows the rekey");
    const pinned = readFileSync(pins, "utf8");
    const result = await runCli(["diff", "--store-rev", "HEAD", "--json"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).rows[0].values, "equal");
    assert.equal(readFileSync(pins, "utf8"), pinned, "a past copy is neither checked nor pinned");
  });

  it("--vault PATH_A PATH_B: two KV secrets' keys and value equality, each read audited, nothing revealed", async () => {
    const bao = await startBao();
    try {
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        "app/staging",
        `API_KEY=${VALUES.shared}`,
        `DB=${VALUES.stagingDb}`,
        "ONLY_STAGING=x",
      ]);
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        "app/production",
        `API_KEY=${VALUES.shared}`,
        `DB=${VALUES.productionDb}`,
      ]);
      const dir = tempProject();
      const env = {
        VAULT_ADDR: bao.addr,
        VAULT_TOKEN: bao.rootToken,
        STRONGBOX_AUDIT_FILE: join(dir, "audit.jsonl"),
      };
      const result = await runCli(
        ["diff", "--vault", "secret/app/staging", "secret/app/production", "--json"],
        {
          cwd: dir,
          env,
        },
      );
      assert.equal(result.code, 1, result.stderr);
      const diff = JSON.parse(result.stdout);
      assert.deepEqual(
        diff.rows.map((row: { key: string; values: string }) => [row.key, row.values]),
        [
          ["API_KEY", "equal"],
          ["DB", "different"],
          ["ONLY_STAGING", "only-a"],
        ],
      );
      assert.deepEqual(diff.versions, { a: 1, b: 1 });
      const table = await runCli(
        ["diff", "--vault", "secret/app/staging", "secret/app/production"],
        { cwd: dir, env },
      );
      assert.deepEqual(leaks(`${table.stdout}${table.stderr}${result.stdout}`), []);
      const log = readFileSync(join(dir, "audit.jsonl"), "utf8");
      assert.deepEqual(leaks(log), []);
      assert.equal(
        log
          .trim()
          .split("\n")
          .filter((line) => JSON.parse(line).action === "read").length,
        4,
        "one record per read",
      );
      const missing = await runCli(
        ["diff", "--vault", "secret/app/staging", "secret/app/nowhere"],
        { cwd: dir, env },
      );
      assert.equal(missing.code, 4, missing.stderr);
      assert.match(missing.stderr, /no secret at secret\/app\/nowhere/);
    } finally {
      await bao.stop();
    }
  });

  it("--live shows when a rotating secret was last rotated in each environment, where the source keeps it", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `environments:
  staging: { secrets: { from: [store] } }
  production: { secrets: { from: [store] } }
variables:
  API_KEY: { secret: true, ref: 'store://API_KEY', rotation: { every: 30d } }
`,
    });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    assert.equal((await runCli(["set", "API_KEY"], { cwd: dir, input: VALUES.shared })).code, 0);
    const result = await runCli(["diff", "staging", "production", "--live", "--json"], {
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    const row = JSON.parse(result.stdout).rows[0];
    assert.match(row.a.lastRotated, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(row.a.lastRotated, row.b.lastRotated);
    const table = await runCli(["diff", "staging", "production", "--live"], { cwd: dir });
    assert.match(table.stdout, /rotated \d{4}-\d{2}-\d{2}/);
  });
});
