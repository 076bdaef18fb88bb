import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT, runCli, tempProject } from "../helpers/cli.js";

/** The README's example, run from a copy so the repository's own .env is untouched. */
function exampleCopy(): string {
  const dir = tempProject();
  cpSync(join(ROOT, "examples/node-app"), dir, {
    recursive: true,
    filter: (src) => !src.endsWith("/.env"),
  });
  execFileSync(process.execPath, [join(dir, "make-demo-env.mjs")], { stdio: "ignore" });
  return dir;
}

describe("the example app", () => {
  it("runs through strongbox run with generated secrets, and its careless log line is masked", async () => {
    const dir = exampleCopy();
    const result = await runCli(["run", "--", process.execPath, "server.mjs", "--once"], {
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /shop api listening on http:\/\/127\.0\.0\.1:\d+ \(log level debug\)/,
    );
    assert.match(result.stdout, /debug: database at <redacted:DATABASE_URL>/);
    assert.match(result.stdout, /GET \/health -> \{"ok":true/);
    const secrets = readFileSync(join(dir, ".env"), "utf8")
      .split("\n")
      .filter((line) => /^(DATABASE_URL|SESSION_SECRET|STRIPE_API_KEY)=/.test(line))
      .map((line) => line.slice(line.indexOf("=") + 1));
    assert.equal(secrets.length, 3);
    for (const secret of secrets)
      assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret));
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
      assert.match(result.stderr, new RegExp(`✗ ${name}`), `${name} in:\n${result.stderr}`);
    }
    assert.ok(!result.stderr.includes("from-the-shell-123"));
  });
});
