// Optional packages (the AWS and Azure SDKs, pg, esbuild) come from the project, never
// from whatever directory the command happens to run in. Runs against the npm package
// and, in the suite's second pass, the single executable, which has no node_modules.
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempProject, writeFiles } from "../helpers/cli.js";

describe("optional modules", () => {
  it("attacks: a node_modules planted in a subdirectory is not loaded for the project's AWS refs", async () => {
    const project = tempProject({
      "strongbox.config.yaml":
        'variables:\n  TOKEN: { secret: true, ref: "aws-ssm:///app/token" }\n',
    });
    mkdirSync(join(project, ".git"));
    const marker = join(project, "planted-module-ran");
    writeFiles(join(project, "uploads"), {
      "node_modules/@aws-sdk/client-ssm/package.json":
        '{ "name": "@aws-sdk/client-ssm", "main": "index.js" }\n',
      "node_modules/@aws-sdk/client-ssm/index.js": `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`,
    });
    const result = await runCli(["run", "--", "true"], {
      cwd: join(project, "uploads"),
      env: {
        HOME: tempProject(),
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "example-not-a-secret",
        AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:9",
        AWS_MAX_ATTEMPTS: "1",
      },
    });
    // The real SDK was loaded and found nothing listening: the source is unreachable.
    assert.equal(result.code, 5, result.stderr);
    assert.match(
      result.stderr,
      /TOKEN: AWS SSM Parameter Store is unavailable .*E_PROVIDER_UNAVAILABLE/,
    );
    assert.equal(existsSync(marker), false, "the planted module ran");
  });
});
