import { StrongboxError } from "../errors.js";

/** A token of a template action, with where it starts (1-based line and column). */
export interface Token {
  readonly kind:
    | "ident"
    | "field"
    | "variable"
    | "string"
    | "number"
    | "lparen"
    | "rparen"
    | "pipe"
    | "declare"
    | "assign"
    | "comma";
  readonly text: string;
  /** For strings, the unquoted value. */
  readonly value?: string;
  readonly line: number;
  readonly column: number;
}

/** A piece of a template: literal text, or one `{{ … }}` action with its tokens. */
export type Piece =
  | { readonly kind: "text"; readonly text: string; readonly line: number; readonly column: number }
  | {
      readonly kind: "action";
      readonly tokens: readonly Token[];
      readonly trimLeft: boolean;
      readonly trimRight: boolean;
      readonly comment: boolean;
      readonly line: number;
      readonly column: number;
    };

/**
 * Splits a consul-template / Go text/template source into text and actions,
 * tokenising each action. Throws `E_TEMPLATE` naming file, line and column for
 * an unclosed action, an unterminated string or an unknown character.
 */
export function lexTemplate(source: string, file: string): Piece[] {
  const pieces: Piece[] = [];
  let index = 0;
  // Line starts, once: a position is then a binary search, not a scan of everything before it.
  const starts = [0];
  for (let at = source.indexOf("\n"); at >= 0; at = source.indexOf("\n", at + 1))
    starts.push(at + 1);
  const position = (at: number) => positionOf(starts, at);
  while (index < source.length) {
    const open = source.indexOf("{{", index);
    if (open < 0) {
      pieces.push({ kind: "text", text: source.slice(index), ...position(index) });
      break;
    }
    if (open > index)
      pieces.push({ kind: "text", text: source.slice(index, open), ...position(index) });
    const close = findClose(source, open + 2);
    if (close < 0)
      throw templateError(file, position(open), "the action opened here is never closed with }}");
    let inner = source.slice(open + 2, close);
    let innerStart = open + 2;
    const trimLeft = /^-\s/.test(inner);
    const trimRight = /\s-$/.test(inner);
    if (trimLeft) {
      inner = inner.slice(1);
      innerStart += 1;
    }
    if (trimRight) inner = inner.slice(0, -1);
    const comment = /^\s*\/\*[\s\S]*\*\/\s*$/.test(inner);
    const tokens = comment ? [] : tokenize(inner, innerStart, source, file, position);
    pieces.push({ kind: "action", tokens, trimLeft, trimRight, comment, ...position(open) });
    index = close + 2;
  }
  return pieces;
}

/** The 1-based line and column of offset `at`, given the offsets where lines start. */
function positionOf(starts: readonly number[], at: number): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] as number) <= at) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: at - (starts[low] as number) + 1 };
}

/** The index of the `}}` closing an action, skipping `}}` inside strings and comments. */
function findClose(source: string, from: number): number {
  let i = from;
  while (i < source.length) {
    const char = source[i];
    if (char === '"' || char === "`") {
      const end = char === '"' ? endOfQuoted(source, i) : source.indexOf("`", i + 1);
      if (end < 0) return -1;
      i = end + 1;
    } else if (source.startsWith("/*", i)) {
      const end = source.indexOf("*/", i + 2);
      if (end < 0) return -1;
      i = end + 2;
    } else if (source.startsWith("}}", i)) {
      return i;
    } else {
      i++;
    }
  }
  return -1;
}

function endOfQuoted(source: string, start: number): number {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === "\\") i++;
    else if (source[i] === '"') return i;
    else if (source[i] === "\n") return -1;
  }
  return -1;
}

const SIMPLE: Record<string, Token["kind"]> = {
  "(": "lparen",
  ")": "rparen",
  "|": "pipe",
  ",": "comma",
};

function tokenize(
  inner: string,
  offset: number,
  source: string,
  file: string,
  position: (at: number) => { line: number; column: number },
): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < inner.length) {
    if (/\s/.test(inner[i] as string)) {
      i++;
      continue;
    }
    const { token, length } = readToken(inner, i, position(offset + i), file);
    tokens.push(token);
    i += length;
  }
  void source;
  return tokens;
}

/** Where a token starts. */
type At = { line: number; column: number };

