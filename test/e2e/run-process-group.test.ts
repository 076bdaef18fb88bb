// `run`'s process handling (issue 26, journey 5): the command and what it starts are one tree,
// signalled as one; a signal always ends `run`, even when an orphan holds its output pipe;
// on a terminal the command keeps the terminal (stdin, /dev/tty). Real processes, real signals.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { constants } from "node:os";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { spawnChild } from "../../src/exec/spawn-child.js";
import { createRedactor } from "../../src/redact/redactor.js";
import { cleanEnv, cliCommand, tempProject } from "../helpers/cli.js";
import { devApp, freePort, gone, servers } from "../helpers/process-tree.js";
import { until } from "../helpers/wait.js";

describe("run: the command's whole tree", () => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    it(`${signal} to strongbox ends a shell and the server it started, output on a pipe`, async () => {
      const port = await freePort();
      const dir = tempProject({
        ...devApp(port),
        "strongbox.config.yaml":
          "variables:\n  GREETING: { type: string }\n  TOKEN: { secret: true }\n",
        ".env": "GREETING=hello\nTOKEN=canary-value-4d2c\n",
      });
      const { command, prefix } = cliCommand();
      const run = spawn(command, [...prefix, "run", "sh", "dev.sh"], {
        cwd: dir,
        env: cleanEnv(dir),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      run.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      run.stdout.resume();
      const exited = new Promise<number | null>((resolve) =>
        run.once("close", (code) => resolve(code)),
      );
      try {
        await until("the server", () => servers(dir).node.length === 1, 20_000);
        const tree = [...servers(dir).sh, ...servers(dir).node];
        const sentAt = Date.now();
        run.kill(signal);
        assert.equal(await exited, 128 + constants.signals[signal], stderr);
        assert.ok(Date.now() - sentAt < 5000, "run ended promptly");
        await until("the tree gone", () => tree.every(gone), 5000);
        assert.ok(!stderr.includes("canary-value-4d2c"));
      } finally {
        run.kill("SIGKILL");
        for (const pid of servers(dir).node) if (!gone(pid)) process.kill(pid, "SIGKILL");
      }
    });

  it("a stop reaches a grandchild that ignores SIGTERM (SIGKILL after the grace) and output no longer blocks", async () => {
    const dir = tempProject({
      "stubborn.mjs":
        "process.on('SIGTERM', () => {}); console.log(process.pid); setInterval(() => {}, 1000);",
    });
    const out = new PassThrough();
    let printed = "";
    out.on("data", (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const started = spawnChild({
      command: "sh",
      args: ["-c", `"${process.execPath}" stubborn.mjs & wait`],
      env: cleanEnv(dir),
      cwd: dir,
      stdout: out,
      stderr: new PassThrough(),
      redactor: createRedactor([]),
      group: true,
    });
    await until("the grandchild", () => /^\d+\n/.test(printed));
    const grandchild = Number(printed.trim());
    const stopAt = Date.now();
    await started.stop(300);
    assert.ok(Date.now() - stopAt < 3000, "the stop is bounded");
    assert.ok(gone(grandchild), "the grandchild was killed");
    const exit = await started.done;
    assert.equal(exit.signal, "SIGTERM", "the shell itself took the SIGTERM");
  });
});

/** Runs `strongbox ARGS` under a pseudo-terminal (util-linux `script`), typing `input`. */
function onTerminal(dir: string, args: string[], input: string) {
  const { command, prefix } = cliCommand();
  const line = [command, ...prefix, ...args].map((word) => `'${word}'`).join(" ");
  return spawnSync("script", ["-qec", line, "/dev/null"], {
    cwd: dir,
    env: cleanEnv(dir),
    input,
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe("run on a terminal: the command keeps it", () => {
  const dir = tempProject({
    "strongbox.config.yaml": "variables:\n  GREETING: { type: string }\n",
    ".env": "GREETING=hello\n",
  });

  it("a REPL reads stdin and answers", () => {
    const result = onTerminal(dir, ["run", "--", process.execPath, "-i"], "6*7\n.exit\n");
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /42/);
  });

  it("a prompt that reads /dev/tty (ssh, sudo, gpg) still has it", () => {
    const result = onTerminal(
      dir,
      ["run", "--", "sh", "-c", 'read answer < /dev/tty && echo "typed:$answer"'],
      "yes\n",
    );
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /typed:yes/);
  });
});
