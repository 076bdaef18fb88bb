import { createHash } from "node:crypto";
import { Document, parse as parseYamlText, visit } from "yaml";
import { bytesToText, escapedByte, textToBytes } from "./go-bytes.js";
import { byteSorted, goSprint, goType, markJsonFloats } from "./go-format.js";
import { goRegex, goRegexMatch, goRegexReplaceAll } from "./go-regexp.js";
import {
  goJoin,
  goReplaceAll,
  goSplit,
  goToLower,
  goToUpper,
  goTrim,
  goTrimPrefix,
  goTrimSpace,
  goTrimSuffix,
  toTitleRune,
} from "./go-strings.js";
import { formatGoTime } from "./go-time.js";

/**
 * consul-template's functions that need no Consul, with its argument order
 * (the value a pipeline passes comes last: `{{ .Data.x | replaceAll "a" "b" }}`)
 * and its edge cases (`split` of an empty string is an empty list, `parseInt`
 * of "" is 0, `add b a` is a + b). A thrown error becomes the template's
 * "error calling NAME" with its position.
 */
export const PURE_FUNCTIONS: Readonly<Record<string, (args: unknown[]) => unknown>> = {
  toUpper: ([s]) => goToUpper(text(s)),
  toLower: ([s]) => goToLower(text(s)),
  toTitle: ([s]) => title(text(s)),
  trimSpace: ([s]) => goTrimSpace(text(s)),
  trim: ([cutset, s]) => goTrim(text(s), text(cutset)),
  trimPrefix: ([prefix, s]) => goTrimPrefix(text(s), text(prefix)),
  trimSuffix: ([suffix, s]) => goTrimSuffix(text(s), text(suffix)),
  replaceAll: ([from, to, s]) => goReplaceAll(text(s), text(from), text(to)),
  regexReplaceAll: ([re, replacement, s]) =>
    goRegexReplaceAll(goRegex(text(re), "g"), text(s), text(replacement), false),
  regexMatch: ([re, s]) => goRegexMatch(goRegex(text(re), ""), text(s)),
  split: ([sep, s]) => {
    const trimmed = goTrimSpace(text(s));
    if (trimmed === "") return [];
    return goSplit(trimmed, text(sep));
  },
  join: ([sep, list]) => {
    if (!Array.isArray(list))
      throw new Error(`wrong type for value; expected []string; got ${goType(list)}`);
    return goJoin(
      list.map((item) => goSprint(item)),
      text(sep),
    );
  },
  contains: ([needle, haystack]) => isIn(haystack, needle),
  in: ([haystack, needle]) => isIn(haystack, needle),
  containsAll: ([needles, haystack]) => someIn(needles, haystack, true, true),
  containsAny: ([needles, haystack]) => someIn(needles, haystack, false, false),
  containsNone: ([needles, haystack]) => someIn(needles, haystack, true, false),
  containsNotAll: ([needles, haystack]) => someIn(needles, haystack, false, true),
  indent: ([spaces, s]) => {
    const count = integer(spaces);
    if (count < 0) throw new Error("indent value must be a positive integer");
    const prefix = " ".repeat(count);
    return text(s).replace(/(^|\n)(?=[^\n])/g, `$1${prefix}`);
  },
  base64URLEncode: ([s]) =>
    textToBytes(text(s)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_"),
  base64URLDecode: ([s]) =>
    strictBase64(text(s).replace(/-/g, "+").replace(/_/g, "/"), "base64URLDecode"),
  sha256Hex: ([s]) =>
    createHash("sha256")
      .update(textToBytes(text(s)))
      .digest("hex"),
  md5sum: ([s]) =>
    createHash("md5")
      .update(textToBytes(text(s)))
      .digest("hex"),
  parseBool: ([s]) => {
    const value = text(s);
    if (value === "") return false;
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
    throw new Error(
      `parseBool: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`,
    );
  },
  parseInt: ([s]) => parseInteger(text(s), "parseInt", true),
  parseUint: ([s]) => parseInteger(text(s), "parseUint", false),
  parseFloat: ([s]) => {
    const value = text(s);
    if (value === "") return 0;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i.test(value))
      throw new Error(
        `parseFloat: strconv.ParseFloat: parsing ${JSON.stringify(value)}: invalid syntax`,
      );
    return Number(value.replace(/inf(inity)?/i, "Infinity"));
  },
  parseJSON: ([s]) => {
    const value = text(s);
    if (value === "") return {};
    return markJsonFloats(JSON.parse(value) as unknown);
  },
  // gopkg.in/yaml.v2: YAML 1.1 (yes/no are booleans), keys sorted, lists at their key's indent.
  parseYAML: ([s]) => {
    const value = text(s);
    if (value === "") return {};
    return parseYamlText(value, { version: "1.1" }) as unknown;
  },
  toYAML: ([value]) => goYaml(value),
  timestamp: (args) => {
    if (args.length > 1)
      throw new Error(
        `timestamp: wrong number of arguments, expected 0 or 1, but got ${args.length}`,
      );
    const now = new Date();
    if (args.length === 0) return formatGoTime(now, "2006-01-02T15:04:05Z07:00");
    if (args[0] === "unix") return String(Math.floor(now.getTime() / 1000));
    return formatGoTime(now, text(args[0]));
  },
  add: ([b, a]) => arithmetic("add", a, b, (x, y) => x + y),
  subtract: ([b, a]) => arithmetic("subtract", a, b, (x, y) => x - y),
  multiply: ([b, a]) => arithmetic("multiply", a, b, (x, y) => x * y),
  divide: ([b, a]) => {
    if (Number(b) === 0) throw new Error("divide: division by 0");
    return arithmetic("divide", a, b, (x, y) => x / y);
  },
  modulo: ([b, a]) => {
    if (Number(b) === 0) throw new Error("modulo: division by 0");
    return arithmetic("modulo", a, b, (x, y) => x % y);
  },
  minimum: ([b, a]) => arithmetic("minimum", a, b, (x, y) => Math.min(x, y)),
  maximum: ([b, a]) => arithmetic("maximum", a, b, (x, y) => Math.max(x, y)),
  loop: (args) => {
    const [start, end] = args.length === 1 ? [0, args[0]] : [args[0], args[1]];
    if (args.length < 1 || args.length > 2)
      throw new Error(`loop: wrong number of arguments, expected 1 or 2, but got ${args.length}`);
    const from = loopBound(start);
    const to = loopBound(end);
    return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
  },
};

