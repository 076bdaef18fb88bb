import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { StrongboxError } from "../../src/errors.js";
import { resolveConfig } from "../../src/resolve/drive.js";
import type { ConfigSpec, VariableSpec } from "../../src/schema/types.js";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, baoBinary, freePort, startBao } from "../helpers/bao.js";
import { ROOT, runCli, tempProject } from "../helpers/cli.js";
import { type LoopbackProxy, startProxy } from "../helpers/proxy.js";

/** The dev server speaks plain http on loopback; pure Vault mode refuses that unless told (issue 9.5). */
const LOOPBACK_HTTP = { allowInsecure: true } as const;

const codes = (issues: readonly { code: string; variable?: string }[]) =>
  issues.map((item) => `${item.variable}:${item.code}`).sort();

/** An AppRole whose policy may read exactly `paths` (KV v2 data paths). Returns its login variables. */
function appRole(
  bao: Bao,
  name: string,
  paths: readonly string[],
  ttl = "1m",
): Record<string, string> {
  const hcl = paths.map((path) => `path "${path}" {\n  capabilities = ["read"]\n}\n`).join("");
  bao.cli(["policy", "write", `${name}-read`, "-"], { input: hcl });
  bao.cli([
    "write",
    `auth/approle/role/${name}`,
    `token_policies=${name}-read`,
    `token_ttl=${ttl}`,
  ]);
  const roleId = bao.cli(["read", "-field=role_id", `auth/approle/role/${name}/role-id`]).trim();
  const secretId = bao
    .cli(["write", "-f", "-field=secret_id", `auth/approle/role/${name}/secret-id`])
    .trim();
  return { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: secretId };
}

