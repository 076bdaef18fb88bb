// Journey 5 of issue 26, the developer loop: `run --watch npm run dev`, then edit `.env` and
// `strongbox set`, and the server restarts with the new values on the same port. Real npm,
// a real shell and a real node server holding a real port: a two-level tree under npm.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { cleanEnv, cliCommand } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";
import { devApp, freePort, gone, servers } from "../helpers/process-tree.js";
import { until } from "../helpers/wait.js";

const TOKEN_ONE = "canary-token-one-7f3a";
const TOKEN_TWO = "canary-token-number-two-9c1e";

/** What the server on `port` answers. */
async function answer(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/`)).text();
}

describe("journey: the developer loop (issue 26, journey 5)", () => {
  it("run --watch npm run dev restarts the whole tree on the same port, with the new values", async () => {
    const port = await freePort();
    const j = new Journey("developer loop", { files: devApp(port) });
    await j.step(["init"]);
    await j.step(["set", "TOKEN"], { input: TOKEN_ONE });
    j.note("export prints values on purpose; run's start line stays off its output");
    const exported = await j.step(["export"], {
      stdout: [/^GREETING=hello$/m],
      not: [/injecting/],
    });
    assert.equal(exported.stderr, "");
    await j.step(["check", "--json"], { stdout: [/^\{/], not: [/injecting/] });
    j.canary(TOKEN_ONE, TOKEN_TWO);
    j.note("run prints one line naming the environment and the sources, never a value");
    await j.step(["run", "--", process.execPath, "-e", "process.exit(0)"], {
      stderr: [/^strongbox: local: injecting 2 variables \(1 \.env, 1 store\)$/m],
    });
    await j.step(["run", "--quiet", "--", process.execPath, "-e", "process.exit(0)"], {
      not: [/injecting/],
    });

    j.note("strongbox run --watch npm run dev   (in another terminal, output to a pipe)");
    const { command, prefix } = cliCommand();
    const watcher = spawn(command, [...prefix, "run", "--watch", "npm", "run", "dev"], {
      cwd: j.dir,
      env: cleanEnv(j.dir),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    watcher.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    watcher.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      watcher.once("exit", (code) => resolve(code)),
    );
    try {
      await until("the first server", () => servers(j.dir).node.length === 1, 30_000);
      assert.equal(await answer(port), `hello ${TOKEN_ONE.length}`);

      j.write({ ".env": "GREETING=bonjour\n" }, "edit .env");
      await until("the second server", () => servers(j.dir).node.length === 2, 30_000);
      assert.equal(
        await answer(port),
        `bonjour ${TOKEN_ONE.length}`,
        "the new server holds the port",
      );

      await j.step(["set", "TOKEN"], { input: TOKEN_TWO });
      await until("the third server", () => servers(j.dir).node.length === 3, 30_000);
      assert.equal(await answer(port), `bonjour ${TOKEN_TWO.length}`);

      const started = servers(j.dir);
      assert.deepEqual(started.errors, [], "no server died on a port the old one kept");
      for (const pid of [...started.sh.slice(0, 2), ...started.node.slice(0, 2)])
        assert.ok(gone(pid), `process ${pid} of a stopped tree is gone`);

      j.note("Ctrl-C in the watching terminal (SIGTERM from a service manager alike)");
      const stopAt = Date.now();
      watcher.kill("SIGTERM");
      assert.equal(await exited, 143);
      assert.ok(Date.now() - stopAt < 10_000, "the watch ended within the grace period");
      await until("the last tree gone", () => [...started.sh, ...started.node].every(gone), 5000);
      await assert.rejects(answer(port), "nobody holds the port any more");
      j.checkCanaries({ stdout: output, stderr: "" });
      assert.match(output, /watch: \.env changed; restarting the command/);
    } finally {
      watcher.kill("SIGKILL");
      for (const pid of [...servers(j.dir).sh, ...servers(j.dir).node])
        if (!gone(pid)) process.kill(pid, "SIGKILL");
    }
  });

  it("a command that cannot run: 127 when not found, 126 when not executable", async () => {
    const j = new Journey("commands that cannot run", {
      files: {
        "strongbox.config.yaml": "variables:\n  GREETING: { type: string }\n",
        ".env": "GREETING=hello\n",
        "script.sh": "echo hi\n",
        "bin/.keep": "",
      },
    });
    await j.step(["run", "./no-such-script.sh"], { code: 127, stderr: [/\(E_SPAWN\)/] });
    await j.step(["run", "no-such-command-xyz"], { code: 127, stderr: [/command not found/] });
    await j.step(["run", "./script.sh"], { code: 126, stderr: [/\(E_NOT_EXECUTABLE\)/] });
    await j.step(["run", "./bin"], { code: 126, stderr: [/\(E_NOT_EXECUTABLE\)/] });
  });
});
