// Issue 24, item 13: `export --format github` masks what the runner will print.
// The runner is simulated by its own rules (actions/runner: ActionCommand's data
// unescaping, the secret masker applied to each log line, the file-command reader
// of $GITHUB_ENV), and fed values generated from the characters that break them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { escapeCommandData, formatPairs, githubMasks } from "../../src/format/formats.js";
import { runCli, tempProject } from "../helpers/cli.js";

/** ActionCommand's data unescaping, in the runner's order. */
function unescapeData(data: string): string {
  return data.replaceAll("%0D", "\r").replaceAll("%0A", "\n").replaceAll("%25", "%");
}

/** Lines as .NET's StreamReader reads a process's output: CR, LF and CR LF end a line. */
function logLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** The masks a step's stdout registers: each `::add-mask::` line's data, unescaped; empty ignored. */
function registeredMasks(stdout: string): string[] {
  return logLines(stdout)
    .filter((line) => line.startsWith("::add-mask::"))
    .map((line) => unescapeData(line.slice("::add-mask::".length)))
    .filter((mask) => mask !== "");
}

/** The secret masker on one log line: every registered value, longest first, becomes `***`. */
function maskLine(line: string, masks: readonly string[]): string {
  let out = line;
  for (const mask of [...masks].sort((a, b) => b.length - a.length))
    out = out.replaceAll(mask, "***");
  return out;
}

/** The runner's `ReadLine`: the line without its terminator, and the terminator (LF or CR LF). */
function readLine(
  text: string,
  at: number,
): { line: string; newline: string; next: number } | null {
  if (at >= text.length) return null;
  const lf = text.indexOf("\n", at);
  if (lf < 0) return { line: text.slice(at), newline: "", next: text.length };
  const crlf = lf > at && text[lf - 1] === "\r";
  return {
    line: text.slice(at, crlf ? lf - 1 : lf),
    newline: crlf ? "\r\n" : "\n",
    next: lf + 1,
  };
}

/** SetEnvFileCommand: `NAME=value` lines and `NAME<<DELIM` heredocs, values cut from the text. */
function readGithubEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  for (let read = readLine(text, at); read !== null; read = readLine(text, at)) {
    at = read.next;
    const line = read.line;
    if (line === "") continue;
    const eq = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      out.set(line.slice(0, eq), line.slice(eq + 1));
      continue;
    }
    if (heredoc <= 0) throw new Error(`Invalid format '${line}'`);
    const delimiter = line.slice(heredoc + 2);
    const start = at;
    let end = at;
    for (let inner = readLine(text, at); ; inner = readLine(text, at)) {
      if (inner === null) throw new Error(`Matching delimiter not found '${delimiter}'`);
      at = inner.next;
      if (inner.line === delimiter) break;
      end = at - inner.newline.length;
    }
    out.set(line.slice(0, heredoc), end > start ? text.slice(start, end) : "");
  }
  return out;
}

/** Every character and sequence that the runner's parsing gives a meaning to. */
const PIECES = [
  "%",
  "%25",
  "%0A",
  "%0D",
  "%250A",
  "\r",
  "\n",
  "\r\n",
  "\n\n",
  "::",
  "::add-mask::",
  "EOF",
  "ghadelimiter_",
  "  ",
  "=",
  "<<",
];

/** Values built from two pieces around secret text, and the pieces at both ends. */
function values(): string[] {
  const out = new Set<string>();
  for (const a of PIECES)
    for (const b of PIECES) {
      out.add(`tok${a}canary${b}end`);
      out.add(`${a}canary-${b}`);
    }
  return [...out];
}

describe("export --format github: masks and env file as the runner reads them (issue 24.13)", () => {
  const generated = values();

  it(`every line of every generated value (${generated.length}) is masked in the job log`, () => {
    let checked = 0;
    for (const value of generated) {
      const masks = registeredMasks(githubMasks([["TOKEN", value]], new Set(["TOKEN"])));
      // The step (or a later one) prints the value: each log line must come out masked.
      for (const line of logLines(value)) {
        if (line.trim() === "") continue;
        const shown = maskLine(line, masks);
        assert.equal(
          shown.replaceAll("***", "").trim(),
          "",
          `${JSON.stringify(value)}: the log line ${JSON.stringify(line)} shows as ${JSON.stringify(shown)}`,
        );
        checked++;
      }
      // No mask is something the value does not hold (a wrongly unescaped %25 would be).
      for (const mask of masks)
        assert.ok(
          value.includes(mask),
          `${JSON.stringify(value)}: stray mask ${JSON.stringify(mask)}`,
        );
    }
    assert.ok(checked > generated.length);
  });

  it("the mask output is one command per line: no value starts another command", () => {
    for (const value of generated) {
      const stdout = githubMasks([["TOKEN", value]], new Set(["TOKEN"]));
      for (const line of stdout.split("\n").slice(0, -1)) {
        assert.match(line, /^::add-mask::[^\r\n]*$/);
        assert.doesNotMatch(line.slice("::add-mask::".length), /%(?!25|0A|0D)/);
      }
    }
  });

  it("escapes as @actions/core does", () => {
    assert.equal(escapeCommandData("a%25b\r\nc%"), "a%2525b%0D%0Ac%25");
    for (const value of generated) assert.equal(unescapeData(escapeCommandData(value)), value);
  });

  it("the env file gives every generated value back exactly, or refuses it", () => {
    let refused = 0;
    for (const value of generated) {
      // The delimiter the value holds: the writer must choose another.
      const delimiter = value.includes("EOF") ? () => "EOF" : undefined;
      if (value.endsWith("\r")) {
        assert.throws(
          () => formatPairs([["V", value]], "github"),
          (error: Error & { code?: string }) =>
            error.code === "E_FORMAT" && !error.message.includes("canary"),
        );
        refused++;
        continue;
      }
      const text = formatPairs([["V", value]], "github", delimiter ? { delimiter } : {});
      assert.equal(readGithubEnv(text).get("V"), value, JSON.stringify(value));
    }
    assert.ok(refused > 0 && refused < generated.length / 4);
  });

  it("through the CLI: a value with %25 and line breaks is masked line by line", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  TOKEN: { secret: true }\n  EMAIL: { pii: true }\n  PLAIN: {}\n",
      ".env":
        'TOKEN="p%25canary\\nsecond%0Aline\\r\\nthird"\nEMAIL=ops%25@example.com\nPLAIN=visible\n',
    });
    const result = await runCli(["export", "--format", "github"], {
      cwd: dir,
      env: { GITHUB_ENV: join(dir, "github_env") },
    });
    assert.equal(result.code, 0, result.stderr);
    const value = "p%25canary\nsecond%0Aline\r\nthird";
    assert.equal(readGithubEnv(readFileSync(join(dir, "github_env"), "utf8")).get("TOKEN"), value);
    const masks = registeredMasks(result.stdout);
    for (const line of logLines(value)) assert.equal(maskLine(line, masks), "***");
    // Personal data is masked as secrets are; a plain value is not.
    assert.equal(maskLine("ops%25@example.com", masks), "***");
    assert.equal(maskLine("visible", masks), "visible");
  });
});