describe("Vault/OpenBao against a real bao server", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
    bao.cli(["auth", "enable", "approle"]);
    bao.cli(["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "shop/production/app",
      "DB_PASSWORD=prod-db-canary-1",
      "API_KEY=prod-api-canary",
    ]);
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "shop/production/app",
      "DB_PASSWORD=prod-db-canary-2",
      "API_KEY=prod-api-canary",
    ]);
    bao.cli(["kv", "put", "-mount=secret", "other/team", "TOKEN=other-team-canary"]);
  });
  after(async () => bao.stop());

  const root = () => ({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });

  it("resolves values `bao kv put` wrote, latest and by version, from KV v2", async () => {
    const config: ConfigSpec = {
      project: "shop",
      vault: LOOPBACK_HTTP,
      variables: {
        DB_PASSWORD: { secret: true, ref: "vault://secret/{project}/{env}/app#DB_PASSWORD" },
        OLD_PASSWORD: {
          secret: true,
          ref: "vault://secret/{project}/{env}/app#DB_PASSWORD?version=1",
        },
        API_KEY: { secret: true, ref: "vault://secret/data/{project}/{env}/app#API_KEY" },
      },
    };
    const result = await resolveConfig(config, {
      environment: "staging",
      processEnv: { ...root(), STRONGBOX_ENV: "" },
    });
    assert.deepEqual(
      codes(result.issues),
      ["API_KEY:E_MISSING", "DB_PASSWORD:E_MISSING", "OLD_PASSWORD:E_MISSING"],
      "staging has no secrets yet",
    );
    const prod = await resolveConfig(config, { environment: "production", processEnv: root() });
    assert.deepEqual(
      codes(prod.issues),
      [
        "API_KEY:E_FORBIDDEN_SOURCE",
        "DB_PASSWORD:E_FORBIDDEN_SOURCE",
        "OLD_PASSWORD:E_FORBIDDEN_SOURCE",
      ],
      "root tokens never run production",
    );
    assert.match(prod.issues[0]?.message ?? "", /read from Vault with a root token/);
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "shop/local/app",
      "DB_PASSWORD=local-db",
      "API_KEY=local-api",
    ]);
    const local = await resolveConfig(
      { ...config, variables: { DB_PASSWORD: config.variables.DB_PASSWORD as VariableSpec } },
      { environment: "local", processEnv: root() },
    );
    assert.deepEqual(
      local.issues,
      [],
      "outside pure Vault mode a developer's root token is allowed",
    );
    assert.equal(local.entries[0]?.raw, "local-db");
    assert.equal(
      local.entries[0]?.provenance.winner?.ref,
      "vault://secret/shop/local/app#DB_PASSWORD",
    );
  });

  it("production with an AppRole token: values, versions and provenance", async () => {
    const env = appRole(bao, "shop", ["secret/data/shop/production/*"]);
    const config: ConfigSpec = {
      project: "shop",
      vault: LOOPBACK_HTTP,
      variables: {
        DB_PASSWORD: { secret: true, ref: "vault://secret/{project}/{env}/app#DB_PASSWORD" },
        OLD_PASSWORD: {
          secret: true,
          ref: "vault://secret/{project}/{env}/app#DB_PASSWORD?version=1",
        },
      },
    };
    const result = await resolveConfig(config, { environment: "production", processEnv: env });
    assert.deepEqual(result.issues, []);
    assert.deepEqual(
      result.entries.map((entry) => [
        entry.raw,
        entry.provenance.winner?.version,
        entry.provenance.winner?.kind,
      ]),
      [
        ["prod-db-canary-2", 2, "vault"],
        ["prod-db-canary-1", 1, "vault"],
      ],
    );
  });

  it("permission denied names the path, never a value, and the AppRole token is revoked afterwards", async () => {
    const env = appRole(bao, "narrow", ["secret/data/shop/production/app"]);
    const before = bao.cli(["list", "-format=json", "auth/token/accessors"]);
    const config: ConfigSpec = {
      vault: LOOPBACK_HTTP,
      variables: { TOKEN: { secret: true, ref: "vault://secret/other/team#TOKEN" } },
    };
    const result = await resolveConfig(config, { environment: "production", processEnv: env });
    assert.deepEqual(codes(result.issues), ["TOKEN:E_VAULT_DENIED"]);
    assert.match(
      result.issues[0]?.message ?? "",
      /GET secret\/data\/other\/team: permission denied/,
    );
    assert.ok(!JSON.stringify(result.issues).includes("other-team-canary"));
    assert.equal(
      JSON.parse(bao.cli(["list", "-format=json", "auth/token/accessors"])).length,
      JSON.parse(before).length,
      "the login token was revoked",
    );
  });

  it("logs in again when its AppRole token is revoked from outside; a live token's 403 stands", async () => {
    const env = appRole(bao, "relogin", ["secret/data/shop/production/app"]);
    const client = VaultClient.fromEnv(env);
    try {
      assert.equal(
        (await client.kvRead("secret/shop/production/app"))?.data.API_KEY,
        "prod-api-canary",
      );
      const first = (await client.session()).token;
      bao.cli(["token", "revoke", first]);
      assert.equal(
        (await client.kvRead("secret/shop/production/app"))?.data.API_KEY,
        "prod-api-canary",
      );
      const second = (await client.session()).token;
      assert.notEqual(second, first);
      await assert.rejects(client.kvRead("secret/other/team"), { code: "E_VAULT_DENIED" });
      assert.equal(
        (await client.session()).token,
        second,
        "a permission problem does not cause a new login",
      );
    } finally {
      await client.close();
    }
  });

  it("keeps a short-lived AppRole token alive: renews before expiry, logs in again after its max TTL", async () => {
    const env = appRole(bao, "shortlived", ["secret/data/shop/production/app"]);
    bao.cli([
      "write",
      "auth/approle/role/shortlived",
      "token_policies=shortlived-read",
      "token_ttl=2s",
      "token_max_ttl=5s",
    ]);
    const client = VaultClient.fromEnv(env);
    const errors: Error[] = [];
    const stop = client.keepAlive((error) => errors.push(error));
    try {
      const first = (await client.session()).token;
      // Past the 2 s TTL but before the 5 s max TTL comes near, the same token must still work.
      await new Promise((resolve) => setTimeout(resolve, 2600));
      const self = await client.http.send({
        method: "GET",
        path: "auth/token/lookup-self",
        token: first,
      });
      assert.equal(self.status, 200, "renewed past its 2 s TTL");
      assert.equal(errors.length, 0);
      assert.equal((await client.session()).token, first);
      // Near the 5 s max TTL it logs in again; reads keep working throughout.
      const until = Date.now() + 15_000;
      while ((await client.session()).token === first && Date.now() < until) {
        assert.equal(
          (await client.kvRead("secret/shop/production/app"))?.data.API_KEY,
          "prod-api-canary",
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      assert.notEqual(
        (await client.session()).token,
        first,
        "replaced by a new login around the 5 s max TTL",
      );
      assert.equal(
        (await client.kvRead("secret/shop/production/app"))?.data.API_KEY,
        "prod-api-canary",
      );
      assert.deepEqual(errors, []);
    } finally {
      stop();
      await client.close();
    }
  });

  it("userpass login for people, and namespaces (X-Vault-Namespace)", async () => {
    bao.cli(["auth", "enable", "userpass"]);
    bao.cli(["policy", "write", "people-read", "-"], {
      input: 'path "secret/data/shop/production/app" {\n  capabilities = ["read"]\n}\n',
    });
    bao.cli([
      "write",
      "auth/userpass/users/alice",
      "password=alice-pass-123",
      "token_policies=people-read",
    ]);
    const config: ConfigSpec = {
      vault: LOOPBACK_HTTP,
      variables: { API_KEY: { secret: true, ref: "vault://secret/shop/production/app#API_KEY" } },
    };
    const asAlice = await resolveConfig(config, {
      environment: "production",
      processEnv: {
        VAULT_ADDR: bao.addr,
        VAULT_USERNAME: "alice",
        VAULT_PASSWORD: "alice-pass-123",
      },
    });
    assert.deepEqual(asAlice.issues, []);
    assert.equal(asAlice.entries[0]?.raw, "prod-api-canary");
    const wrong = await resolveConfig(config, {
      environment: "production",
      processEnv: { VAULT_ADDR: bao.addr, VAULT_USERNAME: "alice", VAULT_PASSWORD: "wrong" },
    });
    assert.deepEqual(codes(wrong.issues), ["API_KEY:E_VAULT_AUTH"]);
    assert.ok(!JSON.stringify(wrong.issues).includes('wrong"'));
    bao.cli(["namespace", "create", "team1"]);
    bao.cli(["secrets", "enable", "-path=secret", "kv-v2"], { env: { BAO_NAMESPACE: "team1" } });
    bao.cli(["kv", "put", "-mount=secret", "app", "TOKEN=namespaced-value"], {
      env: { BAO_NAMESPACE: "team1" },
    });
    const namespaced: ConfigSpec = {
      vault: LOOPBACK_HTTP,
      variables: { TOKEN: { secret: true, ref: "vault://secret/app#TOKEN" } },
    };
    const inTeam = await resolveConfig(namespaced, {
      processEnv: { ...root(), VAULT_NAMESPACE: "team1" },
    });
    assert.equal(inTeam.entries[0]?.raw, "namespaced-value");
    const atRoot = await resolveConfig(namespaced, { processEnv: root() });
    assert.deepEqual(
      codes(atRoot.issues),
      ["TOKEN:E_MISSING"],
      "the same path outside the namespace is another secret",
    );
  });

  it("KV v1: Strongbox writes, `bao kv get` reads back, and Strongbox resolves it", async () => {
    const client = VaultClient.fromEnv(root());
    try {
      assert.deepEqual(await client.mountOf("kv1/app"), { mount: "kv1/", version: 1, kind: "kv" });
      assert.equal(
        await client.kvWrite("kv1/app", { SESSION: "v1-written-by-strongbox" }),
        undefined,
      );
      assert.equal(
        bao.cli(["kv", "get", "-mount=kv1", "-field=SESSION", "app"]).trim(),
        "v1-written-by-strongbox",
      );
    } finally {
      await client.close();
    }
    const result = await resolveConfig(
      { variables: { SESSION: { secret: true, ref: "vault://kv1/app#SESSION" } } },
      { processEnv: root() },
    );
    assert.equal(result.entries[0]?.raw, "v1-written-by-strongbox");
  });

  it("KV v2: write with check-and-set, conflicts, patch, metadata, delete, undelete, destroy; bao reads what we wrote", async () => {
    const client = VaultClient.fromEnv(root());
    try {
      assert.equal(await client.kvWrite("secret/cas/demo", { A: "1" }, { cas: 0 }), 1);
      await assert.rejects(
        client.kvWrite("secret/cas/demo", { A: "2" }, { cas: 0 }),
        (error: StrongboxError) =>
          error.code === "E_VAULT_CAS" && /check-and-set/.test(error.message),
      );
      assert.equal(await client.kvWrite("secret/cas/demo", { A: "2" }, { cas: 1 }), 2);
      assert.equal(await client.kvPatch("secret/cas/demo", { B: "patched" }, { cas: 2 }), 3);
      assert.equal(
        bao.cli(["kv", "get", "-mount=secret", "-field=B", "cas/demo"]).trim(),
        "patched",
      );
      assert.deepEqual((await client.kvRead("secret/cas/demo"))?.data, { A: "2", B: "patched" });
      await client.kvWriteMetadata("secret/cas/demo", {
        max_versions: 5,
        custom_metadata: { owner: "shop" },
      });
      const metadata = await client.kvMetadata("secret/cas/demo");
      assert.equal(metadata?.current_version, 3);
      assert.equal(metadata?.max_versions, 5);
      assert.deepEqual(metadata?.custom_metadata, { owner: "shop" });
      await client.kvDelete("secret/cas/demo", [3]);
      assert.equal(await client.kvRead("secret/cas/demo"), undefined);
      await client.kvUndelete("secret/cas/demo", [3]);
      assert.equal((await client.kvRead("secret/cas/demo"))?.version, 3);
      await client.kvDestroy("secret/cas/demo", [1]);
      assert.equal(await client.kvRead("secret/cas/demo", { version: 1 }), undefined);
      assert.deepEqual(await client.kvList("secret/cas"), ["demo"]);
      assert.deepEqual(await client.kvList("secret/nothing-here"), []);
    } finally {
      await client.close();
    }
  });

  it("`strongbox set --to vault://…` adds a key with check-and-set, keeping the others; bao reads it back", async () => {
    const dir = tempProject();
    bao.cli(["kv", "put", "-mount=secret", "settest/app", "KEEP=kept"]);
    const set = await runCli(["set", "NEW_KEY", "--to", "vault://secret/settest/app", "--json"], {
      cwd: dir,
      env: root(),
      input: "set-by-strongbox\n",
    });
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), {
      ok: true,
      issues: [],
      name: "NEW_KEY",
      path: "secret/settest/app",
      version: 2,
    });
    assert.equal(
      bao.cli(["kv", "get", "-mount=secret", "-field=NEW_KEY", "settest/app"]).trim(),
      "set-by-strongbox",
    );
    assert.equal(
      bao.cli(["kv", "get", "-mount=secret", "-field=KEEP", "settest/app"]).trim(),
      "kept",
    );
    const fresh = await runCli(["set", "FIRST", "--to", "vault://secret/settest/new#FIRST"], {
      cwd: dir,
      env: root(),
      input: "created",
    });
    assert.match(fresh.stderr, /stored FIRST at secret\/settest\/new \(version 1\)/);
    const v1 = await runCli(["set", "X", "--to", "vault://kv1/settest#X"], {
      cwd: dir,
      env: root(),
      input: "v1-value",
    });
    assert.equal(v1.code, 0, v1.stderr);
    assert.equal(bao.cli(["kv", "get", "-mount=kv1", "-field=X", "settest"]).trim(), "v1-value");
  });

  it("batches: 100 keys over 10 paths cost 10 reads (+ one mount lookup and one token lookup)", async () => {
    const proxy: LoopbackProxy = await startProxy(bao.addr);
    try {
      const variables: Record<string, VariableSpec> = {};
      for (let path = 0; path < 10; path++) {
        const pairs = Array.from({ length: 10 }, (_, key) => `K${key}=v${path}-${key}`);
        bao.cli(["kv", "put", "-mount=secret", `batch/p${path}`, ...pairs]);
        for (let key = 0; key < 10; key++)
          variables[`P${path}_K${key}`] = {
            secret: true,
            ref: `vault://secret/batch/p${path}#K${key}`,
          };
      }
      const result = await resolveConfig(
        { variables },
        { processEnv: { VAULT_ADDR: proxy.addr, VAULT_TOKEN: bao.rootToken } },
      );
      assert.deepEqual(result.issues, []);
      assert.equal(result.entries.find((entry) => entry.name === "P7_K3")?.raw, "v7-3");
      assert.equal(
        proxy.seen.filter((line) => line.startsWith("GET /v1/secret/data/batch/")).length,
        10,
      );
      assert.equal(proxy.seen.length, 12, proxy.seen.join("\n"));
    } finally {
      await proxy.close();
    }
  });

  it("a slow server is a typed error within the deadline, not a hang", async () => {
    const proxy = await startProxy(bao.addr);
    proxy.delayMs = 5000;
    try {
      const started = Date.now();
      const result = await resolveConfig(
        { variables: { A: { ref: "vault://secret/shop/production/app#API_KEY" } } },
        { processEnv: { VAULT_ADDR: proxy.addr, VAULT_TOKEN: bao.rootToken }, timeoutMs: 800 },
      );
      const elapsed = Date.now() - started;
      assert.deepEqual(codes(result.issues), ["A:E_VAULT_UNREACHABLE"]);
      assert.match(result.issues[0]?.message ?? "", /did not answer .* before the deadline/);
      assert.ok(elapsed < 3000, `returned after ${elapsed} ms`);
    } finally {
      await proxy.close();
    }
  });

  it("the CLI runs an app in production with AppRole credentials, and masks its secrets", async () => {
    const env = appRole(bao, "cli", ["secret/data/shop/production/*"]);
    const dir = tempProject({
      "strongbox.config.yaml":
        "project: shop\nvault: { allowInsecure: true }\nvariables:\n  DB_PASSWORD: { secret: true, ref: 'vault://secret/{project}/{env}/app#DB_PASSWORD' }\n",
    });
    const run = await runCli(
      [
        "run",
        "--env",
        "production",
        "--",
        "sh",
        "-c",
        'echo "db=$DB_PASSWORD"; test "$DB_PASSWORD" = prod-db-canary-2',
      ],
      { cwd: dir, env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "db=<redacted:DB_PASSWORD>\n");
    const withRoot = await runCli(["check", "--env", "production"], { cwd: dir, env: root() });
    assert.equal(withRoot.code, 4);
    assert.match(withRoot.stderr, /root token/);
  });

  it("Vault-side access paths write one record each: render, the agent, set --to, migrate", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "project: audited\naudit: { file: audit.jsonl }\nvariables:\n  SESSION_SECRET: { secret: true, ref: { production: 'vault://secret/{project}/{env}/app#SESSION_SECRET' } }\n",
      "t.ctmpl":
        '{{ with secret "secret/data/shop/production/app" }}K={{ .Data.data.API_KEY }}{{ end }}\n',
      "agent.yaml": "templates:\n  - { source: t.ctmpl, destination: agent.env }\n",
      ".env": "SESSION_SECRET=migrated-canary-value\n",
    });
    const log = join(dir, "audit.jsonl");
    const added = (() => {
      let seen = 0;
      return () => {
        const rows = existsSync(log)
          ? readFileSync(log, "utf8")
              .split("\n")
              .filter(Boolean)
              .map((line) => JSON.parse(line) as Record<string, unknown>)
              .filter((row) => row.action !== "checkpoint")
          : [];
        const fresh = rows.slice(seen);
        seen = rows.length;
        return fresh.map(
          (row) => `${row.action} ${row.variable ?? row.secret} ${row.ref} ${row.outcome}`,
        );
      };
    })();
    const env = root();
    const render = await runCli(["render", "-i", "t.ctmpl", "-o", "out.env"], { cwd: dir, env });
    assert.equal(render.code, 0, render.stderr);
    assert.deepEqual(added(), [
      "read secret/data/shop/production/app vault://secret/data/shop/production/app ok",
    ]);
    const agent = await runCli(["agent", "-a", "agent.yaml", "--once"], { cwd: dir, env });
    assert.equal(agent.code, 0, agent.stderr);
    assert.deepEqual(added(), [
      "read secret/data/shop/production/app vault://secret/data/shop/production/app ok",
    ]);
    const set = await runCli(["set", "NEW_KEY", "--to", "vault://secret/audited/paths"], {
      cwd: dir,
      env,
      input: "set-to-canary-value",
    });
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(added(), ["write NEW_KEY vault://secret/audited/paths#NEW_KEY ok"]);
    const migrate = await runCli(["migrate", "-f", ".env", "-e", "production", "--apply"], {
      cwd: dir,
      env,
    });
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.deepEqual(added(), [
      "write SESSION_SECRET vault://secret/audited/production/app#SESSION_SECRET ok",
    ]);
    const text = readFileSync(log, "utf8");
    // The template reads (render's, the agent's) name who read: the token's accessor, never the token.
    const accessor = JSON.parse(bao.cli(["token", "lookup", "-format=json"]))?.data?.accessor;
    const templateReads = text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { secret?: string; principal?: { accessor?: string } })
      .filter((row) => row.secret === "secret/data/shop/production/app");
    assert.equal(templateReads.length, 2);
    for (const row of templateReads) assert.equal(row.principal?.accessor, accessor);
    for (const leak of [
      "prod-api-canary",
      "set-to-canary-value",
      "migrated-canary-value",
      bao.rootToken,
    ])
      assert.ok(!text.includes(leak), "no value or token in the log");
  });

  it("audit records name the auth method, role and token accessor, never the token; pure production fails closed", async () => {
    const env = appRole(bao, "audited", ["secret/data/shop/production/*"]);
    const dir = tempProject({
      "strongbox.config.yaml":
        "project: shop\nvault: { allowInsecure: true }\naudit: { file: audit.jsonl }\nvariables:\n  DB_PASSWORD: { secret: true, ref: 'vault://secret/{project}/{env}/app#DB_PASSWORD' }\n",
    });
    const run = await runCli(["run", "--env", "production", "--", "true"], { cwd: dir, env });
    assert.equal(run.code, 0, run.stderr);
    const log = readFileSync(join(dir, "audit.jsonl"), "utf8");
    const [record] = log
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const principal = record?.principal as { method?: string; role?: string; accessor?: string };
    assert.equal(principal.method, "approle");
    assert.equal(principal.role, "audited");
    assert.equal(record?.version, 2);
    assert.equal(record?.project, "shop");
    // The accessor is the login token's: bao can look it up (the token itself is revoked by now).
    assert.match(String(principal.accessor), /^[\w.-]{20,}$/);
    for (const leak of ["prod-db-canary", env.VAULT_SECRET_ID as string, bao.rootToken])
      assert.ok(!log.includes(leak), "no value or credential in the log");
    // A given token is named by its lookup: method token, and its accessor.
    const accessor = JSON.parse(bao.cli(["token", "lookup", "-format=json"]))?.data?.accessor;
    await runCli(["export", "--env", "production"], {
      cwd: dir,
      env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
    });
    const second = readFileSync(join(dir, "audit.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .at(-1);
    const given = JSON.parse(second ?? "{}") as {
      principal?: { method?: string; accessor?: string };
    };
    assert.equal(given.principal?.method, "token");
    assert.equal(given.principal?.accessor, accessor);
    // A render names its reader the same way (issue 26: render records named no one).
    writeFileSync(
      join(dir, "t.ctmpl"),
      '{{ with secret "secret/data/shop/production/app" }}{{ .Data.data.DB_PASSWORD }}{{ end }}',
    );
    const renderEnv = appRole(bao, "audited", ["secret/data/shop/production/*"]);
    const rendered = await runCli(["render", "-i", "t.ctmpl", "-o", "out.env"], {
      cwd: dir,
      env: renderEnv,
    });
    assert.equal(rendered.code, 0, rendered.stderr);
    const renderLog = readFileSync(join(dir, "audit.jsonl"), "utf8");
    const renderRecord = JSON.parse(renderLog.split("\n").filter(Boolean).at(-1) ?? "{}") as {
      action?: string;
      principal?: { method?: string; role?: string; accessor?: string };
    };
    assert.equal(renderRecord.action, "read");
    assert.equal(renderRecord.principal?.method, "approle");
    assert.equal(renderRecord.principal?.role, "audited");
    assert.match(String(renderRecord.principal?.accessor), /^[\w.-]{20,}$/);
    for (const leak of [renderEnv.VAULT_SECRET_ID as string, bao.rootToken, "prod-db-canary"])
      assert.ok(!renderLog.includes(leak), "no credential or value in the log");
    // Pure Vault mode fails closed by default: no log, no start.
    rmSync(join(dir, "audit.jsonl"));
    mkdirSync(join(dir, "audit.jsonl"));
    const refused = await runCli(["run", "--env", "production", "--", "sh", "-c", "touch ran"], {
      cwd: dir,
      env: appRole(bao, "audited", ["secret/data/shop/production/*"]),
    });
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(
      refused.stderr,
      /no secret is released unrecorded in environment "production" \(E_AUDIT\)/,
    );
    assert.equal(existsSync(join(dir, "ran")), false);
  });
});

