// Journey 2: production on Vault, as an operator sets it up and an app lives
// with it. A TLS OpenBao; `vault setup` makes the identities; `migrate` moves
// the .env into Vault; the app runs, the agent polls and the rotation runs
// each with ONLY the AppRole setup made for it (no root token in their env).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { cleanEnv, spawnCli } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";
import { until } from "../helpers/wait.js";

const SESSION = "journey-session-canary-3f9a1c";
const DATABASE = "postgres://shop:journey-db-canary-77e2@db/shop";
const DATABASE_CHANGED = "postgres://shop:journey-db-changed-canary-51b0@db/shop";

const CONFIG = [
  "project: shop",
  "variables:",
  "  PORT: { type: port, default: 8080 }",
  "  SESSION_SECRET:",
  "    secret: true",
  "    ref: { production: 'vault://secret/{project}/{env}/app#SESSION_SECRET' }",
  "    rotation: { every: 30d, generator: 'hex:32', overlap: 1d, soak: 0s }",
  "  DATABASE_URL: { secret: true, ref: { production: 'vault://secret/{project}/{env}/app#DATABASE_URL' } }",
  "",
].join("\n");

/** The app: prints a digest of what it was given, never a value. */
const APP = [
  'const d = (v) => v ? require("node:crypto").createHash("sha256").update(v).digest("hex").slice(0, 12) : "unset";',
  "console.log(`session=${d(process.env.SESSION_SECRET)} previous=${d(process.env.SESSION_SECRET_PREVIOUS)} db=${d(process.env.DATABASE_URL)}`);",
].join("\n");
const digest = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 12);

