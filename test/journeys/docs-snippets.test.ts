// The docs run (issue 26): every fenced `sh` block in README.md and docs/*.md is
// run as written, in a temporary project with its own HOME and a minimal
// environment, `strongbox` on PATH being the CLI under test. A file's blocks run
// in order in one project, because they build on each other (init, then set,
// then list). A block that cannot run here says so in the markdown, right before
// its fence, and the test counts and prints those with their reasons:
//
//   <!-- snippet: skip REASON -->      not run (REASON is reported)
//   <!-- snippets: skip-file REASON --> anywhere in a file: none of its blocks runs (each reported)
//   <!-- snippet: setup COMMAND -->    run before the block (files the prose assumes)
//   <!-- snippet: exit N -->           every command of the block exits N (a documented status, as diff's 1)
//   <!-- snippet: bao -->              a real `bao server -dev` for the rest of the file
//                                      (BAO_ADDR/VAULT_ADDR and BAO_TOKEN/VAULT_TOKEN set);
//                                      `bao tls`: served on HTTPS, as production requires
//                                      (BAO_CACERT/VAULT_CACERT name its CA)
//   <!-- snippet: stdin TEXT -->       TEXT on the block's stdin (\n for a newline)
//   <!-- snippet: not REGEX -->        the block's output must not match REGEX (an error that still exits N)
//   <!-- snippet: fresh -->            a new project (and HOME) from this block on: a new story
//   <!-- snippet: with TEXT => SHELL -->  the prose's placeholder TEXT (age1…) stands for SHELL
//   <!-- snippet: file PATH -->        the block (any language: the yaml a step shows) is
//                                      written to PATH in the project instead of being run
//
// A fence may be indented (a block inside a numbered step): its markers sit at the
// same indentation and its lines lose it.
// An unmarked block that fails, fails the suite: a snippet that stopped working.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { after, describe, it } from "node:test";
import { type Bao, baoBinary, startBao } from "../helpers/bao.js";
import { CLI, cliCommand, ROOT, tempProject, withModules } from "../helpers/cli.js";

/** One fenced shell block and what the markdown says about it. */
export interface Snippet {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly skip?: string;
  readonly setup: readonly string[];
  readonly exit: number;
  /** A dev server for the rest of the file: plain HTTP, or HTTPS as production needs. */
  readonly bao: "http" | "tls" | undefined;
  readonly stdin: string;
  readonly fresh: boolean;
  readonly not: readonly RegExp[];
  readonly with: ReadonlyArray<readonly [string, string]>;
  /** Where the block's text is written instead of being run (`file PATH`). */
  readonly writes?: string;
}

const MARKER =
  /^\s*<!--\s*snippet:\s*(skip|setup|exit|bao|stdin|with|fresh|not|file)\b\s*(.*?)\s*-->\s*$/;
/** An opening fence: its indentation and its language (empty for a bare fence). */
const FENCE = /^(\s*)```\s*([\w-]*)\s*$/;

/**
 * The `sh` blocks of one markdown text, and the blocks marked `file PATH`, with
 * the markers just above each fence. Every fenced block's body is passed over
 * as a whole, so a marker or a fence quoted inside one is not read.
 */
export function extractSnippets(file: string, text: string): Snippet[] {
  const lines = text.split("\n");
  const wholeFile = /^<!--\s*snippets:\s*skip-file\s+(.+?)\s*-->\s*$/m.exec(text)?.[1];
  const fileSkip: Array<[string, string]> = wholeFile === undefined ? [] : [["skip", wholeFile]];
  const snippets: Snippet[] = [];
  let markers: Array<[string, string]> = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const marker = MARKER.exec(line);
    if (marker !== null) {
      markers.push([marker[1] ?? "", marker[2] ?? ""]);
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence !== null) {
      const indent = fence[1] ?? "";
      const start = index + 1;
      let end = start;
      while (end < lines.length && (lines[end] ?? "").trim() !== "```") end++;
      const code = lines
        .slice(start, end)
        .map((body) => (body.startsWith(indent) ? body.slice(indent.length) : body.trimStart()))
        .join("\n");
      const runs = /^(sh|bash|shell)$/.test(fence[2] ?? "");
      if (runs || markers.some(([kind]) => kind === "file"))
        snippets.push(snippetFrom(file, start, code, [...fileSkip, ...markers]));
      index = end;
    }
    if (line.trim() !== "") markers = [];
  }
  return snippets;
}

