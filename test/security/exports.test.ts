// Issue 9, item 10: GitHub Actions output follows the runner's two channels.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";

/**
 * The runner's rules for reading `$GITHUB_ENV` (its file-command reader):
 * empty lines are skipped; `NAME=value` when `=` comes before any `<<`;
 * `NAME<<DELIM` then lines up to one equal to DELIM; any other line, an empty
 * name or a missing closing delimiter fails the step.
 */
function readGithubEnv(text: string): Map<string, string> {
  const lines = text.split(/\r?\n/);
  const out = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    const eq = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      if (eq === 0) throw new Error(`Invalid format '${line}'`);
      out.set(line.slice(0, eq), line.slice(eq + 1));
      continue;
    }
    if (heredoc > 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (delimiter === "") throw new Error(`Invalid format '${line}'`);
      const value: string[] = [];
      for (i++; ; i++) {
        if (i >= lines.length) throw new Error(`Matching delimiter not found '${delimiter}'`);
        if (lines[i] === delimiter) break;
        value.push(lines[i] as string);
      }
      out.set(name, value.join("\n"));
      continue;
    }
    throw new Error(`Invalid format '${line}'`);
  }
  return out;
}

const CONFIG =
  "variables:\n  TOKEN: { secret: true }\n  PEM: { secret: true }\n  PLAIN: { default: visible }\n";
const DOTENV = 'TOKEN=tok-github-canary\nPEM="-----BEGIN-----\\nbody-canary\\n-----END-----"\n';

describe("export --format github (issue 9.10)", () => {
  it("the old single stream fails the runner's rules (the defect this fixes)", () => {
    assert.throws(() => readGithubEnv("::add-mask::tok\nTOKEN<<D\ntok\nD\n"), /Invalid format/);
  });

  it("prints masks on stdout and appends values to $GITHUB_ENV, which the runner reads back exactly", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": CONFIG,
      ".env": DOTENV,
      github_env: "EARLIER=kept\n",
    });
    const result = await runCli(["export", "--format", "github"], {
      cwd: dir,
      env: { GITHUB_ENV: join(dir, "github_env") },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      "::add-mask::tok-github-canary\n::add-mask::-----BEGIN-----%0Abody-canary%0A-----END-----\n::add-mask::-----BEGIN-----\n::add-mask::body-canary\n::add-mask::-----END-----\n",
    );
    const env = readGithubEnv(readFileSync(join(dir, "github_env"), "utf8"));
    assert.deepEqual(Object.fromEntries(env), {
      EARLIER: "kept",
      TOKEN: "tok-github-canary",
      PEM: "-----BEGIN-----\nbody-canary\n-----END-----",
      PLAIN: "visible",
    });
  });

  it("refuses when stdout is redirected into the env file, and without an env file", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG, ".env": DOTENV });
    const file = join(dir, "github_env");
    writeFileSync(file, "");
    const fd = openSync(file, "a");
    const redirected = spawnSync(process.execPath, [CLI, "export", "--format", "github"], {
      cwd: dir,
      env: cleanEnv(dir, { GITHUB_ENV: file }),
      stdio: ["ignore", fd, "pipe"],
      encoding: "utf8",
    });
    assert.equal(redirected.status, 2);
    assert.match(redirected.stderr, /stdout is the env file itself/);
    assert.equal(readFileSync(file, "utf8"), "");
    const none = await runCli(["export", "--format", "github"], { cwd: dir });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no env file to write values to/);
  });
});
