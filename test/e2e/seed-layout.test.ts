// Issue 13: the three-layer gate on seed 000's own layout. A schema with types and
// local defaults and no Vault paths, a `.env.example` with safe local values and
// [VAULT] markers, and a secrets.ctmpl naming the Vault paths must pass; the
// mistakes the seed's gate exists for must fail, each named.
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, runCli, tempProject } from "../helpers/cli.js";

const FIXTURE = join(ROOT, "test/fixtures/seed-layout");

function seedProject(): string {
  const dir = tempProject();
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  const next = text.replace(from, to);
  assert.notEqual(next, text, `${file}: nothing matched ${from}`);
  writeFileSync(path, next);
}

async function layers(dir: string, extra: string[] = []) {
  const result = await runCli(["check", "--layers", "--json", ...extra], { cwd: dir });
  const report = JSON.parse(result.stdout) as {
    ok: boolean;
    issues: Array<{ rule: string; variable?: string }>;
  };
  return {
    code: result.code,
    rules: report.issues.map((i) => `${i.rule}:${i.variable ?? ""}`).sort(),
  };
}

describe("the three-layer gate on seed 000's layout", () => {
  it("the layout the seed prescribes passes check --layers, lint, check, and production from its environment", async () => {
    const dir = seedProject();
    const gate = await runCli(["check", "--layers"], { cwd: dir });
    assert.equal(gate.code, 0, gate.stderr);
    assert.match(gate.stderr, /ok: the schema, \.env\.example and 1 template agree/);
    assert.equal((await runCli(["lint"], { cwd: dir })).code, 0);
    assert.equal((await runCli(["check"], { cwd: dir })).code, 0);
    const production = await runCli(["check", "--env", "production"], {
      cwd: dir,
      env: {
        DATABASE_URL: "postgresql://app:Zq8v@db.internal.example/finance",
        REDIS_URL: "redis://cache:6379/0",
        S3_ACCESS_KEY: "prod-access",
        S3_SECRET_KEY: "prod-secret-key",
        SECRET_KEY: "prod-jwt-signing-key",
      },
    });
    assert.equal(production.code, 0, production.stderr);
    const diff = await runCli(["check", "--layers", "--diff"], { cwd: dir });
    assert.equal(diff.stdout, "", "agreeing layers print no diff");
  });

  it("a production secret missing from the template is caught", async () => {
    const dir = seedProject();
    edit(dir, "secrets.ctmpl", /^SECRET_KEY=.*\n/m, "");
    const { code, rules } = await layers(dir);
    assert.equal(code, 4);
    assert.ok(rules.includes("template-missing:SECRET_KEY"), rules.join(" "));
    assert.ok(rules.includes("marker-mismatch:SECRET_KEY"), "its [VAULT] marker no longer holds");
    const diff = await runCli(["check", "--layers", "--diff"], { cwd: dir });
    assert.equal(diff.stdout, "--- schema\n+++ templates\n-SECRET_KEY\n");
  });

  it("a value whose type disagrees with the schema is caught", async () => {
    const dir = seedProject();
    edit(
      dir,
      ".env.example",
      "ACCESS_TOKEN_EXPIRE_MINUTES=1440",
      "ACCESS_TOKEN_EXPIRE_MINUTES=one day",
    );
    edit(dir, ".env.example", "DEBUG=false", "DEBUG=maybe");
    const { code, rules } = await layers(dir);
    assert.equal(code, 4);
    assert.deepEqual(rules, ["example-type:ACCESS_TOKEN_EXPIRE_MINUTES", "example-type:DEBUG"]);
  });

  it("a real-looking secret in .env.example is refused; local placeholders are not", async () => {
    const dir = seedProject();
    edit(dir, ".env.example", "SECRET_KEY=changeme", "SECRET_KEY=9fK2xQ7vLp3Zs8RmT1wN6bYc");
    edit(
      dir,
      ".env.example",
      "DATABASE_URL=postgresql://postgres:postgres@localhost:5432/finance_report",
      "DATABASE_URL=postgresql://app:pw@db-primary.finance-report.io:5432/finance_report",
    );
    edit(dir, ".env.example", "S3_ACCESS_KEY=minioadmin", "S3_ACCESS_KEY=AKIAIOSFODNN7EXAMPLE");
    const { code, rules } = await layers(dir);
    assert.equal(code, 4);
    assert.deepEqual(rules, [
      "example-secret-value:DATABASE_URL",
      "example-secret-value:S3_ACCESS_KEY",
      "example-secret-value:SECRET_KEY",
    ]);
    const text = (await runCli(["check", "--layers"], { cwd: dir })).stderr;
    assert.ok(!text.includes("9fK2xQ7vLp3Zs8RmT1wN6bYc") && !text.includes("AKIAIOSFODNN7EXAMPLE"));
  });

  it("--diff names each layer's missing and extra names with the right sign", async () => {
    const dir = seedProject();
    edit(dir, ".env.example", "BASE_CURRENCY=SGD\n", "STALE_SETTING=1\n");
    edit(dir, "secrets.ctmpl", "{{ end }}", "ROGUE={{ .Data.data.ROGUE }}\n{{ end }}");
    const diff = await runCli(["check", "--layers", "--diff"], { cwd: dir });
    assert.equal(diff.code, 4);
    assert.equal(
      diff.stdout,
      "--- schema\n+++ .env.example\n-BASE_CURRENCY\n+STALE_SETTING\n--- schema\n+++ templates\n+ROGUE\n",
    );
  });

  it("a list where `secrets: { from: [...] }` belongs is a schema error, not ignored", async () => {
    const dir = seedProject();
    edit(dir, "strongbox.config.yaml", "secrets: { from: [env] }", "secrets: [env]");
    const check = await runCli(["check"], { cwd: dir });
    assert.equal(check.code, 3);
    assert.match(
      check.stderr,
      /environments\.production: secrets must be a map with a `from` list/,
    );
  });
});

describe("generate ctmpl cleans up after itself", () => {
  it("removes a template it generated for a component that no longer reads Vault, never a hand-written one", async () => {
    const withWorker = `project: shop
variables:
  DATABASE_URL: { secret: true, ref: { production: "vault://secret/{project}/{env}/{component}#DATABASE_URL" } }
  QUEUE_TOKEN: { secret: true, component: worker, ref: { production: "vault://secret/{project}/{env}/{component}#QUEUE_TOKEN" } }
`;
    const dir = tempProject({
      "strongbox.config.yaml": withWorker,
      "secrets.extra.ctmpl": "hand-written\n",
    });
    assert.equal((await runCli(["generate", "ctmpl"], { cwd: dir })).code, 0);
    assert.ok(existsSync(join(dir, "secrets.worker.ctmpl")));
    writeFileSync(
      join(dir, "strongbox.config.yaml"),
      withWorker.replace(/ {2}QUEUE_TOKEN.*\n/, ""),
    );
    const check = await runCli(["generate", "ctmpl", "--check"], { cwd: dir });
    assert.equal(check.code, 4);
    assert.match(
      check.stderr,
      /secrets\.worker\.ctmpl was generated for a component that no longer reads Vault/,
    );
    const again = await runCli(["generate", "ctmpl"], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /removed .*secrets\.worker\.ctmpl/);
    assert.equal(existsSync(join(dir, "secrets.worker.ctmpl")), false);
    assert.ok(existsSync(join(dir, "secrets.ctmpl")));
    assert.equal(readFileSync(join(dir, "secrets.extra.ctmpl"), "utf8"), "hand-written\n");
    assert.equal((await runCli(["generate", "ctmpl", "--check"], { cwd: dir })).code, 0);
  });
});
