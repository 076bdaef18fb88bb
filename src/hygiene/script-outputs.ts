import { readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { beforeCommandFlagWords } from "../util/command-flags.js";

/**
 * The files the project's package.json scripts have Strongbox write values
 * into: `strongbox render -o FILE`, `-t TEMPLATE:FILE[:COMMAND]` (and the
 * long, `=` and `-oFILE` spellings), `strongbox export -o FILE`, `strongbox
 * export … > FILE` and `… | tee FILE`, global flags before the verb too
 * (`strongbox -e production export …`). The config names no outputs; the scripts are where a project
 * writes down how it renders, so they are read as declarations. Paths are
 * relative to `baseDir`, inside it only.
 */
export function scriptOutputs(baseDir: string): string[] {
  let scripts: unknown;
  try {
    scripts = (
      JSON.parse(readFileSync(join(baseDir, "package.json"), "utf8")) as { scripts?: unknown }
    ).scripts;
  } catch {
    return [];
  }
  if (scripts === null || typeof scripts !== "object") return [];
  const found = Object.values(scripts).flatMap((line) =>
    typeof line === "string" ? commandOutputs(line) : [],
  );
  return [...new Set(found.flatMap((file) => inside(baseDir, file)))];
}

function inside(baseDir: string, file: string): string[] {
  const path = relative(baseDir, resolve(baseDir, file));
  return path === "" || path.startsWith("..") || isAbsolute(path)
    ? []
    : [path.split("\\").join("/")];
}

/** A redirection of a stream that carries no values (stderr): its file is no output. */
const OTHER_STREAM = "\0>";

/** One command of a shell line: its words, quotes removed, and whether `|` feeds it. */
interface Segment {
  readonly words: string[];
  readonly piped: boolean;
}

/**
 * Words of a shell line; `&&`, `||`, `;`, `&` and `|` end a command. Every
 * redirection of stdout to a file (`>`, `>>`, `1>`, `&>`, `>|`) is the one
 * word `>`, of another stream (`2>`) {@link OTHER_STREAM}; a descriptor copy
 * (`2>&1`) is dropped.
 */
function commands(line: string): Segment[] {
  const words =
    line.match(/'[^']*'|"(?:\\.|[^"\\])*"|&&|\|\||\d*>&\d*-?|&>>?|\d*>>?\|?|[;|&]|[^\s'";|>&]+/g) ??
    [];
  const out: Segment[] = [{ words: [], piped: false }];
  for (const word of words) {
    if (/^\d*>&/.test(word)) continue;
    if (["&&", "||", ";", "&", "|"].includes(word)) out.push({ words: [], piped: word === "|" });
    else if (/^(&|1?)>>?\|?$/.test(word)) (out.at(-1) as Segment).words.push(">");
    else if (/^\d+>>?\|?$/.test(word)) (out.at(-1) as Segment).words.push(OTHER_STREAM);
    else (out.at(-1) as Segment).words.push(word.replace(/^'(.*)'$|^"(.*)"$/s, "$1$2"));
  }
  return out;
}

/**
 * The files one script line writes values into: a `strongbox render` or
 * `export`'s own outputs (and `get`'s redirected stdout) (global flags before the verb skipped, by the table
 * the command line lifts them with), and everything downstream of it in the
 * same pipeline: `tee`'s files and any redirection (`| tee FILE`, `| jq . > FILE`).
 */
export function commandOutputs(line: string): string[] {
  const outputs: string[] = [];
  let carriesValues = false;
  for (const { words, piped } of commands(line)) {
    const verb = strongboxVerb(words);
    if (verb !== undefined) {
      carriesValues = true;
      outputs.push(...optionValues(words.slice(verb.at + 1), verb.name));
    } else if (piped && carriesValues) outputs.push(...downstreamOutputs(words));
    else carriesValues = false;
  }
  return outputs;
}

/** The commands that write values: to files they are given, and to stdout (`get` only there). */
const VALUE_VERBS = ["render", "export", "get"] as const;
type ValueVerb = (typeof VALUE_VERBS)[number];

/** The `render`, `export` or `get` a segment runs and where its arguments start, past any global flags. */
function strongboxVerb(words: readonly string[]): { name: ValueVerb; at: number } | undefined {
  let at = words.findIndex((word) => /(^|\/)strongbox$/.test(word));
  if (at < 0) return undefined;
  at++;
  for (let skip = beforeCommandFlagWords(words.slice(at)); skip > 0; ) {
    at += skip;
    skip = beforeCommandFlagWords(words.slice(at));
  }
  const name = words[at];
  return VALUE_VERBS.find((verb) => verb === name) === undefined
    ? undefined
    : { name: name as ValueVerb, at };
}

/** A command fed a render's or export's output: its redirections, and `tee`'s files. */
function downstreamOutputs(words: readonly string[]): string[] {
  const outputs = words.flatMap((word, i) =>
    word === ">" && words[i + 1] ? [words[i + 1] as string] : [],
  );
  const tee = words.findIndex((word) => /(^|\/)tee$/.test(word));
  if (tee < 0) return outputs;
  const rest = words.slice(tee + 1);
  const files = rest.filter(
    (word, i) =>
      !word.startsWith("-") &&
      ![">", OTHER_STREAM].includes(word) &&
      ![">", OTHER_STREAM].includes(rest[i - 1] as string),
  );
  return [...outputs, ...files];
}

/** The output paths among a render or export command's arguments. */
function optionValues(args: readonly string[], verb: ValueVerb): string[] {
  const outputs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, joined] = splitFlag(args[i] as string);
    const value = joined ?? args[i + 1];
    if (value === undefined) continue;
    if (flag === ">" || (verb !== "get" && (flag === "-o" || flag === "--output")))
      outputs.push(value);
    else if (verb === "render" && (flag === "-t" || flag === "--template")) {
      const output = value.split(":")[1];
      if (output !== undefined && output !== "") outputs.push(output);
    } else continue;
    if (joined === undefined) i++;
  }
  return outputs;
}

/** `--output=FILE` and `-oFILE` as the flag and its inline value (parseArgs reads both so). */
function splitFlag(word: string): [string, string | undefined] {
  if (word.startsWith("--")) {
    const at = word.indexOf("=");
    return at < 0 ? [word, undefined] : [word.slice(0, at), word.slice(at + 1)];
  }
  if (/^-[ot]./s.test(word)) return [word.slice(0, 2), word.slice(2)];
  return [word, undefined];
}
