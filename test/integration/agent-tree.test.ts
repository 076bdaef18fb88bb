// The agent's child is a tree too (issue 26, journey 5): `exec` runs a shell that starts a
// server holding a port; a restart after a change stops the whole tree, so the new server binds
// the same port, and stopping the agent leaves nothing behind. Real bao, real processes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startBao } from "../helpers/bao.js";
import { cleanEnv, spawnCli, tempProject } from "../helpers/cli.js";
import { freePort, gone, servers } from "../helpers/process-tree.js";
import { until } from "../helpers/wait.js";

describe("strongbox agent: the child's whole tree", () => {
  it("a restart stops the shell and the server it started; the new server gets the port", async () => {
    const bao = await startBao();
    const port = await freePort();
    const dir = tempProject({
      "app.ctmpl": 'X={{ with secret "secret/data/app" }}{{ .Data.data.X }}{{ end }}\n',
      "agent.yaml":
        "interval: 300ms\ntemplates:\n  - { source: app.ctmpl, destination: app.env }\nexec:\n  command: [sh, dev.sh]\n",
      "dev.sh": `echo "sh $$" >> servers.log\n"${process.execPath}" server.mjs\n`,
      "server.mjs": `import { appendFileSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
const server = createServer((_, res) => res.end(readFileSync("app.env", "utf8").length.toString()));
server.on("error", (error) => { appendFileSync("servers.log", \`error \${error.code}\\n\`); process.exit(1); });
server.listen(${port}, "127.0.0.1", () => appendFileSync("servers.log", \`node \${process.pid}\\n\`));
`,
    });
    bao.cli(["kv", "put", "-mount=secret", "app", "X=one"]);
    const agent = spawnCli(["agent", "-a", "agent.yaml", "--log-format", "json"], {
      cwd: dir,
      env: cleanEnv(dir, { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken }),
    });
    try {
      await until("the first server", () => servers(dir).node.length === 1, 20_000);
      bao.cli(["kv", "put", "-mount=secret", "app", "X=longer-value"]);
      await until("a restarted server", () => servers(dir).node.length === 2, 20_000);
      const started = servers(dir);
      assert.deepEqual(started.errors, [], "the new server found the port free");
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "15");
      for (const pid of [started.sh[0], started.node[0]] as number[])
        assert.ok(gone(pid), `process ${pid} of the first tree is gone`);
      agent.kill("SIGTERM");
      assert.equal(await agent.exited, 0);
      await until("the last tree gone", () => [...started.sh, ...started.node].every(gone), 5000);
    } finally {
      agent.kill("SIGKILL");
      for (const pid of servers(dir).node) if (!gone(pid)) process.kill(pid, "SIGKILL");
      await bao.stop();
    }
  });
});
