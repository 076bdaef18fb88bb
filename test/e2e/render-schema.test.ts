import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

describe("render with Strongbox's own template functions", () => {
  const files = {
    "strongbox.config.yaml":
      "variables:\n  TOKEN: { secret: true }\n  PORT: { type: port, default: 8080 }\n",
    "secret.txt": "from-a-file\n",
    "app.tpl":
      'T={{ strongbox "TOKEN" }} P={{ strongbox "PORT" }} F={{ ref "file://secret.txt" }}\n',
  };

  it("{{ strongbox }} and {{ ref }} resolve through the schema; --dry masks them unless --reveal", async () => {
    const dir = tempProject(files);
    const env = { TOKEN: "render-token-value" };
    const revealed = await runCli(["render", "-i", "app.tpl", "--dry", "--reveal"], {
      cwd: dir,
      env,
    });
    assert.equal(revealed.code, 0, revealed.stderr);
    assert.equal(revealed.stdout, "T=render-token-value P=8080 F=from-a-file\n");
    const masked = await runCli(["render", "-i", "app.tpl", "--dry"], { cwd: dir, env });
    assert.equal(masked.stdout, "T=<redacted:TOKEN> P=8080 F=<redacted:REF>\n");
  });

  it("the environment's policy applies: production refuses a secret from the process environment", async () => {
    const dir = tempProject(files);
    const result = await runCli(["render", "-i", "app.tpl", "--dry", "--env", "production"], {
      cwd: dir,
      env: { TOKEN: "render-token-value" },
    });
    assert.equal(result.code, 4);
    assert.match(
      result.stderr,
      /TOKEN: secrets in environment "production" may only come from Vault/,
    );
    assert.ok(!result.stderr.includes("render-token-value"));
  });
});