describe("journey: production on Vault (TLS OpenBao, AppRole from vault setup)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao({ tls: true });
  });
  after(async () => bao.stop());

  it("setup → migrate → run → rotate → run with _PREVIOUS → agent → rotate --finish", async () => {
    const j = new Journey("production on Vault", {
      files: {
        "strongbox.config.yaml": CONFIG,
        ".env": `PORT=8080\nSESSION_SECRET=${SESSION}\nDATABASE_URL=${DATABASE}\n`,
        "app.js": APP,
        "agent.yaml":
          "interval: 1s\ntemplates:\n  - { source: secrets.ctmpl, destination: app.env }\n",
      },
      env: { VAULT_ADDR: bao.addr, VAULT_CACERT: bao.caCert as string },
    }).canary(SESSION, DATABASE, DATABASE_CHANGED, bao.rootToken);
    const admin = { VAULT_TOKEN: bao.rootToken };

    j.note("the operator, with an admin token, looks at the policies first");
    const printed = await j.step(["vault", "setup", "--env", "production", "--print-policy"], {
      env: admin,
      stdout: [
        /# policy shop-production-app\n/,
        /path "secret\/data\/shop\/production\/app" \{\n {2}capabilities = \["read"\]/,
        /path "secret\/metadata\/shop\/production\/app" \{\n {2}capabilities = \["read"\]/,
        /# policy shop-production-rotation\n/,
        /path "secret\/destroy\/shop\/production\/app" \{\n {2}capabilities = \["update"\]/,
      ],
    });
    const appPolicy = printed.stdout.split("# policy shop-production-rotation")[0] as string;
    assert.doesNotMatch(appPolicy, /destroy|create|update|patch/, "the app's policy only reads");
    j.note("the app's policy alone, to write by hand (docs/vault.md step 4)");
    const alone = await j.step(
      [
        "vault",
        "setup",
        "--env",
        "production",
        "--print-policy",
        "--policy",
        "shop-production-app",
      ],
      { env: admin, stdout: [/# policy shop-production-app\n/], not: [/rotation|destroy/] },
    );
    assert.equal(alone.stdout.trim(), appPolicy.trim());
    await j.step(
      ["vault", "setup", "--env", "production", "--print-policy", "--policy", "shop-production-ap"],
      {
        env: admin,
        code: 2,
        stderr: [
          /no policy shop-production-ap in this plan/,
          /shop-production-app, shop-production-rotation/,
        ],
      },
    );
    await j.step(["vault", "setup", "--env", "production", "--policy", "shop-production-app"], {
      env: admin,
      code: 2,
      stderr: [/--policy goes with --print-policy/],
    });
    assert.doesNotMatch(
      bao.cli(["policy", "list"]),
      /shop-production/,
      "--print-policy wrote nothing",
    );

    const setup = await j.step(["vault", "setup", "--env", "production", "--json"], { env: admin });
    const roles = JSON.parse(setup.stdout).roles as Array<{
      name: string;
      roleId: string;
      wrappedSecretId: string;
    }>;
    assert.deepEqual(
      roles.map((r) => r.name),
      ["shop-production-app", "shop-production-rotation"],
    );
    const login = (name: string) => {
      const role = roles.find((r) => r.name === name) as (typeof roles)[number];
      j.note(`where ${name} runs: bao unwrap <wrapped secret id>`);
      const secretId = bao.cli(["unwrap", "-field=secret_id", role.wrappedSecretId]).trim();
      j.canary(secretId);
      return { VAULT_ROLE_ID: role.roleId, VAULT_SECRET_ID: secretId };
    };
    const app = login("shop-production-app");
    const rotation = login("shop-production-rotation");

    await j.step(["migrate", "-f", ".env", "--env", "production"], {
      env: admin,
      stdout: [/SESSION_SECRET/, /DATABASE_URL/],
    });
    assert.throws(() => bao.cli(["kv", "get", "-mount=secret", "shop/production/app"]), "dry run");
    await j.step(["migrate", "-f", ".env", "--env", "production", "--apply"], {
      env: admin,
      stderr: [/migrated 2,/],
    });

    const run = ["run", "--env", "production", "--", process.execPath, "app.js"];
    j.note("the app, with only its AppRole");
    await j.step(run, {
      env: app,
      stdout: [new RegExp(`session=${digest(SESSION)} previous=unset db=${digest(DATABASE)}`)],
    });

    j.note("the rotation identity rotates; the app keeps starting, with the old value beside");
    await j.step(["rotate", "SESSION_SECRET", "--env", "production"], { env: rotation });
    const rotated = bao
      .cli(["kv", "get", "-mount=secret", "-field=SESSION_SECRET", "shop/production/app"])
      .trim();
    assert.notEqual(rotated, SESSION);
    j.canary(rotated);
    await j.step(run, {
      env: app,
      stdout: [new RegExp(`session=${digest(rotated)} previous=${digest(SESSION)} `)],
    });

    await j.step(["generate", "ctmpl"], {});
    j.note("a shell that still holds ENV=staging: -e production decides the paths");
    await j.step(["render", "-i", "secrets.ctmpl", "-o", "rendered.env", "-e", "production"], {
      env: { ...app, ENV: "staging" },
    });
    assert.match(readFileSync(join(j.dir, "rendered.env"), "utf8"), /DATABASE_URL="postgres:/);

    j.note("strongbox agent -a agent.yaml (interval 1s), with the app's AppRole");
    const agent = spawnCli(["agent", "-a", "agent.yaml", "--log-format", "json"], {
      cwd: j.dir,
      env: cleanEnv(j.dir, {
        VAULT_ADDR: bao.addr,
        VAULT_CACERT: bao.caCert as string,
        ENV: "production",
        ...app,
      }),
    });
    const rendered = () => {
      const file = join(j.dir, "app.env");
      return existsSync(file) ? readFileSync(file, "utf8") : "";
    };
    try {
      await until("the first render", () => rendered().includes(DATABASE));
      await new Promise((resolve) => setTimeout(resolve, 3500)); // several polls
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        "shop/production/app",
        `SESSION_SECRET=${rotated}`,
        `DATABASE_URL=${DATABASE_CHANGED}`,
      ]);
      j.note("bao kv put shop/production/app (DATABASE_URL changed)");
      await until("the re-render", () => rendered().includes(DATABASE_CHANGED));
    } finally {
      agent.kill("SIGTERM");
    }
    assert.equal(await agent.exited, 0, agent.stderr());
    j.note(`agent log: ${agent.stderr().trim().split("\n").length} lines`);
    j.checkCanaries({ stdout: "", stderr: agent.stderr() });
    assert.doesNotMatch(agent.stderr(), /denied|403/);

    j.note("the app's identity cannot retire versions");
    await j.step(["rotate", "--finish", "SESSION_SECRET", "--env", "production", "--force"], {
      env: app,
      code: 11,
      stderr: [/permission denied/],
    });
    // The rotation is minutes old: the overlap has not passed, so --finish refuses, then --force.
    await j.step(["rotate", "--finish", "SESSION_SECRET", "--env", "production"], {
      env: rotation,
      code: 4,
      stderr: [/SESSION_SECRET: the new version is soaking/],
    });
    await j.step(["rotate", "--finish", "SESSION_SECRET", "--env", "production", "--force"], {
      env: rotation,
    });
    const versions = JSON.parse(
      bao.cli(["kv", "metadata", "get", "-format=json", "-mount=secret", "shop/production/app"]),
    ).data.versions as Record<string, { destroyed: boolean }>;
    assert.deepEqual(
      Object.entries(versions).map(([n, v]) => `${n}:${v.destroyed}`),
      // Only v1 held an old SESSION_SECRET; v2 holds its current value (and the database
      // URL's previous one, which the app may still read), so it stays.
      ["1:true", "2:false", "3:false"],
    );
    await j.step(run, {
      env: app,
      stdout: [new RegExp(`previous=unset db=${digest(DATABASE_CHANGED)}`)],
    });
  });
});
