// The dispatcher (src/cli/run-main.ts) registers the credential values with the redactor
// lazily, after the main help and the version (text of the build only) and before anything
// else it prints: a credential pasted into the command line is masked in the dispatcher's own
// messages (a global option it refuses, an unknown command, a command's error), as in a
// command's. Generated over credential names and the places on the command line a value lands.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

const NAMES = [
  "VAULT_TOKEN",
  "PRODUCTION_VAULT_TOKEN",
  "AWS_SECRET_ACCESS_KEY",
  "VAULT_TOKEN_FILE",
];
const VALUE = "hvs.canary-dispatcher-7d1e9c";

/** Where a value typed in the wrong place ends up quoted. */
const PLACES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["an unknown command", [VALUE]],
  ["help for an unknown command", ["help", VALUE]],
  ["an unknown global option's value", [`--${VALUE}`]],
  ["an unknown environment", ["--env", VALUE, "check"]],
  ["a config path", ["--config", VALUE, "check"]],
  ["a config path after the command", ["check", "--config", VALUE]],
];

describe("the dispatcher's messages mask a credential pasted into the command line", () => {
  for (const [place, args] of PLACES)
    it(`attacks: ${place}`, async () => {
      const dir = tempProject({ "strongbox.config.yaml": "variables:\n  A: { default: a }\n" });
      for (const name of NAMES) {
        const result = await runCli(args, { cwd: dir, env: { [name]: VALUE } });
        assert.notEqual(result.code, 0, `${name}: ${result.stderr}`);
        assert.match(result.stderr, /strongbox: error: /, name);
        assert.ok(!`${result.stdout}${result.stderr}`.includes(VALUE), `${name}: ${result.stderr}`);
        assert.match(result.stderr, new RegExp(`<redacted:${name}>`), name);
      }
    });

  it("the version and the main help are answered without the registration, unchanged", async () => {
    const dir = tempProject();
    for (const args of [["--version"], ["-V"], ["--help"], ["help"], ["--quiet", "--version"]]) {
      const result = await runCli(args, { cwd: dir, env: { VAULT_TOKEN: VALUE } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      assert.match(result.stdout, /^(strongbox )?\d+\.\d+\.\d+/);
    }
  });
});