/**
 * go-yaml v2's `Marshal`: keys sorted, sequences not indented, no line folding.
 * Characters outside the Basic Multilingual Plane are not "printable" to
 * go-yaml, so a string holding one is double-quoted with `\UXXXXXXXX` escapes.
 */
function goYaml(value: unknown): string {
  const doc = new Document(value ?? null, { version: "1.1", sortMapEntries: true });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && ASTRAL.test(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  return doc
    .toString({ indentSeq: false, lineWidth: 0 })
    .replace(
      ASTRAL_ALL,
      (char) => `\\U${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(8, "0")}`,
    )
    .trim();
}

const ASTRAL = /[\u{10000}-\u{10FFFF}]/u;
const ASTRAL_ALL = /[\u{10000}-\u{10FFFF}]/gu;

export function text(value: unknown): string {
  if (typeof value === "string") return value;
  throw new Error(`wrong type for value; expected string; got ${goType(value)}`);
}

export function integer(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  throw new Error(`wrong type for value; expected int; got ${goType(value)}`);
}

/**
 * x/text's `cases.Title(language.Und, cases.NoLower)`: the first cased rune of
 * each word title-cased with the full mapping (ß → Ss, ﬀ → Ff), nothing lowered.
 * A word goes on over letters, digits, marks, connectors (_) and one "mid"
 * character between letters (don't, a.b; two in a row end it); anything else
 * ends it, an invalid byte included, which is written back unchanged.
 */
export function title(value: string): string {
  let out = "";
  let inWord = false;
  const chars = Array.from(value);
  for (const [i, char] of chars.entries()) {
    const mid = isWordMid(char);
    if (escapedByte(char) === undefined && CASED.test(char)) {
      out += inWord ? char : fullTitle(char);
      inWord = true;
    } else {
      out += char;
      if (!mid && !WORD_PART.test(char)) inWord = false;
    }
    const next = chars[i + 1];
    if (mid && next !== undefined && isWordMid(next)) inWord = false;
  }
  return out;
}

const CASED = /^\p{Cased}$/u;
/** UAX #29 ALetter, Numeric, Extend, ExtendNumLet, Format: they do not end a word (ideographs and kana do). */
const WORD_PART =
  /^(?![\p{Ideographic}\p{Script=Hiragana}\p{Script=Katakana}])[\p{Alphabetic}\p{Nd}\p{M}\p{Pc}\p{Cf}]$/u;
/** UAX #29 MidLetter, MidNumLet and Single_Quote. */
const WORD_MID = new Set([
  ..."'.:\u00b7\u0387\u055f\u05f4\u2018\u2019\u2024\u2027\ufe13\ufe52\ufe55\uff07\uff0e\uff1a",
]);
const isWordMid = (char: string) => WORD_MID.has(char);

/** Title case of one rune: Go's table, or a special casing's expansion (ß → SS → Ss). */
function fullTitle(char: string): string {
  const upper = char.toUpperCase();
  if ([...upper].length > 1) {
    const [first, ...rest] = [...upper];
    return `${first}${rest.join("").toLowerCase()}`;
  }
  return String.fromCodePoint(toTitleRune(char.codePointAt(0) as number));
}

/** Go's `base64.StdEncoding.DecodeString`: padding required, CR and LF skipped; the bytes as they are. */
export function strictBase64(input: string, name: string): string {
  const value = input.replace(/[\r\n]/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    throw new Error(
      `${name}: illegal base64 data at input byte ${Math.max(0, value.search(/[^A-Za-z0-9+/=]/))}`,
    );
  return bytesToText(Buffer.from(value, "base64"));
}

function parseInteger(value: string, name: string, signed: boolean): number {
  if (value === "") return 0;
  if (!(signed ? /^[+-]?\d+$/ : /^\+?\d+$/).test(value))
    throw new Error(
      `${name}: strconv.Parse${signed ? "Int" : "Uint"}: parsing ${JSON.stringify(value)}: invalid syntax`,
    );
  return Number(value);
}

function arithmetic(
  name: string,
  a: unknown,
  b: unknown,
  op: (x: number, y: number) => number,
): number {
  if (typeof a !== "number")
    throw new Error(`${name}: unknown type for ${JSON.stringify(goSprint(a))} (${goType(a)})`);
  if (typeof b !== "number")
    throw new Error(`${name}: unknown type for ${JSON.stringify(goSprint(b))} (${goType(b)})`);
  const result = op(a, b);
  // Two integers stay an integer (Go's int64 arithmetic truncates division).
  return Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(result) : result;
}

function loopBound(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string") return parseInteger(value, "parseInt", true);
  throw new Error(`loop: bad argument type: ${goType(value)}`);
}

/** consul-template's `in`: a list holding an equal element, or a string holding a substring. */
function isIn(haystack: unknown, needle: unknown): boolean {
  if (Array.isArray(haystack))
    return haystack.some((item) => typeof item === typeof needle && item === needle);
  if (typeof haystack === "string" && typeof needle === "string") return haystack.includes(needle);
  return false;
}

function someIn(needles: unknown, haystack: unknown, retTrue: boolean, invert: boolean): boolean {
  if (!Array.isArray(needles))
    throw new Error(`wrong type for value; expected []interface {}; got ${goType(needles)}`);
  for (const needle of needles) if (isIn(haystack, needle) !== invert) return !retTrue;
  return retTrue;
}

/** The names, for the function check and the documentation. */
export const PURE_FUNCTION_NAMES: readonly string[] = byteSorted(Object.keys(PURE_FUNCTIONS));
