// Issue 9, items 17, 18 and 21: no silent data loss at the prompt, one Ctrl-C per keypress.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLI, runCli, tempProject } from "../helpers/cli.js";
import { onTerminal } from "../helpers/pty.js";

async function storeWith(name: string, value: string): Promise<string> {
  const dir = tempProject({ "strongbox.config.yaml": "variables:\n  X: { default: x }\n" });
  assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
  assert.equal((await runCli(["set", name], { cwd: dir, input: value })).code, 0);
  return dir;
}

describe("no silent data loss when setting a secret (issue 9.17, 9.18)", () => {
  it("an empty stdin is refused and the previous version stays; --allow-empty stores it", async () => {
    const dir = await storeWith("API_TOKEN", "previous-value");
    const empty = await runCli(["set", "API_TOKEN"], { cwd: dir, input: "" });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /the value for API_TOKEN is empty; nothing was stored/);
    assert.equal((await runCli(["get", "API_TOKEN"], { cwd: dir })).stdout, "previous-value");
    const newline = await runCli(["set", "API_TOKEN"], { cwd: dir, input: "\n" });
    assert.equal(newline.code, 2);
    const allowed = await runCli(["set", "API_TOKEN", "--allow-empty"], { cwd: dir, input: "" });
    assert.equal(allowed.code, 0);
    assert.equal((await runCli(["get", "API_TOKEN"], { cwd: dir })).stdout, "");
  });

  it("Enter at the prompt is refused; the previous version stays", async () => {
    const dir = await storeWith("API_TOKEN", "previous-value");
    const result = await onTerminal([process.execPath, CLI, "set", "API_TOKEN"], {
      cwd: dir,
      after: "not echoed",
      keys: "\r",
    });
    assert.equal(result.code, 2);
    assert.match(result.output, /is empty; nothing was stored/);
    assert.equal((await runCli(["get", "API_TOKEN"], { cwd: dir })).stdout, "previous-value");
  });

  it("a bracketed multi-line paste is kept whole; an unmarked one is refused", async () => {
    const dir = await storeWith("PEM", "old");
    const pem = "-----BEGIN KEY-----\rbody-line\r-----END KEY-----";
    const marked = await onTerminal([process.execPath, CLI, "set", "PEM"], {
      cwd: dir,
      after: "not echoed",
      keys: `\u001b[200~${pem}\u001b[201~\r`,
    });
    assert.equal(marked.code, 0, marked.output);
    assert.ok(!marked.output.includes("body-line"), "never echoed");
    assert.equal(
      (await runCli(["get", "PEM"], { cwd: dir })).stdout,
      "-----BEGIN KEY-----\nbody-line\n-----END KEY-----",
    );
    const unmarked = await onTerminal([process.execPath, CLI, "set", "PEM"], {
      cwd: dir,
      after: "not echoed",
      keys: `${pem}\r`,
    });
    assert.equal(unmarked.code, 2);
    assert.match(unmarked.output, /more than one line/);
    assert.match((await runCli(["get", "PEM"], { cwd: dir })).stdout, /body-line/);
  });

  it("Ctrl-C at the prompt exits 130 with no internal error", async () => {
    const dir = await storeWith("API_TOKEN", "previous-value");
    const result = await onTerminal([process.execPath, CLI, "set", "API_TOKEN"], {
      cwd: dir,
      after: "not echoed",
      keys: "abc\u0003",
    });
    assert.equal(result.code, 130);
    assert.match(result.output, /interrupted at the prompt/);
    assert.doesNotMatch(result.output, /internal error/);
  });
});

describe("signals in a terminal (issue 9.21)", () => {
  it("one Ctrl-C reaches the child of run once", async () => {
    const dir = tempProject({ "strongbox.config.yaml": "variables:\n  X: { default: x }\n" });
    const child =
      "let n = 0; process.on('SIGINT', () => n++); console.log('READY'); setTimeout(() => { console.log('SIGINTS=' + n); process.exit(0); }, 1000);";
    const result = await onTerminal(
      [process.execPath, CLI, "run", "--", process.execPath, "-e", child],
      {
        cwd: dir,
        after: "READY",
        keys: "\u0003",
      },
    );
    assert.match(result.output, /SIGINTS=1\b/);
    assert.equal(result.code, 0);
  });
});
