import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

describe("strongbox lint", () => {
  it("passes a clean project", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  PORT: { type: port, default: 80 }\n  TOKEN: { secret: true }\n",
      ".gitignore": ".env\n",
      ".env": "TOKEN=x\n",
    });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    const result = await runCli(["lint"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
  });

  it("reports every rule it breaks, by name, never a value", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": [
        "variables:",
        "  API_KEY: { secret: true, default: sk_live_lintCanaryDefault0123 }",
        "  NEXT_PUBLIC_STRIPE_SECRET: { secret: true }",
        "  VAULT_ROOT_TOKEN: { secret: true }",
        "  VAULT_APP_TOKEN: { secret: true }",
        "  QUEUE: { component: worker }",
        "",
      ].join("\n"),
      ".env.example": "API_KEY=sk_live_lintCanaryInExample99\n",
      ".env.local": "API_KEY=x\n",
    });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    const result = await runCli(["lint", "--json"], { cwd: dir });
    assert.equal(result.code, 4);
    const rules = JSON.parse(result.stdout)
      .findings.map((f: { rule: string; variable?: string }) => `${f.rule}:${f.variable ?? ""}`)
      .sort();
    assert.deepEqual(rules, [
      "env-file-not-ignored:",
      "public-name-secret:NEXT_PUBLIC_STRIPE_SECRET",
      "root-token-variable:VAULT_ROOT_TOKEN",
      "secret-default:API_KEY",
      "secret-in-example:API_KEY",
      "shared-vault-token:VAULT_APP_TOKEN",
      "shared-vault-token:VAULT_ROOT_TOKEN",
    ]);
    assert.ok(!result.stdout.includes("lintCanary"));
  });
});

describe("strongbox scan", () => {
  it("finds secret values, plain and encoded, in build output, by file and line", async () => {
    const secret = "sk_live_scan_canary_123456";
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  STRIPE_KEY: { secret: true }\n  PUBLIC_URL: { default: 'https://shop.example.com' }\n",
      "dist/app.js": `const url = "https://shop.example.com";\nconst key = "${secret}";\n`,
      "dist/chunk.js": `window.__cfg = "${Buffer.from(secret).toString("base64")}";\n`,
      "dist/clean.js": "console.log('hello');\n",
    });
    const result = await runCli(["scan", "dist", "--json"], {
      cwd: dir,
      env: { STRIPE_KEY: secret },
    });
    assert.equal(result.code, 4);
    const body = JSON.parse(result.stdout);
    assert.equal(body.files, 3);
    assert.deepEqual(body.hits, [
      { file: "app.js", line: 2, variable: "STRIPE_KEY" },
      { file: "chunk.js", line: 1, variable: "STRIPE_KEY" },
    ]);
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret));
    const clean = await runCli(["scan", "dist"], {
      cwd: dir,
      env: { STRIPE_KEY: "a-different-secret-value" },
    });
    assert.equal(clean.code, 0);
  });
});