function snippetFrom(
  file: string,
  line: number,
  code: string,
  markers: ReadonlyArray<[string, string]>,
): Snippet {
  const skip = markers.find(([kind]) => kind === "skip");
  const exit = markers.find(([kind]) => kind === "exit");
  if (skip !== undefined && skip[1] === "")
    throw new Error(`${file}:${line}: a skipped snippet must say why`);
  return {
    file,
    line,
    code,
    ...(skip === undefined ? {} : { skip: skip[1] }),
    setup: markers.filter(([kind]) => kind === "setup").map(([, command]) => command),
    exit: exit === undefined ? 0 : Number(exit[1]),
    ...baoMarker(markers),
    ...writesMarker(markers),
    fresh: markers.some(([kind]) => kind === "fresh"),
    not: markers.filter(([kind]) => kind === "not").map(([, source]) => new RegExp(source)),
    stdin: markers
      .filter(([kind]) => kind === "stdin")
      .map(([, text]) => text.replaceAll("\\n", "\n"))
      .join(""),
    with: markers
      .filter(([kind]) => kind === "with")
      .map(([, text]) => {
        const [placeholder = "", shell = ""] = text.split(" => ");
        return [placeholder, shell] as const;
      }),
  };
}

function baoMarker(markers: ReadonlyArray<[string, string]>): { bao: "http" | "tls" | undefined } {
  const marker = markers.find(([kind]) => kind === "bao");
  if (marker === undefined) return { bao: undefined };
  return { bao: marker[1] === "tls" ? "tls" : "http" };
}

/**
 * Bare fences (no language) whose first command is `strongbox …` or `bao …`:
 * commands the suite does not see. Labelled ```sh they run (or say why not);
 * a synopsis is ```text.
 */
export function unlabeledCommands(file: string, text: string): string[] {
  const lines = text.split("\n");
  const found: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const fence = FENCE.exec(lines[index] ?? "");
    if (fence === null) continue;
    let end = index + 1;
    while (end < lines.length && (lines[end] ?? "").trim() !== "```") end++;
    const first = lines
      .slice(index + 1, end)
      .map((line) => line.trim())
      .find((line) => line !== "" && !line.startsWith("#"));
    if (fence[2] === "" && first !== undefined && /^(\$ )?(strongbox|bao) /.test(first))
      found.push(`${file}:${index + 1}`);
    index = end;
  }
  return found;
}

function writesMarker(markers: ReadonlyArray<[string, string]>): { writes?: string } {
  const marker = markers.find(([kind]) => kind === "file");
  if (marker === undefined) return {};
  if (marker[1] === "" || isAbsolute(marker[1]) || marker[1].split("/").includes(".."))
    throw new Error(`file marker: "${marker[1]}" is not a path inside the project`);
  return { writes: marker[1] };
}

