// `strongbox run … | head -2` (issue 26, journey 5): when the reader of a stream Strongbox
// copies from its child goes away, the copy stops, the child gets its SIGPIPE, and Strongbox
// exits quietly with the child's status, as a shell pipeline member does. Generated over every
// path that copies a child's stream: both streams, a command or a command line, with --watch.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cleanEnv, cliCommand, runCli, tempProject } from "../helpers/cli.js";
import { gone } from "../helpers/process-tree.js";
import { until } from "../helpers/wait.js";

const SECRET = "canary-pipe-secret-5e8b";

/** The child writes its pid, then `yes` forever on the stream named (`>&2` for stderr). */
function writer(stream: "stdout" | "stderr"): string {
  return `echo $$ > child.pid; exec yes "line" ${stream === "stderr" ? ">&2" : ""}`;
}

const MODES: ReadonlyArray<{ name: string; args: (line: string) => string[] }> = [
  { name: "run CMD", args: (line) => ["run", "sh", "-c", line] },
  { name: "run --command", args: (line) => ["run", "--command", line] },
  { name: "run --watch", args: (line) => ["run", "--watch", "sh", "-c", line] },
];

describe("run: a reader that goes away (EPIPE)", () => {
  for (const mode of MODES)
    for (const stream of ["stdout", "stderr"] as const)
      it(`${mode.name}, ${stream} closed after the first lines: the child's SIGPIPE status, no trace, no orphan`, async () => {
        const dir = tempProject({
          "strongbox.config.yaml": "variables:\n  TOKEN: { secret: true }\n",
          ".env": `TOKEN=${SECRET}\n`,
        });
        const { command, prefix } = cliCommand();
        const run = spawn(command, [...prefix, ...mode.args(writer(stream))], {
          cwd: dir,
          env: cleanEnv(dir),
          stdio: ["ignore", "pipe", "pipe"],
        });
        const other = stream === "stdout" ? run.stderr : run.stdout;
        const closed = stream === "stdout" ? run.stdout : run.stderr;
        let seen = "";
        other.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
        });
        const exited = new Promise<number | null>((resolve) =>
          run.once("exit", (code) => resolve(code)),
        );
        try {
          let copied = "";
          await new Promise<void>((resolve) =>
            closed.on("data", (chunk: Buffer) => {
              copied += chunk.toString();
              if (/line\nline\n/.test(copied)) resolve();
            }),
          );
          closed.destroy();
          assert.equal(await exited, 141, `exits as the child did (SIGPIPE)\n${seen}`);
          const pidFile = join(dir, "child.pid");
          assert.ok(existsSync(pidFile));
          const child = Number(readFileSync(pidFile, "utf8"));
          await until("the child gone", () => gone(child), 5000);
          assert.doesNotMatch(seen, /EPIPE|Error|\n\s+at /, "no stack trace");
          assert.ok(!seen.includes(SECRET) && !copied.includes(SECRET));
        } finally {
          run.kill("SIGKILL");
        }
      });

  it("Strongbox's own output to a closed pipe ends quietly too (export | head -0)", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  GREETING: { type: string, default: hello }\n",
    });
    const { command, prefix } = cliCommand();
    const run = spawn(command, [...prefix, "export"], {
      cwd: dir,
      env: cleanEnv(dir),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    run.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // The reader is gone before the first write, as `head` that already had its lines.
    run.stdout.destroy();
    const code = await new Promise<number | null>((resolve) =>
      run.once("close", (status) => resolve(status)),
    );
    assert.doesNotMatch(stderr, /EPIPE|Error|\n\s+at /);
    assert.equal(code, 0);
  });

  it("the start line is value-free and --quiet silences it", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  TOKEN: { secret: true }\n  PORT: { type: port, default: 80 }\n",
      ".env": `TOKEN=${SECRET}\n`,
    });
    const loud = await runCli(["run", "true"], { cwd: dir });
    assert.match(loud.stderr, /^strongbox: local: injecting 2 variables \(1 \.env, 1 default\)$/m);
    assert.ok(!loud.stderr.includes(SECRET));
    const quiet = await runCli(["run", "-q", "true"], { cwd: dir });
    assert.equal(quiet.stderr, "");
  });
});
