import { goRegex, goTrimSpace, integer, jsReplacement, mapRunes, text } from "./functions.js";
import { bytesToText, escapedByte, textToBytes } from "./go-bytes.js";
import { byteSorted, goQuote, goSprint } from "./go-format.js";
import { type Fn, present, strslice, strval } from "./sprig-cast.js";

/**
 * Sprig's string functions: case, trimming, padding, quoting, splitting and joining, regular expressions.
 * Unprefixed: sprig.ts names them `sprig_NAME`.
 */
export const SPRIG_STRINGS: Readonly<Record<string, Fn>> = {
  // strings
  hello: () => "Hello!",
  trim: ([s]) => goTrimSpace(text(s)),
  upper: ([s]) => mapRunes(text(s), (c) => c.toUpperCase()),
  lower: ([s]) => mapRunes(text(s), (c) => c.toLowerCase()),
  title: ([s]) => goTitle(text(s)),
  untitle: ([s]) => {
    const value = text(s);
    return value === ""
      ? ""
      : mapRunes([...value][0] as string, (c) => c.toLowerCase()) + [...value].slice(1).join("");
  },
  substr: ([start, end, s]) => {
    const bytes = textToBytes(text(s));
    const from = integer(start);
    const to = integer(end);
    if (from < 0) return bytesToText(bytes.subarray(0, to));
    if (to < 0 || to > bytes.length) return bytesToText(bytes.subarray(from));
    if (from > to) throw new Error(`runtime error: slice bounds out of range [${from}:${to}]`);
    return bytesToText(bytes.subarray(from, to));
  },
  trunc: ([count, s]) => {
    const bytes = textToBytes(text(s));
    const c = integer(count);
    if (c < 0 && bytes.length + c > 0) return bytesToText(bytes.subarray(bytes.length + c));
    if (c >= 0 && bytes.length > c) return bytesToText(bytes.subarray(0, c));
    return text(s);
  },
  repeat: ([count, s]) => {
    const n = integer(count);
    if (n < 0) throw new Error("strings: negative Repeat count");
    return text(s).repeat(n);
  },
  trimAll: ([cut, s]) => trimSet(text(s), text(cut)),
  trimall: ([cut, s]) => trimSet(text(s), text(cut)),
  trimSuffix: ([suffix, s]) =>
    text(suffix) !== "" && text(s).endsWith(text(suffix))
      ? text(s).slice(0, -text(suffix).length)
      : text(s),
  trimPrefix: ([prefix, s]) =>
    text(s).startsWith(text(prefix)) ? text(s).slice(text(prefix).length) : text(s),
  // goutils' DeleteWhiteSpace reads the text byte by byte, each byte taken as a rune: bytes
  // 0x85 and 0xA0 (inside é, 日…) are dropped as spaces and the rest re-encoded as Latin-1.
  // Text with nothing to drop comes back as it was.
  nospace: ([s]) => {
    const bytes = [...textToBytes(text(s))];
    const kept = bytes.filter((byte) => !LATIN1_SPACES.has(byte));
    return kept.length === bytes.length
      ? text(s)
      : kept.map((b) => String.fromCharCode(b)).join("");
  },
  initials: ([s]) =>
    text(s)
      .split(/\s+/u)
      .filter((word) => word !== "")
      .map((word) => [...word][0])
      .join(""),
  swapcase: ([s]) =>
    mapRunes(text(s), (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())),
  contains: ([needle, s]) => text(s).includes(text(needle)),
  hasPrefix: ([prefix, s]) => text(s).startsWith(text(prefix)),
  hasSuffix: ([suffix, s]) => text(s).endsWith(text(suffix)),
  quote: (args) =>
    args
      .filter(present)
      .map((v) => goQuote(strval(v)))
      .join(" "),
  squote: (args) =>
    args
      .filter(present)
      .map((v) => `'${goSprint(v as never)}'`)
      .join(" "),
  cat: (args) =>
    args
      .filter(present)
      .map((v) => goSprint(v as never))
      .join(" "),
  indent: ([spaces, s]) => {
    const pad = " ".repeat(Math.max(0, integer(spaces)));
    return pad + text(s).replaceAll("\n", `\n${pad}`);
  },
  nindent: ([spaces, s]) => {
    const pad = " ".repeat(Math.max(0, integer(spaces)));
    return `\n${pad}${text(s).replaceAll("\n", `\n${pad}`)}`;
  },
  replace: ([from, to, s]) => goReplaceAll(text(s), text(from), text(to)),
  plural: ([one, many, count]) => (integer(count) === 1 ? text(one) : text(many)),
  toString: ((args: unknown[]) => strval(args[0])) satisfies Fn,
  wrap: ([width, s]) => wrap(text(s), integer(width), "\n"),
  wrapWith: ([width, sep, s]) => wrap(text(s), integer(width), text(sep)),
  // lists of strings
  split: ([sep, s]) =>
    Object.fromEntries(goSplit(text(s), text(sep)).map((part, i) => [`_${i}`, part])),
  splitList: ([sep, s]) => goSplit(text(s), text(sep)),
  splitn: ([sep, n, s]) =>
    Object.fromEntries(goSplit(text(s), text(sep), integer(n)).map((part, i) => [`_${i}`, part])),
  join: ([sep, v]) => strslice(v).join(text(sep)),
  sortAlpha: ([v]) => byteSorted(strslice(v)),
  // regular expressions
  regexMatch: ([re, s]) => goRegex(text(re), "").test(text(s)),
  mustRegexMatch: ([re, s]) => goRegex(text(re), "").test(text(s)),
  regexFind: ([re, s]) => goRegex(text(re), "").exec(text(s))?.[0] ?? "",
  mustRegexFind: ([re, s]) => goRegex(text(re), "").exec(text(s))?.[0] ?? "",
  regexFindAll: ([re, s, n]) => findAll(text(re), text(s), integer(n)),
  mustRegexFindAll: ([re, s, n]) => findAll(text(re), text(s), integer(n)),
  regexReplaceAll: ([re, s, replacement]) =>
    text(s).replace(goRegex(text(re), "g"), jsReplacement(text(replacement))),
  mustRegexReplaceAll: ([re, s, replacement]) =>
    text(s).replace(goRegex(text(re), "g"), jsReplacement(text(replacement))),
  regexReplaceAllLiteral: ([re, s, replacement]) =>
    text(s).replace(goRegex(text(re), "g"), () => text(replacement)),
  mustRegexReplaceAllLiteral: ([re, s, replacement]) =>
    text(s).replace(goRegex(text(re), "g"), () => text(replacement)),
  regexSplit: ([re, s, n]) => regexSplit(text(re), text(s), integer(n)),
  mustRegexSplit: ([re, s, n]) => regexSplit(text(re), text(s), integer(n)),
  regexQuoteMeta: ([s]) => text(s).replace(/[\\.+*?()|[\]{}^$]/g, "\\$&"),
};