/** README.md and docs/*.md, as the repository has them. */
function documents(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

/** A directory with `strongbox` in it: the CLI under test, as a user's PATH has it. */
function binDir(): string {
  const dir = tempProject();
  const { command, prefix } = cliCommand();
  const quoted = [command, ...prefix].map((part) => `'${part.replaceAll("'", "'\\''")}'`);
  writeFileSync(join(dir, "strongbox"), `#!/bin/sh\nexec ${quoted.join(" ")} "$@"\n`);
  chmodSync(join(dir, "strongbox"), 0o755);
  return dir;
}

interface Outcome {
  readonly code: number | null;
  readonly output: string;
}

/** Runs one script with bash in `project`, HOME there too, only `env` beside PATH. */
function runScript(
  project: string,
  script: string,
  env: Record<string, string>,
  input: string,
): Outcome {
  const result = spawnSync("bash", ["-c", script], {
    cwd: project,
    env: {
      PATH: [BIN, ...BAO_DIR, process.env.PATH ?? "/usr/bin:/bin"].join(":"),
      HOME: project,
      STRONGBOX_CACHE_DIR: join(project, ".cache"),
      ...env,
    },
    input,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const BIN = binDir();
/** Where `bao` is, for snippets that call it (the suite's install, or PATH's own). */
const BAO_DIR = isAbsolute(baoBinary()) ? [dirname(baoBinary())] : [];
const ALL = documents().flatMap((file) =>
  extractSnippets(file, readFileSync(join(ROOT, file), "utf8")),
);
const servers: Bao[] = [];
after(async () => {
  for (const server of servers) await server.stop();
});

/**
 * The block with each command's status checked against `status` (a command
 * being a line, with its backslash continuations): one that exits otherwise
 * stops the block with status 99, naming the line.
 */
export function expectingStatus(code: string, status: number): string {
  const commands = code
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
  return [
    "set +e",
    ...commands.map(
      (command, index) =>
        `${command}\nrc=$?; if [ "$rc" -ne ${status} ]; then echo "snippet command ${index + 1} exited $rc" >&2; exit 99; fi`,
    ),
    "exit 0",
  ].join("\n");
}

function newProject(): string {
  const project = withModules(tempProject());
  mkdirSync(join(project, ".cache"), { recursive: true });
  return project;
}

/** Runs a file's snippets in order in one project; returns the failures. */
async function runFile(snippets: readonly Snippet[]): Promise<string[]> {
  let project = newProject();
  let env: Record<string, string> = {};
  const failures: string[] = [];
  for (const snippet of snippets) {
    if (snippet.fresh) {
      project = newProject();
      env = {};
    }
    if (snippet.bao !== undefined && env.BAO_ADDR === undefined) {
      const bao = await startBao({ tls: snippet.bao === "tls" });
      servers.push(bao);
      env = {
        BAO_ADDR: bao.addr,
        VAULT_ADDR: bao.addr,
        BAO_TOKEN: bao.rootToken,
        VAULT_TOKEN: bao.rootToken,
        ...(bao.caCert === undefined ? {} : { BAO_CACERT: bao.caCert, VAULT_CACERT: bao.caCert }),
      };
    }
    if (snippet.skip !== undefined) continue;
    if (snippet.writes !== undefined) {
      mkdirSync(dirname(join(project, snippet.writes)), { recursive: true });
      writeFileSync(join(project, snippet.writes), `${snippet.code}\n`);
      continue;
    }
    const setup = snippet.setup.join("\n");
    let code = snippet.code;
    for (const [placeholder, shell] of snippet.with) code = code.replaceAll(placeholder, shell);
    // Each command stops the block when it fails (as a reader would stop); the last one's status is checked.
    const script = `set -eo pipefail\n${setup}\n${snippet.exit === 0 ? code : expectingStatus(code, snippet.exit)}`;
    const outcome = runScript(project, script, env, snippet.stdin);
    const unwanted = snippet.not.find((pattern) => pattern.test(outcome.output));
    if (unwanted !== undefined)
      failures.push(
        `${snippet.file}:${snippet.line}: output matches ${unwanted}\n${snippet.code}\n--- output ---\n${outcome.output}`,
      );
    else if (outcome.code !== 0)
      failures.push(
        `${snippet.file}:${snippet.line}: exit ${outcome.code}, expected ${snippet.exit === 0 ? 0 : `every command to exit ${snippet.exit}`}\n${snippet.code}\n--- output ---\n${outcome.output}`,
      );
  }
  return failures;
}

describe("docs snippets", () => {
  it("finds the shell blocks and the CLI they run", () => {
    assert.ok(ALL.length >= 20, `only ${ALL.length} snippets found`);
    assert.ok(CLI.length > 0);
  });

  it("reads the markers just above a fence, and a skip must say why", () => {
    const text = [
      "<!-- snippet: skip no server here -->",
      "```sh",
      "strongbox ui",
      "```",
      "<!-- snippet: setup touch a -->",
      "<!-- snippet: with age1… => $KEY -->",
      "<!-- snippet: exit 4 -->",
      "```sh",
      "strongbox check age1…",
      "```",
      "<!-- snippet: setup only for the next block -->",
      "prose between: the marker no longer applies",
      "```sh",
      "strongbox list",
      "```",
      "```yaml",
      "not: shell",
      "```",
    ].join("\n");
    const [ui, check, list, ...rest] = extractSnippets("x.md", text);
    assert.equal(rest.length, 0);
    assert.equal(ui?.skip, "no server here");
    assert.deepEqual(check?.setup, ["touch a"]);
    assert.deepEqual(check?.with, [["age1…", "$KEY"]]);
    assert.equal(check?.exit, 4);
    assert.equal(check?.skip, undefined);
    assert.deepEqual(list?.setup, []);
    const parked = extractSnippets("y.md", `<!-- snippets: skip-file being rewritten -->\n${text}`);
    assert.deepEqual(
      parked.map((snippet) => snippet.skip),
      ["being rewritten", "being rewritten", "being rewritten"],
    );
    assert.throws(
      () => extractSnippets("x.md", "<!-- snippet: skip -->\n```sh\nls\n```"),
      /say why/,
    );
  });

  it("reads indented fences (a numbered step's) and writes a `file` block instead of running it", () => {
    const text = [
      "1. The schema:",
      "",
      "   <!-- snippet: file conf/app.yaml -->",
      "   ```yaml",
      "   project: shop",
      "     nested: kept",
      "   ```",
      "",
      "2. Run it:",
      "",
      "   ```sh",
      "   strongbox check \\",
      "     --env production",
      "   ```",
      "```yaml",
      "```sh",
      "not a fence: inside the yaml block",
      "```",
    ].join("\n");
    const [schema, check, ...rest] = extractSnippets("x.md", text);
    assert.equal(rest.length, 0);
    assert.equal(schema?.writes, "conf/app.yaml");
    assert.equal(schema?.code, "project: shop\n  nested: kept");
    assert.equal(check?.writes, undefined);
    assert.equal(check?.code, "strongbox check \\\n  --env production");
    assert.deepEqual(
      unlabeledCommands(
        "z.md",
        "```\n# cron\nstrongbox rotate --due\n```\n```text\nstrongbox X\n```\n```\nsbf1.<key id>\n```",
      ),
      ["z.md:1"],
    );
    for (const path of ["../outside", "/etc/passwd", ""])
      assert.throws(
        () => extractSnippets("x.md", `<!-- snippet: file ${path} -->\n\`\`\`yaml\na: 1\n\`\`\``),
        /not a path inside the project/,
      );
  });

  it("runs every snippet not marked, in order per file, and reports the marked ones", async () => {
    const files = [...new Set(ALL.map((snippet) => snippet.file))];
    const failures: string[] = [];
    for (const file of files)
      failures.push(...(await runFile(ALL.filter((snippet) => snippet.file === file))));
    const skipped = ALL.filter((snippet) => snippet.skip !== undefined);
    const written = ALL.filter((snippet) => snippet.skip === undefined && snippet.writes);
    const run = ALL.length - skipped.length - written.length;
    const unlabeled = documents().flatMap((file) =>
      unlabeledCommands(file, readFileSync(join(ROOT, file), "utf8")),
    );
    const report = [
      `docs snippets: ${ALL.length} found, ${run} run, ${written.length} written as files, ${skipped.length} marked skip`,
      ...skipped.map((snippet) => `  skip ${snippet.file}:${snippet.line}: ${snippet.skip}`),
      `command blocks without a language, so not run (label them sh): ${unlabeled.length}`,
      ...unlabeled.map((where) => `  unlabeled ${where}`),
    ].join("\n");
    process.stderr.write(`${report}\n`);
    assert.deepEqual(failures, [], failures.join("\n\n"));
    // A command block the suite cannot see could stop working unnoticed: label it sh (it
    // runs, or says why not beside it) or text (a synopsis).
    assert.deepEqual(unlabeled, [], "label these command blocks sh or text");
  });
});
