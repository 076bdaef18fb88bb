import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, cleanEnv, ROOT, runCli, tempProject, withModules } from "../helpers/cli.js";

/** The README's example, run from a copy with its own HOME, so nothing of the developer's is touched. */
function exampleCopy(): string {
  const dir = tempProject();
  cpSync(join(ROOT, "examples/node-app"), dir, {
    recursive: true,
    filter: (src) => !src.includes(".strongbox"),
  });
  withModules(dir);
  execFileSync(process.execPath, [join(dir, "make-demo-store.mjs")], {
    env: cleanEnv(dir, { STRONGBOX_CLI: CLI }),
    stdio: "ignore",
  });
  return dir;
}

describe("the example app", () => {
  it("runs through strongbox run with its secrets in the encrypted store, and its careless log line is masked", async () => {
    const dir = exampleCopy();
    assert.deepEqual(readdirSync(join(dir, ".strongbox/secrets")).sort(), [
      "DATABASE_URL.sbx",
      "SESSION_SECRET.sbx",
      "STRIPE_API_KEY.sbx",
    ]);
    const result = await runCli(["run", "--", process.execPath, "server.mjs", "--once"], {
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /shop api listening on http:\/\/127\.0\.0\.1:\d+ \(log level info\)/,
    );
    assert.match(result.stdout, /debug: database at <redacted:DATABASE_URL>/);
    assert.match(result.stdout, /GET \/health -> \{"ok":true.*"hasDatabase":true,"hasStripe":true/);
    const url = await runCli(["get", "DATABASE_URL"], { cwd: dir });
    assert.match(url.stdout, /^postgres:\/\/shop:/);
    assert.ok(
      !result.stdout.includes(url.stdout),
      "the secret itself never reaches the piped output",
    );
    const stored = readFileSync(join(dir, ".strongbox/secrets/DATABASE_URL.sbx"), "utf8");
    assert.ok(
      !stored.includes(url.stdout) && !stored.includes("postgres"),
      "the store holds no plaintext",
    );
  });

  it("refuses to start in production without Vault, listing every secret in one block", async () => {
    const dir = exampleCopy();
    const result = await runCli(
      ["run", "--env", "production", "--", process.execPath, "server.mjs", "--once"],
      {
        cwd: dir,
        env: { SESSION_SECRET: "from-the-shell-123" },
      },
    );
    assert.equal(result.code, 4);
    assert.equal(result.stdout, "");
    for (const name of ["DATABASE_URL", "SESSION_SECRET", "STRIPE_API_KEY", "SMTP_PASSWORD"]) {
      // One line per cause: variables sharing one (no Vault address) are named on it together.
      assert.match(
        result.stderr,
        new RegExp(`✗ [^\\n]*\\b${name}\\b`),
        `${name} in:\n${result.stderr}`,
      );
    }
    assert.ok(!result.stderr.includes("from-the-shell-123"));
  });
});
