// `strongbox completion`: made from the command table, so it names every command
// and option there is; exercised in a real bash.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";

describe("strongbox completion", () => {
  it("bash: completes commands, a command's options and the config's environment names", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "environments:\n  local: {}\n  staging: {}\n  pr-*: {}\nvariables: {}\n",
    });
    const script = await runCli(["completion", "bash"], { cwd: dir });
    assert.equal(script.code, 0, script.stderr);
    writeFileSync(join(dir, "completion.bash"), script.stdout);
    // A `strongbox` on PATH for the script's own calls (environment names).
    writeFileSync(join(dir, "strongbox"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, {
      mode: 0o755,
    });
    const complete = (words: string[]) => {
      const program = `source completion.bash
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_strongbox; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const result = spawnSync("bash", ["-c", program], {
        cwd: dir,
        env: cleanEnv(dir, { PATH: `${dir}:${process.env.PATH}` }),
        encoding: "utf8",
      });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout.trim().split("\n").sort();
    };
    assert.deepEqual(complete(["strongbox", "che"]), ["check"]);
    assert.ok(complete(["strongbox", "run", "--"]).includes("--mask-terminal"));
    assert.deepEqual(complete(["strongbox", "check", "--en"]), ["--env"]);
    assert.deepEqual(complete(["strongbox", "check", "--env", ""]), ["local", "staging"]);
  });

  it("every command and option of the command table is in each script", async () => {
    const dir = tempProject();
    for (const shell of ["bash", "zsh", "fish"]) {
      const script = await runCli(["completion", shell], { cwd: dir });
      assert.equal(script.code, 0, script.stderr);
      for (const command of ["run", "check", "audit", "completion", "agent"])
        assert.ok(script.stdout.includes(command), `${shell}: ${command}`);
      assert.ok(script.stdout.includes("value-from-stdin"), `${shell}: audit's options`);
    }
    const bad = await runCli(["completion", "tcsh"], { cwd: dir });
    assert.equal(bad.code, 2);
  });
});
