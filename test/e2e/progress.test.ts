// Progress on long work (issue 13): on a terminal only, never in a pipe or a log.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLI, runCli, tempProject } from "../helpers/cli.js";
import { onTerminal } from "../helpers/pty.js";

describe("progress", () => {
  it("rotate --due shows how far it is on a terminal, and nothing through a pipe", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  TOKEN: { secret: true, ref: 'store://TOKEN', rotation: { every: 90d, generator: 'bytes:32' } }\n",
    });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    assert.equal((await runCli(["set", "TOKEN"], { cwd: dir, input: "progress-token-1" })).code, 0);
    const terminal = await onTerminal([process.execPath, CLI, "rotate", "--due"], {
      cwd: dir,
      after: "no prompt comes",
      keys: "",
    });
    assert.equal(terminal.code, 0, terminal.output);
    assert.match(terminal.output, /rotating what is due: 1\/1/);
    const piped = await runCli(["rotate", "--due"], { cwd: dir });
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr, /rotating what is due: \d/);
  });

  it("rewrap and rekey show how far they are on a terminal, and nothing through a pipe", async () => {
    const dir = tempProject();
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    for (const name of ["A", "B", "C"])
      assert.equal((await runCli(["set", name], { cwd: dir, input: `progress-${name}` })).code, 0);
    assert.equal((await runCli(["rotate-key"], { cwd: dir })).code, 0);
    const terminal = await onTerminal([process.execPath, CLI, "rewrap"], {
      cwd: dir,
      after: "no prompt comes",
      keys: "",
    });
    assert.equal(terminal.code, 0, terminal.output);
    assert.match(terminal.output, /rewrapping: 3\/3/);
    const piped = await runCli(["rekey"], { cwd: dir });
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok(
      !piped.stderr.includes("\r") && !/re-authenticating/.test(piped.stderr),
      piped.stderr,
    );
    const rekeyed = await onTerminal([process.execPath, CLI, "rekey"], {
      cwd: dir,
      after: "no prompt comes",
      keys: "",
    });
    assert.equal(rekeyed.code, 0, rekeyed.output);
    assert.match(rekeyed.output, /re-authenticating: 3\/3/);
  });
});
