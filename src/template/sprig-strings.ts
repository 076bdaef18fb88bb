import { integer, text } from "./functions.js";
import { byteSorted, goQuote, goSprint } from "./go-format.js";
import {
  goRegex,
  goRegexFind,
  goRegexFindAll,
  goRegexMatch,
  goRegexReplaceAll,
  goRegexSplit,
} from "./go-regexp.js";
import {
  goContains,
  goHasPrefix,
  goHasSuffix,
  goJoin,
  goLen,
  goRepeat,
  goReplaceAll,
  goSlice,
  goSplit,
  goTitle,
  goToLower,
  goToUpper,
  goTrim,
  goTrimPrefix,
  goTrimSpace,
  goTrimSuffix,
  isSpaceRune,
  latin1Bytes,
} from "./go-strings.js";
import { indent, initials, swapCase, uncapitalize, wrap } from "./goutils.js";
import { type Fn, present, strslice, strval } from "./sprig-cast.js";

/**
 * Sprig's string functions: case, trimming, padding, quoting, splitting and joining, regular expressions.
 * Unprefixed: sprig.ts names them `sprig_NAME`.
 */
export const SPRIG_STRINGS: Readonly<Record<string, Fn>> = {
  // strings
  hello: () => "Hello!",
  trim: ([s]) => goTrimSpace(text(s)),
  upper: ([s]) => goToUpper(text(s)),
  lower: ([s]) => goToLower(text(s)),
  title: ([s]) => goTitle(text(s)),
  untitle: ([s]) => uncapitalize(text(s)),
  substr: ([start, end, s]) => {
    const value = text(s);
    const from = integer(start);
    const to = integer(end);
    if (from < 0) return goSlice(value, 0, to);
    if (to < 0 || to > goLen(value)) return goSlice(value, from);
    return goSlice(value, from, to);
  },
  trunc: ([count, s]) => {
    const value = text(s);
    const c = integer(count);
    if (c < 0 && goLen(value) + c > 0) return goSlice(value, goLen(value) + c);
    if (c >= 0 && goLen(value) > c) return goSlice(value, 0, c);
    return value;
  },
  repeat: ([count, s]) => goRepeat(text(s), integer(count)),
  trimAll: ([cut, s]) => goTrim(text(s), text(cut)),
  trimall: ([cut, s]) => goTrim(text(s), text(cut)),
  trimSuffix: ([suffix, s]) => goTrimSuffix(text(s), text(suffix)),
  trimPrefix: ([prefix, s]) => goTrimPrefix(text(s), text(prefix)),
  // goutils' DeleteWhiteSpace reads the text byte by byte, each byte taken as a rune: bytes
  // 0x85 and 0xA0 (inside é, 日…) are dropped as spaces and the rest re-encoded as Latin-1.
  // Text with nothing to drop comes back as it was.
  nospace: ([s]) => {
    const bytes = latin1Bytes(text(s));
    const kept = bytes.filter((byte) => !isSpaceRune(byte));
    return kept.length === bytes.length
      ? text(s)
      : kept.map((b) => String.fromCharCode(b)).join("");
  },
  initials: ([s]) => initials(text(s)),
  swapcase: ([s]) => swapCase(text(s)),
  contains: ([needle, s]) => goContains(text(s), text(needle)),
  hasPrefix: ([prefix, s]) => goHasPrefix(text(s), text(prefix)),
  hasSuffix: ([suffix, s]) => goHasSuffix(text(s), text(suffix)),
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
  indent: ([spaces, s]) => indent(integer(spaces), text(s)),
  nindent: ([spaces, s]) => `\n${indent(integer(spaces), text(s))}`,
  replace: ([from, to, s]) => goReplaceAll(text(s), text(from), text(to)),
  plural: ([one, many, count]) => (integer(count) === 1 ? text(one) : text(many)),
  toString: ((args: unknown[]) => strval(args[0])) satisfies Fn,
  wrap: ([width, s]) => wrap(text(s), integer(width), "", false),
  wrapWith: ([width, sep, s]) => wrap(text(s), integer(width), text(sep), true),
  // lists of strings
  split: ([sep, s]) =>
    Object.fromEntries(goSplit(text(s), text(sep)).map((part, i) => [`_${i}`, part])),
  splitList: ([sep, s]) => goSplit(text(s), text(sep)),
  splitn: ([sep, n, s]) =>
    Object.fromEntries(goSplit(text(s), text(sep), integer(n)).map((part, i) => [`_${i}`, part])),
  join: ([sep, v]) => goJoin(strslice(v), text(sep)),
  sortAlpha: ([v]) => byteSorted(strslice(v)),
  // regular expressions
  regexMatch: ([re, s]) => goRegexMatch(goRegex(text(re), ""), text(s)),
  mustRegexMatch: ([re, s]) => goRegexMatch(goRegex(text(re), ""), text(s)),
  regexFind: ([re, s]) => goRegexFind(goRegex(text(re), ""), text(s)),
  mustRegexFind: ([re, s]) => goRegexFind(goRegex(text(re), ""), text(s)),
  regexFindAll: ([re, s, n]) => goRegexFindAll(goRegex(text(re), "g"), text(s), integer(n)),
  mustRegexFindAll: ([re, s, n]) => goRegexFindAll(goRegex(text(re), "g"), text(s), integer(n)),
  regexReplaceAll: ([re, s, replacement]) =>
    goRegexReplaceAll(goRegex(text(re), "g"), text(s), text(replacement), false),
  mustRegexReplaceAll: ([re, s, replacement]) =>
    goRegexReplaceAll(goRegex(text(re), "g"), text(s), text(replacement), false),
  regexReplaceAllLiteral: ([re, s, replacement]) =>
    goRegexReplaceAll(goRegex(text(re), "g"), text(s), text(replacement), true),
  mustRegexReplaceAllLiteral: ([re, s, replacement]) =>
    goRegexReplaceAll(goRegex(text(re), "g"), text(s), text(replacement), true),
  regexSplit: ([re, s, n]) => goRegexSplit(goRegex(text(re), "g"), text(s), integer(n)),
  mustRegexSplit: ([re, s, n]) => goRegexSplit(goRegex(text(re), "g"), text(s), integer(n)),
  regexQuoteMeta: ([s]) => text(s).replace(/[\\.+*?()|[\]{}^$]/g, "\\$&"),
};
