import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";

const CONFIG = `variables:
  GREETING: { default: hello }
  PORT: { type: port, default: 3000 }
  API_TOKEN: { secret: true }
  OPTIONAL: { required: false }
`;
const project = () =>
  tempProject({ "strongbox.config.yaml": CONFIG, ".env": "API_TOKEN=tok-abcdef-123456\n" });
const node = (code: string) => ["--", process.execPath, "-e", code];

describe("strongbox run", () => {
  it("gives the child the resolved variables and returns its exit status", async () => {
    const dir = project();
    const result = await runCli(
      [
        "run",
        ...node(
          "console.log(process.env.GREETING, process.env.PORT, 'OPTIONAL' in process.env, process.env.STRONGBOX_RESOLVED); process.exit(7)",
        ),
      ],
      { cwd: dir },
    );
    assert.equal(result.code, 7);
    assert.match(result.stdout, /^hello 3000 false local:\d+:\d+\n$/);
  });

  it("masks secrets in piped stdout and stderr, unless --no-mask", async () => {
    const dir = project();
    const code =
      "console.log('out', process.env.API_TOKEN); console.error('err', Buffer.from(process.env.API_TOKEN).toString('base64'))";
    const masked = await runCli(["run", "--quiet", ...node(code)], { cwd: dir });
    assert.equal(masked.stdout, "out <redacted:API_TOKEN>\n");
    assert.equal(masked.stderr, "err <redacted:API_TOKEN>\n");
    const plain = await runCli(["run", "--no-mask", ...node(code)], { cwd: dir });
    assert.equal(plain.stdout, "out tok-abcdef-123456\n");
  });

  it("passes stdin through and keeps its own messages off stdout", async () => {
    const dir = project();
    const result = await runCli(["run", "--", "cat"], { cwd: dir, input: "piped input\n" });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, "piped input\n");
  });

  it("does not hand Strongbox's own credentials to the child", async () => {
    const dir = project();
    const result = await runCli(
      [
        "run",
        ...node(
          "console.log(['STRONGBOX_MASTER_KEY','VAULT_TOKEN'].map(k => k in process.env).join())",
        ),
      ],
      {
        cwd: dir,
        env: { STRONGBOX_MASTER_KEY: "mk", VAULT_TOKEN: "vt" },
      },
    );
    assert.equal(result.stdout, "false,false\n");
  });

  it("forwards SIGTERM to the child and returns the child's status", async () => {
    const dir = project();
    const child = spawn(
      process.execPath,
      [
        CLI,
        "run",
        ...node(
          "process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(3) }); console.log('ready'); setInterval(() => {}, 1000)",
        ),
      ],
      {
        cwd: dir,
        env: cleanEnv(dir),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    const status = new Promise<number | null>((resolve) =>
      child.on("close", (code) => resolve(code)),
    );
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("ready")) resolve();
      }),
    );
    child.kill("SIGTERM");
    assert.equal(await status, 3);
    assert.match(out, /child got SIGTERM/);
  });

  it("reports a child killed by a signal as 128 + the signal number", async () => {
    const dir = project();
    const result = await runCli(["run", "--", "sh", "-c", "kill -KILL $$"], { cwd: dir });
    assert.equal(result.code, 137);
  });

  it("exits 127 with a clear message when the command does not exist", async () => {
    const dir = project();
    const result = await runCli(["run", "--", "no-such-command-xyz"], { cwd: dir });
    assert.equal(result.code, 127);
    assert.match(
      result.stderr,
      /^strongbox: error: command not found: no-such-command-xyz \(E_SPAWN\)$/m,
    );
  });

  it("refuses to start the child when any variable has a problem, listing them all", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `${CONFIG}  DB_PASSWORD: { secret: true }\n  WORKERS: { type: int }\n`,
      ".env": "API_TOKEN=tok-abcdef-123456\n",
    });
    const result = await runCli(["run", "--env", "production", "--", "sh", "-c", "echo started"], {
      cwd: dir,
      env: { WORKERS: "many", API_TOKEN: "env-token-value" },
    });
    assert.equal(result.code, 4);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /configuration for environment "production" has 3 problems/);
    assert.match(
      result.stderr,
      /✗ API_TOKEN: secrets in environment "production" may only come from Vault; this one came from the process environment/,
    );
    assert.match(
      result.stderr,
      /✗ DB_PASSWORD is missing in environment "production" \(E_MISSING\)/,
    );
    assert.match(result.stderr, /✗ WORKERS: expected an integer, got "many"/);
    assert.ok(!result.stderr.includes("env-token-value"));
  });

  it("requires a command", async () => {
    const result = await runCli(["run"], { cwd: project() });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /run: no command given/);
  });
});
