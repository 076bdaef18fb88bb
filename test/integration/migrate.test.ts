import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { applyMigration } from "../../src/migrate/apply.js";
import { planMigration } from "../../src/migrate/plan.js";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";
import { startProxy } from "../helpers/proxy.js";

const CONFIG =
  "project: shop\nvariables:\n  PORT: { type: port, default: 80 }\n  SESSION_SECRET: { secret: true, ref: { production: 'vault://secret/{project}/{env}/app#SESSION_SECRET' } }\n  DEBUG: { type: boolean, default: false }\n";
const DOTENV =
  "PORT=8080\nDEBUG=true\nSESSION_SECRET=migrate-session-canary\nDATABASE_URL=postgres://shop:migrate-db-canary@db/shop\nREDIS_PASSWORD=migrate-redis-canary\nSTRIPE_API_KEY=sk_test_migrate\nPLAIN_NOTE=hello\nALREADY=store://ALREADY\n";

describe("strongbox migrate against a real bao server", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "shop/production/redis",
      "REDIS_PASSWORD=old-redis-value",
      "OTHER=kept",
    ]);
  });
  after(async () => bao.stop());
  const env = () => ({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
  const listing = () => bao.cli(["kv", "list", "-mount=secret", "-format=json", "shop/production"]);

  it("dry run plans, classifies and maps, and changes nothing", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG, ".env": DOTENV });
    const before = listing();
    const dry = await runCli(["migrate", "-f", ".env", "--json"], { cwd: dir, env: env() });
    assert.equal(dry.code, 0, dry.stderr);
    const rows = JSON.parse(dry.stdout).rows.map(
      (r: { variable: string; path: string; key: string; status: string }) =>
        `${r.variable} ${r.path}#${r.key} ${r.status}`,
    );
    assert.deepEqual(rows, [
      "PORT secret/shop/production/app#PORT skipped",
      "DEBUG secret/shop/production/app#DEBUG skipped",
      "SESSION_SECRET secret/shop/production/app#SESSION_SECRET new",
      "DATABASE_URL secret/shop/production/database#DATABASE_URL new",
      "REDIS_PASSWORD secret/shop/production/redis#REDIS_PASSWORD different",
      "STRIPE_API_KEY secret/shop/production/stripe#STRIPE_API_KEY new",
      "PLAIN_NOTE secret/shop/production/app#PLAIN_NOTE skipped",
      "ALREADY secret/shop/production/app#ALREADY skipped",
    ]);
    assert.equal(listing(), before, "nothing written");
    assert.ok(!dry.stdout.includes("canary") && !dry.stderr.includes("canary"));
  });

  it("applies with a journal, is a no-op when re-run, --force overwrites, and rollback restores exact prior versions", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG, ".env": DOTENV });
    const applied = await runCli(
      [
        "migrate",
        "-f",
        ".env",
        "--secrets",
        "app,database",
        "--secrets",
        "redis",
        "--env",
        "production",
        "--apply",
        "--journal",
        "j1.jsonl",
      ],
      { cwd: dir, env: env() },
    );
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, /migrated 2, skipped 6, errors 0/);
    assert.equal(
      bao
        .cli(["kv", "get", "-mount=secret", "-field=SESSION_SECRET", "shop/production/app"])
        .trim(),
      "migrate-session-canary",
    );
    assert.equal(
      bao
        .cli(["kv", "get", "-mount=secret", "-field=REDIS_PASSWORD", "shop/production/redis"])
        .trim(),
      "old-redis-value",
      "different keys need --force",
    );
    const again = await runCli(
      [
        "migrate",
        "-f",
        ".env",
        "--secrets",
        "app",
        "--secrets",
        "database",
        "--env",
        "production",
        "--apply",
        "--journal",
        "j2.jsonl",
      ],
      { cwd: dir, env: env() },
    );
    assert.match(again.stderr, /migrated 0/);
    const forced = await runCli(
      [
        "migrate",
        "-f",
        ".env",
        "--secrets",
        "redis",
        "--env",
        "production",
        "--apply",
        "--force",
        "--journal",
        "j3.jsonl",
      ],
      { cwd: dir, env: env() },
    );
    assert.match(forced.stderr, /migrated 1/);
    assert.equal(
      bao
        .cli(["kv", "get", "-mount=secret", "-field=REDIS_PASSWORD", "shop/production/redis"])
        .trim(),
      "migrate-redis-canary",
    );
    const journal = readFileSync(join(dir, "j3.jsonl"), "utf8");
    assert.deepEqual(
      journal
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).state),
      ["intent", "done"],
    );
    assert.ok(!journal.includes("canary"), "the journal holds paths and versions, never values");
    for (const file of ["j3.jsonl", "j1.jsonl"])
      assert.equal(
        (await runCli(["migrate", "--rollback", file], { cwd: dir, env: env() })).code,
        0,
      );
    assert.equal(
      bao
        .cli(["kv", "get", "-mount=secret", "-field=REDIS_PASSWORD", "shop/production/redis"])
        .trim(),
      "old-redis-value",
    );
    assert.equal(
      bao.cli(["kv", "get", "-mount=secret", "-field=OTHER", "shop/production/redis"]).trim(),
      "kept",
    );
    assert.throws(
      () => bao.cli(["kv", "get", "-mount=secret", "shop/production/app"]),
      "a created path is removed again",
    );
  });

  it("attacks: rollback never destroys a write made after the migration (created or existing path, a new key or a changed one)", async () => {
    const laterWrites = [
      { name: "changed", args: ["LATER_KEY=later-write-canary"], patch: false },
      { name: "added", args: ["EXTRA=later-extra-canary"], patch: true },
    ];
    for (const existed of [false, true])
      for (const later of laterWrites) {
        const path = `shop/production/later-${existed ? "old" : "new"}-${later.name}`;
        if (existed) bao.cli(["kv", "put", "-mount=secret", path, "BEFORE=before"]);
        const dir = tempProject({
          "strongbox.config.yaml": `project: shop\nvariables:\n  LATER_KEY: { secret: true, ref: { production: 'vault://secret/${path}#LATER_KEY' } }\n`,
          ".env": "LATER_KEY=migrated-canary\n",
        });
        const applied = await runCli(
          ["migrate", "-f", ".env", "-e", "production", "--apply", "--journal", "j.jsonl"],
          {
            cwd: dir,
            env: env(),
          },
        );
        assert.equal(applied.code, 0, applied.stderr);
        bao.cli(["kv", later.patch ? "patch" : "put", "-mount=secret", path, ...later.args]);
        const field = (key: string) =>
          bao.cli(["kv", "get", "-mount=secret", `-field=${key}`, path]).trim();
        const laterValue = () => field(later.patch ? "EXTRA" : "LATER_KEY");
        const before = laterValue();
        const rollback = await runCli(["migrate", "--rollback", "j.jsonl"], {
          cwd: dir,
          env: env(),
        });
        const what = `${later.name} key on ${existed ? "an existing" : "a created"} path`;
        assert.equal(rollback.code, 12, `${what}: ${rollback.stderr}`);
        assert.match(rollback.stderr, /E_VAULT_CAS/);
        assert.ok(rollback.stderr.includes(path), `${what}: the error names the path`);
        assert.match(rollback.stderr, /bao kv rollback/);
        assert.ok(!/canary/.test(rollback.stdout + rollback.stderr), "no value in the output");
        assert.equal(laterValue(), before, `${what}: the later write survives`);
      }
    // A rollback whose data is the same as the migrated version loses nothing: it proceeds.
    const path = "shop/production/later-same";
    const dir = tempProject({
      "strongbox.config.yaml": `project: shop\nvariables:\n  SAME: { secret: true, ref: { production: 'vault://secret/${path}#SAME' } }\n`,
      ".env": "SAME=same-canary\n",
    });
    await runCli(["migrate", "-f", ".env", "-e", "production", "--apply", "--journal", "j.jsonl"], {
      cwd: dir,
      env: env(),
    });
    bao.cli(["kv", "put", "-mount=secret", path, "SAME=same-canary"]);
    const same = await runCli(["migrate", "--rollback", "j.jsonl"], { cwd: dir, env: env() });
    assert.equal(same.code, 0, same.stderr);
    assert.throws(() => bao.cli(["kv", "get", "-mount=secret", path]));
  });

  it("a change made in Vault after planning is detected by check-and-set, not overwritten", async () => {
    const client = VaultClient.fromEnv(env());
    try {
      bao.cli(["kv", "put", "-mount=secret", "shop/production/stripe", "EXISTING=1"]);
      const plan = await planMigration(
        client,
        { project: "shop", variables: {} },
        [{ name: "STRIPE_API_KEY", value: "sk_cas", place: "test" }],
        { environment: "production" },
      );
      bao.cli(["kv", "patch", "-mount=secret", "shop/production/stripe", "EXISTING=2"]);
      const result = await applyMigration(client, plan, {
        journal: join(tempProject(), "j.jsonl"),
      });
      assert.deepEqual(
        result.errors.map((e) => e.code),
        ["E_VAULT_CAS"],
      );
      assert.equal(result.migrated, 0);
      assert.throws(() =>
        bao.cli(["kv", "get", "-mount=secret", "-field=STRIPE_API_KEY", "shop/production/stripe"]),
      );
    } finally {
      await client.close();
    }
  });

  it("env create copies a tree to a pr-* environment (dry run first) and env destroy removes it", async () => {
    bao.cli(["kv", "put", "-mount=secret", "shop/staging/app", "A=staging-a", "B=staging-b"]);
    bao.cli(["kv", "put", "-mount=secret", "shop/staging/worker/queue", "Q=staging-q"]);
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const dry = await runCli(["env", "create", "pr-47", "--from", "staging"], {
      cwd: dir,
      env: env(),
    });
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(
      dry.stdout,
      "copy secret/shop/staging/app -> secret/shop/pr-47/app (2 keys)\ncopy secret/shop/staging/worker/queue -> secret/shop/pr-47/worker/queue (1 keys)\n",
    );
    assert.throws(
      () => bao.cli(["kv", "get", "-mount=secret", "shop/pr-47/app"]),
      "dry run wrote nothing",
    );
    assert.equal(
      (
        await runCli(["env", "create", "pr-47", "--from", "staging", "--apply"], {
          cwd: dir,
          env: env(),
        })
      ).code,
      0,
    );
    assert.equal(
      bao.cli(["kv", "get", "-mount=secret", "-field=Q", "shop/pr-47/worker/queue"]).trim(),
      "staging-q",
    );
    const config =
      "project: shop\nvariables:\n  A: { secret: true, ref: { 'pr-*': 'vault://secret/{project}/{env}/app#A' } }\nenvironments:\n  'pr-*': { secrets: { from: [vault] } }\n";
    const app = tempProject({ "strongbox.config.yaml": config });
    const run = await runCli(
      ["run", "--env", "pr-47", "--no-mask", "--", "sh", "-c", 'printf %s "$A"'],
      { cwd: app, env: env() },
    );
    assert.equal(run.code, 4, "pure Vault mode still refuses the root token");
    assert.equal(
      (await runCli(["env", "destroy", "production", "--apply"], { cwd: dir, env: env() })).code,
      2,
      "only ephemeral environments can be destroyed",
    );
    const destroyDry = await runCli(["env", "destroy", "pr-47"], { cwd: dir, env: env() });
    assert.match(
      destroyDry.stdout,
      /destroy secret\/shop\/pr-47\/app\ndestroy secret\/shop\/pr-47\/worker\/queue/,
    );
    assert.equal(
      (await runCli(["env", "destroy", "pr-47", "--apply"], { cwd: dir, env: env() })).code,
      0,
    );
    assert.throws(() => bao.cli(["kv", "get", "-mount=secret", "shop/pr-47/app"]));
    assert.equal(
      bao.cli(["kv", "get", "-mount=secret", "-field=A", "shop/staging/app"]).trim(),
      "staging-a",
      "the source is untouched",
    );
  });

  it("a migration killed midway leaves a journal that rolls back, and re-running resumes it", async () => {
    const count = 40;
    const variables = Array.from(
      { length: count },
      (_, i) =>
        `  S${i}: { secret: true, ref: { production: 'vault://secret/{project}/{env}/kill/p${i}#S${i}' } }`,
    );
    const dir = tempProject({
      "strongbox.config.yaml": `project: shop\nvariables:\n${variables.join("\n")}\n`,
      ".env": Array.from({ length: count }, (_, i) => `S${i}=value-${i}`).join("\n"),
    });
    const proxy = await startProxy(bao.addr);
    proxy.delayMs = 40;
    const journal = join(dir, "kill.jsonl");
    const child = spawn(
      process.execPath,
      [CLI, "migrate", "-f", ".env", "-e", "production", "--apply", "--journal", journal],
      {
        cwd: dir,
        env: cleanEnv(dir, { VAULT_ADDR: proxy.addr, VAULT_TOKEN: bao.rootToken }),
        stdio: "ignore",
      },
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    while (
      !existsSync(journal) ||
      readFileSync(journal, "utf8").split("\n").filter(Boolean).length < 5
    )
      await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill("SIGKILL");
    await exited;
    await proxy.close();
    const lines = readFileSync(journal, "utf8").split("\n").filter(Boolean);
    assert.ok(
      lines.length >= 5 && lines.length < 2 * count,
      `killed midway: ${lines.length} journal lines`,
    );
    for (const line of lines) JSON.parse(line);
    assert.equal(
      (await runCli(["migrate", "--rollback", "kill.jsonl"], { cwd: dir, env: env() })).code,
      0,
    );
    assert.throws(
      () => bao.cli(["kv", "list", "-mount=secret", "shop/production/kill"]),
      "rollback removed everything the killed run created, journaled as done or not",
    );
    const resumed = await runCli(
      ["migrate", "-f", ".env", "-e", "production", "--apply", "--journal", "resume.jsonl"],
      { cwd: dir, env: env() },
    );
    assert.match(resumed.stderr, new RegExp(`migrated ${count}, `));
    const again = await runCli(
      ["migrate", "-f", ".env", "-e", "production", "--apply", "--journal", "again.jsonl"],
      {
        cwd: dir,
        env: env(),
      },
    );
    assert.match(again.stderr, /migrated 0, /, "a complete migration re-run changes nothing");
    assert.equal(
      bao.cli(["kv", "get", "-mount=secret", "-field=S39", "shop/production/kill/p39"]).trim(),
      "value-39",
    );
  });
});