describe("strongbox vault setup and doctor against a real bao server", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "shop/production/app",
      "DB_PASSWORD=setup-canary",
      "EMPTY=",
    ]);
    bao.cli(["kv", "put", "-mount=secret", "shop/production/worker", "QUEUE_TOKEN=queue-canary"]);
  });
  after(async () => bao.stop());

  const CONFIG = [
    "project: shop",
    "vault: { allowInsecure: true }",
    "variables:",
    "  DB_PASSWORD: { secret: true, ref: { production: 'vault://secret/{project}/{env}/app#DB_PASSWORD', staging: 'vault://secret/{project}/{env}/app#DB_PASSWORD' } }",
    "  EMPTY: { secret: true, required: false, ref: { production: 'vault://secret/{project}/{env}/app#EMPTY' } }",
    "  QUEUE_TOKEN: { secret: true, component: worker, ref: { production: 'vault://secret/{project}/{env}/{component}#QUEUE_TOKEN' } }",
    "environments:",
    "  production: { secrets: { from: [vault] } }",
    "  staging: { secrets: { from: [vault] } }",
    "",
  ].join("\n");

  it("plans least-privilege policies per environment and component, and --dry-run changes nothing", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const admin = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    const dry = await runCli(["vault", "setup", "--env", "production", "--dry-run"], {
      cwd: dir,
      env: admin,
    });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /# policy shop-production-app\n# strongbox vault setup: shop\/production\/app .*\n# run\npath "secret\/data\/shop\/production\/app" \{\n {2}capabilities = \["read"\]\n\}/,
    );
    assert.match(
      dry.stdout,
      /# policy shop-production-worker\n# strongbox vault setup: .*\n# run\npath "secret\/data\/shop\/production\/worker"/,
    );
    assert.match(
      dry.stdout,
      /POST auth\/approle\/role\/shop-production-app token_policies=shop-production-app/,
    );
    assert.throws(
      () => bao.cli(["policy", "read", "shop-production-app"]),
      "dry run created nothing",
    );
  });

  it("creates policies and AppRoles whose wrapped secret ids run the app, idempotently", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const admin = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    const setup = await runCli(["vault", "setup", "--env", "production", "--json"], {
      cwd: dir,
      env: admin,
    });
    assert.equal(setup.code, 0, setup.stderr);
    const results = JSON.parse(setup.stdout).roles as Array<{
      name: string;
      roleId: string;
      wrappedSecretId: string;
      changed: { policy: boolean; role: boolean };
    }>;
    assert.deepEqual(
      results.map((r) => [r.name, r.changed.policy, r.changed.role]),
      [
        ["shop-production-app", true, true],
        ["shop-production-worker", true, true],
      ],
    );
    const app = results[0] as (typeof results)[number];
    const secretId = bao.cli(["unwrap", "-field=secret_id", app.wrappedSecretId]).trim();
    const env = { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: app.roleId, VAULT_SECRET_ID: secretId };
    const denied = await runCli(["check", "--env", "production"], { cwd: dir, env });
    // Every problem a denial: the token's or policy's, 11 (docs/errors.md), not the project's 4.
    assert.equal(denied.code, 11, "the app role may not read the worker's path");
    assert.match(denied.stderr, /E_VAULT_DENIED/);
    assert.match(
      denied.stderr,
      /QUEUE_TOKEN: Vault GET secret\/data\/shop\/production\/worker: permission denied/,
    );
    assert.doesNotMatch(denied.stderr, /DB_PASSWORD/);
    const again = JSON.parse(
      (await runCli(["vault", "setup", "--env", "production", "--json"], { cwd: dir, env: admin }))
        .stdout,
    ).roles as typeof results;
    assert.deepEqual(
      again.map((r) => [r.changed.policy, r.changed.role]),
      [
        [false, false],
        [false, false],
      ],
    );
  });

  it("check --layers --live reports secrets missing or empty in Vault, by name", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const live = await runCli(["check", "--layers", "--live", "--env", "staging"], {
      cwd: dir,
      env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
    });
    assert.equal(live.code, 4);
    assert.match(live.stderr, /✗ DB_PASSWORD is missing in Vault for environment "staging"/);
    const prod = await runCli(["check", "--layers", "--live", "--json"], {
      cwd: dir,
      env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
    });
    const rules = JSON.parse(prod.stdout).issues.map(
      (i: { rule: string; variable?: string }) => `${i.rule}:${i.variable}`,
    );
    assert.ok(rules.includes("live-empty:EMPTY"), rules.join());
    assert.ok(!prod.stdout.includes("canary"));
  });

  it("check --layers --live on the seed layout: keys in Vault that nothing declares are named", async () => {
    const dir = tempProject();
    cpSync(join(ROOT, "test/fixtures/seed-layout"), dir, { recursive: true });
    const keys = [
      "DATABASE_URL",
      "REDIS_URL",
      "S3_ENDPOINT",
      "S3_ACCESS_KEY",
      "S3_SECRET_KEY",
      "S3_BUCKET",
      "OPENROUTER_API_KEY",
      "SECRET_KEY",
      "CORS_ORIGINS",
    ].map((key) => `${key}=live-canary-${key.toLowerCase()}`);
    bao.cli(["kv", "put", "-mount=secret", "finance_report/production/app", ...keys]);
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    const clean = await runCli(["check", "--layers", "--live", "--env", "production"], {
      cwd: dir,
      env,
    });
    assert.equal(clean.code, 0, clean.stderr);
    bao.cli([
      "kv",
      "patch",
      "-mount=secret",
      "finance_report/production/app",
      "LEGACY_TOKEN=live-canary-legacy",
    ]);
    const orphan = await runCli(["check", "--layers", "--live", "--env", "production", "--json"], {
      cwd: dir,
      env,
    });
    assert.equal(orphan.code, 4);
    const rules = JSON.parse(orphan.stdout).issues.map(
      (i: { rule: string; variable?: string }) => `${i.rule}:${i.variable}`,
    );
    assert.deepEqual(rules, ["live-orphan:LEGACY_TOKEN"]);
    assert.ok(!orphan.stdout.includes("live-canary"));
  });

  it("the local doctor reaches a real Vault and names the token's policies", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const result = await runCli(["doctor", "--json"], {
      cwd: dir,
      env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
    });
    const vault = JSON.parse(result.stdout).checks.find(
      (c: { check: string }) => c.check === "vault",
    );
    assert.equal(vault.status, "ok", JSON.stringify(vault));
    assert.match(vault.detail, /answers \(version .+\); token accepted, policies root/);
  });

  it("doctor reports the server, the token and missing or empty secrets by name", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const doctor = await runCli(["vault", "doctor", "--json"], {
      cwd: dir,
      env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
    });
    assert.equal(doctor.code, 4);
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.server.version, "2.7.2");
    assert.equal(report.token.root, true);
    assert.deepEqual(report.mounts, [{ mount: "secret/", version: 2 }]);
    assert.deepEqual(
      report.environments.map(
        (e: { environment: string; ok: string[]; missing: string[]; empty: string[] }) => [
          e.environment,
          e.ok,
          e.missing,
          e.empty,
        ],
      ),
      [
        ["production", ["DB_PASSWORD", "QUEUE_TOKEN"], [], ["EMPTY"]],
        ["staging", [], ["DB_PASSWORD"], []],
      ],
    );
    assert.ok(!doctor.stdout.includes("canary"));
  });
});

