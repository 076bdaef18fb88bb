import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/cli.js";

/**
 * Every byte Strongbox writes to stdout or stderr leaves through src/cli/io.ts:
 * messages through `say`, reports through `writeReport`, JSON through
 * `writeJson`/`writeJsonText`, terminal drawing through `writeTerminal`, agent logs
 * through `writeLogLine` (all masked and made printable), and data printed on
 * purpose through `writeData`. These are the only commands whose output is data.
 */
const DATA_OUTPUT: Record<string, string> = {
  "src/cli/commands/get.ts": "prints the value asked for",
  "src/cli/commands/generate-secret.ts": "prints the value it generated",
  "src/cli/commands/render.ts": "prints the rendered template",
  "src/cli/commands/export.ts": "prints the values in a format (dotenv, shell, github…)",
  "src/cli/commands/generate.ts": "prints generated source files",
  "src/cli/commands/completion.ts": "prints a shell completion script",
  "src/cli/commands/init.ts": "prints the scaffolded config before writing it",
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

/** The file's code with comments dropped, so a TSDoc example is not a write. */
function code(path: string): string {
  return readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

describe("one output module (src/cli/io.ts)", () => {
  const files = sources(join(ROOT, "src")).map((path) => ({
    path: relative(ROOT, path),
    text: code(path),
  }));

  it("nothing in src/ writes to stdout or stderr but io.ts", () => {
    const writers =
      /\b(process\.(stdout|stderr)\.write|console\.(log|error|warn|info|debug|trace|dir|table)|\.(stdout|stderr)\.write)\s*\(|\.pipe\(\s*process\.(stdout|stderr)\b/;
    const offenders = files
      .filter((file) => file.path !== "src/cli/io.ts" && writers.test(file.text))
      .map((file) => `${file.path}: ${writers.exec(file.text)?.[0]}`);
    assert.deepEqual(offenders, []);
    assert.ok(files.length > 100, "the source tree was read");
  });

  it("data output (unmasked) only where a command prints values on purpose", () => {
    const callers = files
      .filter((file) => /\bwriteData\s*\(/.test(file.text) && file.path !== "src/cli/io.ts")
      .map((file) => file.path)
      .sort();
    assert.deepEqual(callers, Object.keys(DATA_OUTPUT).sort());
  });
});
