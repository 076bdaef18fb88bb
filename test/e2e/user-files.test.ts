// A file the user names that is not there is the user's to fix: a typed E_IO naming the
// file as written, exit 6, never "internal error" and never a stack trace.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

describe("missing files named on the command line", () => {
  const config = { "strongbox.config.yaml": "variables:\n  TOKEN: { secret: true }\n" };
  for (const [args, message] of [
    [["render", "-i", "nope.ctmpl", "-o", "out.env"], /render: nope.ctmpl does not exist \(E_IO\)/],
    [["migrate", "-f", "missing.env"], /migrate: missing.env does not exist \(E_IO\)/],
    [["import", "gone.env"], /import: gone.env does not exist \(E_IO\)/],
    [
      ["check", "--layers", "--template", "absent.ctmpl"],
      /check --layers: absent.ctmpl does not exist \(E_IO\)/,
    ],
  ] as const)
    it(`${args.join(" ")}: E_IO naming the file`, async () => {
      const result = await runCli([...args], {
        cwd: tempProject(config),
        env: { VAULT_ADDR: "http://127.0.0.1:9", VAULT_TOKEN: "s.unused" },
      });
      assert.equal(result.code, 6, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /internal error| {4}at /);
    });
});