describe("Vault over TLS", () => {
  it("trusts the server through VAULT_CACERT, and refuses it without", async () => {
    const port = await freePort();
    const certs = tempProject();
    const child = spawn(
      baoBinary(),
      [
        "server",
        "-dev",
        "-dev-tls",
        `-dev-tls-cert-dir=${certs}`,
        `-dev-listen-address=127.0.0.1:${port}`,
        "-dev-root-token-id=tls-root",
        "-dev-no-store-token",
      ],
      {
        env: { PATH: process.env.PATH ?? "", HOME: certs },
        stdio: "ignore",
      },
    );
    try {
      const ca = join(certs, "vault-ca.pem");
      const env = {
        VAULT_ADDR: `https://127.0.0.1:${port}`,
        VAULT_TOKEN: "tls-root",
        VAULT_CACERT: ca,
      };
      const deadline = Date.now() + 20_000;
      while (!existsSync(ca) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      let health: Record<string, unknown> = {};
      while (Date.now() < deadline) {
        const client = VaultClient.fromEnv(env);
        health = await client.health(AbortSignal.timeout(1000)).catch(() => ({}));
        client.close();
        if (health.initialized === true) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(health.initialized, true);
      const config: ConfigSpec = {
        variables: { X: { ref: "vault://secret/none#X", required: false } },
      };
      assert.deepEqual((await resolveConfig(config, { processEnv: env })).issues, []);
      const untrusted = await resolveConfig(config, {
        processEnv: { ...env, VAULT_CACERT: "" },
        timeoutMs: 1500,
      });
      assert.deepEqual(codes(untrusted.issues), ["X:E_VAULT_UNREACHABLE"]);
    } finally {
      child.kill("SIGTERM");
    }
  });
});

describe("Vault faults", () => {
  it("a stopped server and a sealed server are typed errors, with no secret in any message", async () => {
    const bao = await startBao();
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    bao.cli(["kv", "put", "-mount=secret", "app", "X=fault-canary"]);
    const config: ConfigSpec = { variables: { X: { secret: true, ref: "vault://secret/app#X" } } };
    assert.equal(
      (await resolveConfig(config, { processEnv: env })).entries[0]?.raw,
      "fault-canary",
    );
    bao.cli(["operator", "seal"]);
    const sealed = await resolveConfig(config, { processEnv: env, timeoutMs: 1500 });
    assert.deepEqual(codes(sealed.issues), ["X:E_VAULT_SEALED"]);
    await bao.stop();
    const started = Date.now();
    const stopped = await resolveConfig(config, { processEnv: env, timeoutMs: 1500 });
    assert.deepEqual(codes(stopped.issues), ["X:E_VAULT_UNREACHABLE"]);
    assert.ok(Date.now() - started < 4000);
    const fallbackConfig: ConfigSpec = {
      vault: { allowInsecure: true },
      variables: { X: { secret: true, ref: "vault://secret/app#X", default: "dev-fallback" } },
    };
    const local = await resolveConfig(fallbackConfig, {
      environment: "local",
      processEnv: env,
      timeoutMs: 1000,
    });
    assert.deepEqual(local.issues, []);
    assert.equal(local.entries[0]?.raw, "dev-fallback");
    assert.match(
      local.warnings?.[0] ?? "",
      /^X: Vault could not be reached \(E_VAULT_UNREACHABLE\); using the schema default instead/,
    );
    assert.equal(
      local.entries[0]?.provenance.shadowed[0]?.reason,
      "E_VAULT_UNREACHABLE: Vault could not be reached; fell back",
    );
    const production = await resolveConfig(fallbackConfig, {
      environment: "production",
      processEnv: env,
      timeoutMs: 1000,
    });
    assert.deepEqual(
      codes(production.issues),
      ["X:E_VAULT_UNREACHABLE"],
      "pure Vault mode never falls back",
    );
    for (const result of [sealed, stopped])
      assert.ok(
        !JSON.stringify(result.issues).includes("fault-canary") &&
          !JSON.stringify(result.issues).includes(bao.rootToken),
      );
  });
});