/** `unicode.IsSpace` of a rune below 256. */
const LATIN1_SPACES = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0]);

function goSplit(value: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  const parts = sep === "" ? [...value] : value.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function goReplaceAll(value: string, from: string, to: string): string {
  if (from === "") return [...value].reduce((acc, char) => acc + char + to, to);
  return value.split(from).join(to);
}

function trimSet(value: string, cut: string): string {
  const set = new Set(cut);
  const runes = [...value];
  let start = 0;
  let end = runes.length;
  while (start < end && set.has(runes[start] as string)) start++;
  while (end > start && set.has(runes[end - 1] as string)) end--;
  return runes.slice(start, end).join("");
}

function findAll(re: string, s: string, n: number): string[] {
  const matches = [...s.matchAll(goRegex(re, "g"))].map((m) => m[0]);
  return n < 0 ? matches : matches.slice(0, n);
}

/** Go's `Regexp.Split`: at most `n` parts (all when negative), an empty match at either end skipped. */
function regexSplit(re: string, s: string, n: number): string[] {
  if (n === 0) return [];
  if (re !== "" && s === "") return [""];
  let matches = [...s.matchAll(goRegex(re, "g"))];
  if (n > 0) matches = matches.slice(0, n);
  const parts: string[] = [];
  let begin = 0;
  let end = 0;
  for (const match of matches) {
    if (n > 0 && parts.length === n - 1) break;
    end = match.index as number;
    if (end + match[0].length !== 0) parts.push(s.slice(begin, end));
    begin = end + match[0].length;
  }
  if (end !== s.length) parts.push(s.slice(begin));
  return parts;
}

/** Go's `strings.Title`: a letter after a separator (ASCII other than letters, digits and _, or a space) upper-cased. */
function goTitle(value: string): string {
  let out = "";
  let previous = " ";
  for (const raw of value) {
    // strings.Map writes a byte that is not UTF-8 as U+FFFD, which then counts as a letter-like rune.
    const char = escapedByte(raw) === undefined ? raw : "\ufffd";
    out += isTitleSeparator(previous) ? mapRunes(char, (c) => c.toUpperCase()) : char;
    previous = char;
  }
  return out;
}

function isTitleSeparator(char: string): boolean {
  if ((char.codePointAt(0) as number) <= 0x7f) return !/[0-9A-Za-z_]/.test(char);
  if (/[\p{L}\p{Nd}]/u.test(char)) return false;
  return /\s/u.test(char);
}

/** goutils' WrapCustom with long words wrapped: lines of at most `width`, broken at spaces. */
function wrap(value: string, width: number, sep: string): string {
  const limit = width < 1 ? 1 : width;
  const lines: string[] = [];
  let rest = value;
  while (rest.length > limit) {
    if (rest[0] === " ") {
      rest = rest.slice(1);
      continue;
    }
    const space = rest.lastIndexOf(" ", limit);
    if (space > 0) {
      lines.push(rest.slice(0, space));
      rest = rest.slice(space + 1);
    } else {
      lines.push(rest.slice(0, limit));
      rest = rest.slice(limit);
    }
  }
  lines.push(rest);
  return lines.join(sep);
}
