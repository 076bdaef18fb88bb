// Issue 13, "errors that help": a user's mistake is a typed error with the path or
// name and a hint (never "internal error"), typos get a suggestion, Node's raw
// parser messages never show, and exit statuses tell "retry" from "fix".
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, ROOT, runCli, tempProject } from "../helpers/cli.js";
import { onTerminal } from "../helpers/pty.js";

const CONFIG = "variables:\n  PORT: { type: port, default: 8080 }\n";

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  readonly files?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly code: number;
  readonly stderr?: RegExp;
  readonly stdout?: RegExp;
}

const CASES: readonly Case[] = [
  {
    name: "scan of a missing directory",
    args: ["scan", "nonexist"],
    code: 6,
    stderr: /scan: .*nonexist does not exist \(E_IO\)\n.*hint: give the build output directory/,
  },
  {
    name: "render of a missing template",
    args: ["render", "-i", "nope", "-o", "out"],
    code: 6,
    stderr: /render: nope does not exist \(E_IO\)/,
  },
  {
    // A missing directory is made, as vault-agent makes it (render-schema-outdir tests that);
    // a directory that cannot be made is the user's to fix.
    name: "render under a path that is a file, not a directory",
    args: ["render", "-i", "t.tmpl", "-o", "notadir/x"],
    files: { "t.tmpl": "plain\n", notadir: "a file\n" },
    code: 6,
    stderr: /cannot write .*notadir\/x: ENOTDIR \(E_IO\)\n.*hint:/,
  },
  {
    name: "a mistyped command",
    args: ["chekc"],
    code: 2,
    stderr: /unknown command "chekc".*\n.*did you mean `check`\?/,
  },
  {
    name: "a mistyped option",
    args: ["check", "--evn", "x"],
    code: 2,
    stderr: /check: unknown option --evn \(E_USAGE\)\n.*did you mean `--env`\?/,
  },
  {
    name: "an option without its value",
    args: ["check", "--env"],
    code: 2,
    stderr: /check: --env needs a value/,
  },
  {
    name: "a mistyped environment",
    args: ["check", "--env", "prodution"],
    code: 3,
    stderr: /did you mean "production"\?/,
  },
  {
    name: "help for one command",
    args: ["help", "check"],
    code: 0,
    stdout: /^Usage: strongbox check/,
  },
  { name: "-V", args: ["-V"], code: 0, stdout: /^\d+\.\d+\.\d+\n$/ },
  {
    name: "run stops at the first non-option: -e belongs to node",
    args: ["run", "node", "-e", "console.log('child ran with', process.argv.length)"],
    code: 0,
    stdout: /^child ran with 1\n$/,
  },
  {
    name: "run --command runs a shell line",
    args: ["run", "--command", "echo one && echo two"],
    code: 0,
    stdout: /^one\ntwo\n$/,
  },
  {
    name: "an environment too large for exec",
    args: ["run", "--", "true"],
    files: {
      "strongbox.config.yaml": "variables:\n  BIG: {}\n",
      ".env": `BIG=${"a".repeat(200_000)}\n`,
    },
    code: 127,
    stderr: /the environment and arguments are too large to start a program.*\(E_SPAWN\)/,
  },
  {
    name: "Vault unreachable for every variable: its own status, the cause once",
    args: ["check"],
    files: {
      "strongbox.config.yaml":
        "variables:\n  A: { secret: true, ref: 'vault://secret/app#A' }\n  B: { secret: true, ref: 'vault://secret/app#B' }\n",
    },
    env: { VAULT_ADDR: "http://127.0.0.1:9", VAULT_TOKEN: "s.test" },
    code: 10,
    stderr:
      /^strongbox: Vault at http:\/\/127\.0\.0\.1:9 does not answer \(unreachable\): retrying\nstrongbox: error: [^\n]*\n {2}✗ Vault at http:\/\/127\.0\.0\.1:9 is unreachable[^\n]*\(for A, B\) \(E_VAULT_UNREACHABLE\)\n/,
  },
];

