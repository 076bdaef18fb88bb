// `strongbox run --watch` (issue 13): real files, a real child, real signals.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

describe("run --watch", () => {
  it("restarts the child when .env or the store change, keeps it through a broken edit, stops on SIGTERM", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  PORT: { type: port }\n  TOKEN: { secret: true, ref: 'store://TOKEN' }\n",
      ".env": "PORT=3001\n",
      // Appends one line per start, then waits; the token is recorded by length only.
      "child.mjs": `import { appendFileSync } from "node:fs";
appendFileSync("starts.log", \`\${process.env.PORT} \${process.env.TOKEN.length}\\n\`);
process.on("SIGTERM", () => { appendFileSync("starts.log", "stopped\\n"); process.exit(0); });
setInterval(() => {}, 1000);
`,
    });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    assert.equal((await runCli(["set", "TOKEN"], { cwd: dir, input: "token-one" })).code, 0);
    const watcher = spawn(
      process.execPath,
      [CLI, "run", "--watch", process.execPath, "child.mjs"],
      {
        cwd: dir,
        env: cleanEnv(dir),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    watcher.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      watcher.once("exit", (code) => resolve(code)),
    );
    const starts = () =>
      existsSync(join(dir, "starts.log")) ? readFileSync(join(dir, "starts.log"), "utf8") : "";
    try {
      await until("the first start", () => starts() === "3001 9\n");
      writeFileSync(join(dir, ".env"), "PORT=3002\n");
      await until("a restart with the new port", () => starts().endsWith("stopped\n3002 9\n"));
      writeFileSync(join(dir, ".env"), "PORT=not-a-port\n");
      await until("the broken edit reported", () =>
        /configuration has problems; the command keeps running/.test(stderr),
      );
      assert.ok(starts().endsWith("3002 9\n"), "the running child was kept");
      writeFileSync(join(dir, ".env"), "PORT=3002\n");
      await until("no restart when no value changed", () =>
        /no value changed, no restart/.test(stderr),
      );
      assert.ok(starts().endsWith("3002 9\n"));
      assert.equal(
        (await runCli(["set", "TOKEN"], { cwd: dir, input: "token-number-two" })).code,
        0,
      );
      await until("a restart for the store change", () => starts().endsWith("stopped\n3002 16\n"));
      watcher.kill("SIGTERM");
      assert.equal(await exited, 143);
      assert.ok(starts().endsWith("stopped\n"), "the child was stopped with the watch");
      assert.ok(!stderr.includes("token-one") && !stderr.includes("token-number-two"));
    } finally {
      watcher.kill("SIGKILL");
    }
  });
});
