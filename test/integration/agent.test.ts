import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startBao } from "../helpers/bao.js";
import { cleanEnv, runCli, spawnCli, tempProject } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

/**
 * Starts `strongbox agent -a agent.yaml` in `dir` as the tests run every command
 * (the script or the single executable), with its JSON log and its child's starts.log.
 */
function runAgent(dir: string, env: Record<string, string>) {
  const agent = spawnCli(["agent", "-a", "agent.yaml", "--log-format", "json"], { cwd: dir, env });
  const starts = () =>
    existsSync(join(dir, "starts.log")) ? readFileSync(join(dir, "starts.log"), "utf8") : "";
  return { agent, exited: agent.exited, starts, logs: agent.stderr };
}

describe("strongbox agent against a real bao server", () => {
  it("re-renders and restarts its child when a secret changes, keeps the last good state while sealed, recovers, and stops cleanly", async () => {
    const bao = await startBao();
    try {
      bao.cli(["kv", "put", "-mount=secret", "app", "X=one"]);
      const dir = tempProject({
        "app.ctmpl": 'X={{ with secret "secret/data/app" }}{{ .Data.data.X }}{{ end }}\n',
        "agent.yaml":
          "interval: 300ms\ntemplates:\n  - { source: app.ctmpl, destination: app.env }\nexec:\n  command: [sh, -c, 'cat app.env >> starts.log; exec sleep 60']\n",
      });
      const env = cleanEnv(dir, { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
      const { agent, exited, starts, logs } = runAgent(dir, env);
      await until("the first render and start", () => starts() === "X=one\n");
      bao.cli(["kv", "put", "-mount=secret", "app", "X=two"]);
      await until(
        "a re-render and restart within two polling intervals",
        () => starts() === "X=one\nX=two\n",
        2000,
      );
      bao.cli(["operator", "seal"]);
      await until("the agent to notice", () => logs().includes('"event":"vault-unavailable"'));
      assert.equal(
        readFileSync(join(dir, "app.env"), "utf8"),
        "X=two\n",
        "last good file kept while sealed",
      );
      assert.equal(starts(), "X=one\nX=two\n", "the child keeps running while sealed");
      bao.cli(["operator", "unseal", bao.unsealKey()]);
      bao.cli(["kv", "put", "-mount=secret", "app", "X=three"]);
      await until("recovery after unseal", () => starts().endsWith("X=three\n"), 20_000);
      assert.ok(logs().includes('"event":"recovered"'));
      agent.kill("SIGTERM");
      assert.equal(await exited, 0);
      for (const line of logs().trim().split("\n")) JSON.parse(line);
      assert.ok(
        !logs().includes("X=two") && !logs().includes("X=three"),
        "logs never hold a value",
      );
    } finally {
      await bao.stop();
    }
  });

  it("re-renders when a secret is wiped and written again at the same version, and when a KV v1 secret changes", async () => {
    const bao = await startBao();
    try {
      bao.cli(["kv", "put", "-mount=secret", "app", "X=first"]);
      bao.cli(["secrets", "enable", "-path=kv", "-version=1", "kv"]);
      bao.cli(["kv", "put", "-mount=kv", "legacy", "Y=old"]);
      const dir = tempProject({
        "app.ctmpl":
          'X={{ with secret "secret/data/app" }}{{ .Data.data.X }}{{ end }}\nY={{ with secret "kv/legacy" }}{{ .Data.Y }}{{ end }}\n',
        "agent.yaml":
          "interval: 300ms\ntemplates:\n  - { source: app.ctmpl, destination: app.env }\n",
      });
      const env = cleanEnv(dir, { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
      const { agent, exited } = runAgent(dir, env);
      const file = () =>
        existsSync(join(dir, "app.env")) ? readFileSync(join(dir, "app.env"), "utf8") : "";
      await until("the first render", () => file() === "X=first\nY=old\n");
      // Destroyed with its history and written again: version 1 once more, with other data.
      bao.cli(["kv", "metadata", "delete", "-mount=secret", "app"]);
      bao.cli(["kv", "put", "-mount=secret", "app", "X=recreated"]);
      await until(
        "a re-render of the recreated secret",
        () => file() === "X=recreated\nY=old\n",
        5000,
      );
      bao.cli(["kv", "put", "-mount=kv", "legacy", "Y=new"]);
      await until("a re-render of the KV v1 secret", () => file() === "X=recreated\nY=new\n", 5000);
      agent.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      await bao.stop();
    }
  });

  it("--once renders and exits, for init containers and CI", async () => {
    const bao = await startBao();
    try {
      bao.cli(["kv", "put", "-mount=secret", "app", "X=once"]);
      const dir = tempProject({
        "app.ctmpl": 'X={{ with secret "secret/data/app" }}{{ .Data.data.X }}{{ end }}\n',
        "agent.yaml": "templates:\n  - { source: app.ctmpl, destination: app.env }\n",
      });
      writeFileSync(join(dir, "unused"), "");
      const result = await runCli(["agent", "-a", "agent.yaml", "--once"], {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(readFileSync(join(dir, "app.env"), "utf8"), "X=once\n");
    } finally {
      await bao.stop();
    }
  });

  it("the agent's vault: section and a project's vault: settings reach Vault when VAULT_ADDR is unset", async () => {
    const bao = await startBao();
    try {
      bao.cli(["kv", "put", "-mount=secret", "app", "X=from-section"]);
      const dir = tempProject({
        "app.ctmpl": 'X={{ with secret "secret/data/app" }}{{ .Data.data.X }}{{ end }}\n',
        "agent.yaml": `vault: { address: '${bao.addr}' }\ntemplates:\n  - { source: app.ctmpl, destination: app.env }\n`,
        "strongbox.config.yaml": `vault: { address: '${bao.addr}' }\nvariables: {}\n`,
      });
      const agent = await runCli(["agent", "-a", "agent.yaml", "--once"], {
        cwd: dir,
        env: { VAULT_TOKEN: bao.rootToken },
      });
      assert.equal(agent.code, 0, agent.stderr);
      assert.equal(readFileSync(join(dir, "app.env"), "utf8"), "X=from-section\n");
      // render used to build its client from the environment alone, dropping config.vault.
      const render = await runCli(["render", "-i", "app.ctmpl", "-o", "rendered.env"], {
        cwd: dir,
        env: { VAULT_TOKEN: bao.rootToken },
      });
      assert.equal(render.code, 0, render.stderr);
      assert.equal(readFileSync(join(dir, "rendered.env"), "utf8"), "X=from-section\n");
      writeFileSync(
        join(dir, "bad.yaml"),
        "vault: { adress: x }\ntemplates:\n  - { source: app.ctmpl, destination: b.env }\n",
      );
      const bad = await runCli(["agent", "-a", "bad.yaml", "--once"], { cwd: dir, env: {} });
      assert.equal(bad.code, 3);
      assert.match(bad.stderr, /bad.yaml: vault.adress: unknown field \(E_CONFIG\)/);
    } finally {
      await bao.stop();
    }
  });

  it("with rotation: the agent rotates what is due, re-renders, and restarts its child with the new value", async () => {
    const bao = await startBao();
    try {
      bao.cli(["kv", "put", "-mount=secret", "app", "-"], {
        input: JSON.stringify({ JWT_SECRET: "agent-initial-canary" }),
      });
      const dir = tempProject({
        "strongbox.config.yaml":
          "variables:\n  JWT_SECRET:\n    secret: true\n    ref: vault://secret/app#JWT_SECRET\n    rotation: { every: 1s, generator: 'hex:16', overlap: 0s, soak: 0s }\n",
        "app.ctmpl":
          'JWT={{ with secret "secret/data/app" }}{{ .Data.data.JWT_SECRET }}{{ end }}\n',
        "agent.yaml":
          "interval: 300ms\nrotation: { env: staging, every: 2s }\ntemplates:\n  - { source: app.ctmpl, destination: app.env }\nexec:\n  command: [sh, -c, 'cat app.env >> starts.log; exec sleep 60']\n",
      });
      // Let the first value age past its cadence, so the agent's first rotation finds it due.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const env = cleanEnv(dir, { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
      const { agent, exited, starts, logs } = runAgent(dir, env);
      await until(
        "two starts with two rotated values",
        () => starts().split("\n").filter(Boolean).length >= 2,
        20_000,
      );
      const values = starts().split("\n").filter(Boolean);
      assert.ok(
        values.every((line) => /^JWT=[0-9a-f]{32}$/.test(line)),
        values.join(" | "),
      );
      assert.notEqual(values[0], values[1], "the second start has the next rotated value");
      assert.ok(
        !starts().includes("agent-initial-canary"),
        "the due secret was rotated before the first render",
      );
      assert.match(logs(), /"event":"rotated"/);
      agent.kill("SIGTERM");
      assert.equal(await exited, 0);
      for (const value of values)
        assert.ok(!logs().includes(value.slice(4)), "logs never hold a value");
    } finally {
      await bao.stop();
    }
  });
});