describe("errors that help", () => {
  for (const c of CASES)
    it(c.name, async () => {
      const dir = tempProject({ "strongbox.config.yaml": CONFIG, ...c.files });
      const result = await runCli(c.args, { cwd: dir, ...(c.env ? { env: c.env } : {}) });
      assert.equal(result.code, c.code, result.stderr);
      if (c.stderr) assert.match(result.stderr, c.stderr);
      if (c.stdout) assert.match(result.stdout, c.stdout);
      assert.doesNotMatch(result.stderr, /internal error|this is a bug/);
      assert.doesNotMatch(result.stderr, /To specify a positional argument|ERR_PARSE_ARGS/);
    });

  it("while Vault is retried, a terminal shows a spinner that is erased after; a pipe one line", async () => {
    const config = "variables:\n  A: { secret: true, ref: 'vault://secret/app#A' }\n";
    const dir = tempProject({ "strongbox.config.yaml": config });
    const env = { VAULT_ADDR: "http://127.0.0.1:9", VAULT_TOKEN: "s.test" };
    const terminal = await onTerminal([process.execPath, CLI, "check"], {
      cwd: dir,
      env,
      after: "no prompt comes",
      keys: "",
    });
    assert.equal(terminal.code, 10, terminal.output);
    assert.match(
      terminal.output,
      /waiting for Vault at http:\/\/127\.0\.0\.1:9: attempt 1 \(unreachable\)/,
    );
    const erase = `\r${String.fromCharCode(27)}[K`;
    const erased = terminal.output.lastIndexOf(erase);
    assert.ok(
      erased > 0 && terminal.output.indexOf("error:", erased) > erased,
      "the spinner line is erased before the error",
    );
    const piped = await runCli(["check"], { cwd: dir, env });
    assert.doesNotMatch(piped.stderr, /waiting for Vault|\r/);
    // A pipe is not left silent through seconds of retries: one plain line, once.
    assert.equal(
      piped.stderr.match(
        /^strongbox: Vault at http:\/\/127\.0\.0\.1:9 does not answer \(unreachable\): retrying$/gm,
      )?.length,
      1,
      piped.stderr,
    );
  });

  it("set refuses a value the schema refuses, and stores nothing", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  PORT: { type: port, ref: 'store://PORT' }\n  KEY: { secret: true, type: url, ref: { production: 'store://KEY' } }\n",
    });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    const port = await runCli(["set", "PORT"], { cwd: dir, input: "eighty" });
    assert.equal(port.code, 4);
    assert.match(
      port.stderr,
      /set: PORT was not stored: the schema refuses the value \(E_INVALID\)\n {2}✗ PORT: expected a port number/,
    );
    const key = await runCli(["set", "KEY"], { cwd: dir, input: "not-a-url-canary" });
    assert.equal(key.code, 4);
    assert.ok(!key.stderr.includes("not-a-url-canary"), "a secret's value is never quoted");
    const listed = await runCli(["list", "--json"], { cwd: dir });
    assert.ok(!listed.stdout.includes("PORT") && !listed.stdout.includes("KEY"), listed.stdout);
    assert.equal((await runCli(["set", "PORT"], { cwd: dir, input: "8080" })).code, 0);
  });

  it("every exit status in the code table is documented in docs/errors.md", async () => {
    const { EXIT_CODES } = await import("../../src/cli/exit-codes.js");
    const doc = readFileSync(join(ROOT, "docs/errors.md"), "utf8");
    for (const [code, status] of Object.entries(EXIT_CODES))
      assert.match(
        doc,
        new RegExp(`\\| \`${code}\` +\\|[^\\n]*\\| ${status} +\\|`),
        `${code} → ${status}`,
      );
  });

  it("status 1 is never an error: it means only `diff` found a difference", async () => {
    const { EXIT_CODES, EXIT_DIFFERENT } = await import("../../src/cli/exit-codes.js");
    assert.equal(EXIT_DIFFERENT, 1);
    assert.deepEqual(
      Object.entries(EXIT_CODES).filter(([, status]) => status === EXIT_DIFFERENT),
      [],
    );
    assert.equal(EXIT_CODES.E_INTERNAL, 70);
  });
});