/** The token starting at `i` (not white space), and how many characters it takes. */
function readToken(
  inner: string,
  i: number,
  at: At,
  file: string,
): { token: Token; length: number } {
  const char = inner[i] as string;
  if (SIMPLE[char] !== undefined)
    return { token: { kind: SIMPLE[char] as Token["kind"], text: char, ...at }, length: 1 };
  if (inner.startsWith(":=", i))
    return { token: { kind: "declare", text: ":=", ...at }, length: 2 };
  if (char === "=") return { token: { kind: "assign", text: "=", ...at }, length: 1 };
  if (char === '"') return readQuoted(inner, i, at, file);
  if (char === "`") return readRaw(inner, i, at, file);
  return readWord(inner, i, at, file);
}

function readQuoted(
  inner: string,
  i: number,
  at: At,
  file: string,
): { token: Token; length: number } {
  const end = endOfQuoted(inner, i);
  if (end < 0) throw templateError(file, at, "the string starting here is never closed");
  const text = inner.slice(i, end + 1);
  const value = unquoteGo(text, (why) => templateError(file, at, why));
  return { token: { kind: "string", text, value, ...at }, length: end + 1 - i };
}

function readRaw(inner: string, i: number, at: At, file: string): { token: Token; length: number } {
  const end = inner.indexOf("`", i + 1);
  if (end < 0) throw templateError(file, at, "the raw string starting here is never closed");
  const token: Token = {
    kind: "string",
    text: inner.slice(i, end + 1),
    value: inner.slice(i + 1, end),
    ...at,
  };
  return { token, length: end + 1 - i };
}

/** A field, variable, number or identifier. */
function readWord(
  inner: string,
  i: number,
  at: At,
  file: string,
): { token: Token; length: number } {
  const word =
    /^(\.[A-Za-z0-9_.]*|\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_.]+)?|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*)/.exec(
      inner.slice(i),
    )?.[0];
  if (word === undefined)
    throw templateError(file, at, `unexpected character ${JSON.stringify(inner[i])}`);
  const kind: Token["kind"] = word.startsWith(".")
    ? "field"
    : word.startsWith("$")
      ? "variable"
      : /^-?\d/.test(word)
        ? "number"
        : "ident";
  return { token: { kind, text: word, ...at }, length: word.length };
}

/** The one error type of templates: names the file, line and column. */
export function templateError(
  file: string,
  at: { line: number; column: number },
  why: string,
): StrongboxError {
  return new StrongboxError("E_TEMPLATE", `${file}:${at.line}:${at.column}: ${why}`, {
    hint: "see docs/three-layers.md for the template syntax Strongbox reads",
  });
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  "\\": 0x5c,
  '"': 0x22,
};

/**
 * A Go double-quoted string literal's value, as `strconv.Unquote` gives it:
 * `\a \b \f \n \r \t \v \\ \"`, three-digit octal, `\xHH`, `\uHHHH` and
 * `\UHHHHHHHH`; any other escape (`\'` included, which Go allows only in rune
 * literals) is a syntax error, as it is for Go. Octal and `\x` escapes are
 * bytes; the result is read as UTF-8.
 */
export function unquoteGo(text: string, fail: (why: string) => Error): string {
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (char !== "\\") {
      const code = body.codePointAt(i) as number;
      if (code > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(code), "utf8"));
      continue;
    }
    const next = body[++i];
    if (next === undefined) throw fail("a string ends in the middle of an escape");
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      bytes.push(simple);
      continue;
    }
    const hex = (digits: number) => {
      const run = body.slice(i + 1, i + 1 + digits);
      if (!new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(run))
        throw fail(`\\${next} needs ${digits} hexadecimal digits`);
      i += digits;
      return Number.parseInt(run, 16);
    };
    if (next === "x") bytes.push(hex(2));
    else if (next === "u" || next === "U") {
      const code = hex(next === "u" ? 4 : 8);
      if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000))
        throw fail(`\\${next} escape is not a valid Unicode code point`);
      bytes.push(...Buffer.from(String.fromCodePoint(code), "utf8"));
    } else if (next >= "0" && next <= "7") {
      const run = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(run) || Number.parseInt(run, 8) > 255)
        throw fail("an octal escape needs three digits up to \\377");
      bytes.push(Number.parseInt(run, 8));
      i += 2;
    } else
      throw fail(
        `unknown escape sequence \\${next} in a string (Go allows \\a \\b \\f \\n \\r \\t \\v \\\\ \\" \\x \\u \\U and octal)`,
      );
  }
  return Buffer.from(bytes).toString("utf8");
}
