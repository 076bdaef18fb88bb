import { type Issue, issue } from "../errors.js";
import { interpret, type Lookup } from "./interpret.js";

/** One assignment read from a `.env` file. */
export interface DotenvEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line where the assignment starts. */
  readonly line: number;
  /** 1-based line where the assignment ends (after a multi-line quoted value). */
  readonly endLine: number;
  /** How the value was written; single-quoted and backtick values are literal. */
  readonly quote: "none" | "single" | "double" | "backtick";
}

export interface DotenvParseResult {
  readonly entries: readonly DotenvEntry[];
  readonly issues: readonly Issue[];
}

export interface DotenvParseOptions {
  /** Name used in messages (a path, usually). */
  readonly source?: string;
  /** Where `${VAR}` looks before the file's own earlier keys; expansion is off without it. */
  readonly lookup?: Lookup;
  /**
   * Names that may never be expanded (credentials): a value that expands one
   * is an issue naming the line and both keys, and the entry is dropped.
   */
  readonly refuse?: (name: string) => boolean;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*/;
const QUOTES: Record<string, Exclude<DotenvEntry["quote"], "none">> = {
  "'": "single",
  '"': "double",
  "`": "backtick",
};

/**
 * Parses `.env` text with dotenv's documented semantics (quotes, multiline
 * values, `export`, comments, `${VAR}` expansion), stricter where dotenv is
 * silent: an unterminated quote, a line with no `=` or text after a closing
 * quote is an issue naming the line, never a value swallowed or skipped.
 * Issues name lines and keys, never line text: a broken line may be a secret.
 * After an unterminated quote the rest of the file is not read, since every
 * later line may belong to the broken value.
 */
export function parseDotenv(text: string, options: DotenvParseOptions = {}): DotenvParseResult {
  const source = options.source ?? ".env";
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const entries: DotenvEntry[] = [];
  const issues: Issue[] = [];
  const own = new Map<string, string>();
  const refused: string[] = [];
  const lookup: Lookup = (name) => {
    if (options.refuse?.(name) === true) {
      refused.push(name);
      return undefined;
    }
    return options.lookup?.(name) ?? own.get(name);
  };
  let index = 0;
  while (index < lines.length) {
    const start = index;
    const result = parseLine(lines, index);
    index = result.next;
    if (result.kind === "skip") continue;
    if (result.kind === "error") {
      issues.push(
        issue("E_DOTENV_PARSE", `${source}:${start + 1}: ${result.why}`, { hint: result.hint }),
      );
      continue;
    }
    const literal = result.quote === "single" || result.quote === "backtick";
    const value = literal
      ? result.value
      : interpret(result.value, {
          escapes: result.quote === "double",
          lookup: options.lookup === undefined ? undefined : lookup,
        });
    if (refused.length > 0) {
      issues.push(
        issue(
          "E_DOTENV_PARSE",
          `${source}:${start + 1}: ${result.key} expands \${${refused[0]}}, a credential Strongbox keeps to itself`,
          {
            hint: `credentials are never copied into other variables; if ${result.key} really needs one, declare it in the schema and give it its own value`,
          },
        ),
      );
      refused.length = 0;
      continue;
    }
    own.set(result.key, value);
    entries.push({
      key: result.key,
      value,
      line: start + 1,
      endLine: result.next,
      quote: result.quote,
    });
  }
  return { entries, issues };
}

type LineResult =
  | { kind: "skip"; next: number }
  | { kind: "error"; next: number; why: string; hint?: string }
  | { kind: "entry"; next: number; key: string; value: string; quote: DotenvEntry["quote"] };

function parseLine(lines: readonly string[], index: number): LineResult {
  const line = (lines[index] ?? "").trimStart();
  const next = index + 1;
  if (line === "" || line.startsWith("#")) return { kind: "skip", next };
  const body = line.startsWith("export ") ? line.slice(7).trimStart() : line;
  const key = KEY.exec(body)?.[0];
  if (key === undefined) {
    return {
      kind: "error",
      next,
      why: "expected KEY=value",
      hint: "keys are letters, digits, _ . - and cannot start with a digit",
    };
  }
  const afterKey = body.slice(key.length).trimStart();
  if (!afterKey.startsWith("=")) {
    return {
      kind: "error",
      next,
      why: 'expected KEY=value: the line has a name but no "="',
      hint: "write KEY=value; comment the line out with # if it is notes (the line is not shown: it may hold a secret)",
    };
  }
  const rest = afterKey.slice(1).trimStart();
  const quote = QUOTES[rest[0] ?? ""];
  if (quote === undefined)
    return { kind: "entry", next, key, value: unquoted(rest), quote: "none" };
  return quoted(lines, index, key, rest, quote);
}

/** An unquoted value ends at a `#` that follows whitespace (shell-like), and is trimmed. */
function unquoted(rest: string): string {
  const comment = rest.search(/(^|\s)#/);
  return (comment < 0 ? rest : rest.slice(0, comment)).trim();
}

function quoted(
  lines: readonly string[],
  index: number,
  key: string,
  rest: string,
  quote: Exclude<DotenvEntry["quote"], "none">,
): LineResult {
  const mark = rest[0] as string;
  let text = rest.slice(1);
  let line = index;
  for (;;) {
    const close = findClose(text, mark, quote === "double");
    if (close >= 0) {
      const tail = text.slice(close + 1).trim();
      if (tail !== "" && !tail.startsWith("#")) {
        return {
          kind: "error",
          next: line + 1,
          why: `unexpected text after the closing quote of ${key}`,
          hint: "put a comment after # or quote the whole value",
        };
      }
      return { kind: "entry", next: line + 1, key, value: text.slice(0, close), quote };
    }
    line += 1;
    if (line >= lines.length) {
      return {
        kind: "error",
        next: lines.length,
        why: `the quoted value of ${key} is never closed; the lines after it were not read`,
        hint: `add the closing ${mark}`,
      };
    }
    text += `\n${lines[line]}`;
  }
}

function findClose(text: string, mark: string, escapes: boolean): number {
  for (let i = 0; i < text.length; i++) {
    if (escapes && text[i] === "\\") i++;
    else if (text[i] === mark) return i;
  }
  return -1;
}
