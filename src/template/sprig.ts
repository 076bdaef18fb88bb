import { createHash, randomInt, randomUUID } from "node:crypto";
import { integer, text } from "./functions.js";
import { bytesToText, textToBytes } from "./go-bytes.js";
import { byteSorted, goJson, goQuote, goSprint, goType, markJsonFloats } from "./go-format.js";
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

type Fn = (args: unknown[]) => unknown;

/**
 * The Sprig v3 functions (Masterminds/sprig, the version OpenBao's agent
 * embeds) that consul-template exposes as `sprig_NAME`, with Sprig's argument
 * order and its forgiving conversions (spf13/cast: `"12"` is 12, junk is 0).
 * Left out, and refused by name: the date functions (Go's `time.Time` values),
 * the certificate, key and password generators, AES, `semver`, `getHostByName`
 * and the URL helpers; `sprig_env` and `sprig_expandenv` are the renderer's,
 * as they need the credential rule.
 */
export const SPRIG_FUNCTIONS: Readonly<Record<string, Fn>> = prefixed({
  hello: () => "Hello!",
  // strings
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
  sha1sum: ([s]) =>
    createHash("sha1")
      .update(textToBytes(text(s)))
      .digest("hex"),
  sha256sum: ([s]) =>
    createHash("sha256")
      .update(textToBytes(text(s)))
      .digest("hex"),
  adler32sum: ([s]) => String(adler32(textToBytes(text(s)))),
  toString: ((args: unknown[]) => strval(args[0])) satisfies Fn,
  wrap: ([width, s]) => wrap(text(s), integer(width), "", false),
  wrapWith: ([width, sep, s]) => wrap(text(s), integer(width), text(sep), true),
  // conversions
  atoi: ([s]) => {
    const value = text(s);
    return /^[+-]?\d+$/.test(value) ? Number(value) : 0;
  },
  int: ([v]) => toInt(v),
  int64: ([v]) => toInt(v),
  float64: ([v]) => toFloat(v),
  toDecimal: ([v]) => {
    const value = strval(v);
    return /^[+-]?[0-7]+$/.test(value) ? Number.parseInt(value, 8) : 0;
  },
  toStrings: ([v]) => strslice(v),
  // lists of strings
  split: ([sep, s]) =>
    Object.fromEntries(goSplit(text(s), text(sep)).map((part, i) => [`_${i}`, part])),
  splitList: ([sep, s]) => goSplit(text(s), text(sep)),
  splitn: ([sep, n, s]) =>
    Object.fromEntries(goSplit(text(s), text(sep), integer(n)).map((part, i) => [`_${i}`, part])),
  join: ([sep, v]) => goJoin(strslice(v), text(sep)),
  sortAlpha: ([v]) => byteSorted(strslice(v)),
  until: ([count]) => untilStep(0, integer(count), integer(count) < 0 ? -1 : 1),
  untilStep: ([start, stop, step]) => untilStep(integer(start), integer(stop), integer(step)),
  seq: (args) => seq(args.map((arg) => integer(arg))),
  // integer arithmetic (int64)
  add1: ([v]) => toInt(v) + 1,
  add: (args) => args.reduce<number>((sum, v) => sum + toInt(v), 0),
  sub: ([a, b]) => toInt(a) - toInt(b),
  div: ([a, b]) => {
    if (toInt(b) === 0) throw new Error("runtime error: integer divide by zero");
    return Math.trunc(toInt(a) / toInt(b));
  },
  mod: ([a, b]) => {
    if (toInt(b) === 0) throw new Error("runtime error: integer divide by zero");
    return toInt(a) % toInt(b);
  },
  mul: ([a, ...rest]) => rest.reduce<number>((product, v) => product * toInt(v), toInt(a)),
  max: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.max(m, toInt(v)), toInt(a)),
  biggest: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.max(m, toInt(v)), toInt(a)),
  min: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.min(m, toInt(v)), toInt(a)),
  maxf: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.max(m, toFloat(v)), toFloat(a)),
  minf: ([a, ...rest]) => rest.reduce<number>((m, v) => Math.min(m, toFloat(v)), toFloat(a)),
  ceil: ([v]) => Math.ceil(toFloat(v)),
  floor: ([v]) => Math.floor(toFloat(v)),
  round: ([v, places, on]) => {
    const pow = 10 ** toFloat(integer(places));
    const digit = pow * toFloat(v);
    const fraction = digit - Math.trunc(digit);
    return (
      (fraction >= (on === undefined ? 0.5 : toFloat(on)) ? Math.ceil(digit) : Math.floor(digit)) /
      pow
    );
  },
  randInt: ([min, max]) => randomInt(integer(min), integer(max)),
  // defaults and flow
  default: ([fallback, ...given]) => (given.length === 0 || empty(given[0]) ? fallback : given[0]),
  empty: ([v]) => empty(v),
  coalesce: (args) => args.find((v) => !empty(v)),
  all: (args) => args.every((v) => !empty(v)),
  any: (args) => args.some((v) => !empty(v)),
  compact: ([v]) => list(v, "compact").filter((item) => !empty(item)),
  mustCompact: ([v]) => list(v, "mustCompact").filter((item) => !empty(item)),
  ternary: ([yes, no, condition]) => (condition === true ? yes : no),
  fail: ([message]) => {
    throw new Error(text(message));
  },
  // JSON
  toJson: ([v]) => safeJson(() => goJson(v as never)),
  mustToJson: ([v]) => goJson(v as never),
  toPrettyJson: ([v]) => safeJson(() => goJson(v as never, "  ")),
  mustToPrettyJson: ([v]) => goJson(v as never, "  "),
  toRawJson: ([v]) => safeJson(() => goJson(v as never, undefined, false)),
  mustToRawJson: ([v]) => goJson(v as never, undefined, false),
  fromJson: ([s]) => {
    try {
      return markJsonFloats(JSON.parse(text(s)) as unknown);
    } catch {
      return undefined;
    }
  },
  mustFromJson: ([s]) => markJsonFloats(JSON.parse(text(s)) as unknown),
  deepCopy: ([v]) => structuredClone(v),
  mustDeepCopy: ([v]) => structuredClone(v),
  // types
  typeOf: ([v]) => goType(v as never),
  typeIs: ([name, v]) => text(name) === goType(v as never),
  typeIsLike: ([name, v]) =>
    text(name) === goType(v as never) || text(name) === `*${goType(v as never)}`,
  kindOf: ([v]) => kindOf(v),
  kindIs: ([name, v]) => text(name) === kindOf(v),
  deepEqual: ([a, b]) => deepEqual(a, b),
  // paths (Go's path package: always slashes)
  base: ([p]) => pathBase(text(p)),
  dir: ([p]) => pathDir(text(p)),
  clean: ([p]) => pathClean(text(p)),
  ext: ([p]) => {
    const match = /\.[^./]*$/.exec(text(p));
    return match === null ? "" : match[0];
  },
  isAbs: ([p]) => text(p).startsWith("/"),
  osBase: ([p]) => pathBase(text(p)),
  osDir: ([p]) => pathDir(text(p)),
  osClean: ([p]) => pathClean(text(p)),
  osExt: ([p]) => {
    const match = /\.[^./]*$/.exec(text(p));
    return match === null ? "" : match[0];
  },
  osIsAbs: ([p]) => text(p).startsWith("/"),
  // encodings (a decoding error is returned as the text, as Sprig does)
  b64enc: ([s]) => textToBytes(text(s)).toString("base64"),
  b64dec: ([s]) =>
    /^[A-Za-z0-9+/]*={0,2}$/.test(text(s)) && text(s).length % 4 === 0
      ? bytesToText(Buffer.from(text(s), "base64"))
      : `illegal base64 data at input byte ${Math.max(0, text(s).search(/[^A-Za-z0-9+/=]/))}`,
  b32enc: ([s]) => base32(textToBytes(text(s))),
  // dictionaries
  dict: (args) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i += 2)
      out[strval(args[i])] = i + 1 < args.length ? args[i + 1] : "";
    return out;
  },
  get: ([d, key]) => {
    const map = dict(d);
    return Object.hasOwn(map, text(key)) ? map[text(key)] : "";
  },
  set: ([d, key, value]) => {
    dict(d)[text(key)] = value;
    return d;
  },
  unset: ([d, key]) => {
    delete dict(d)[text(key)];
    return d;
  },
  hasKey: ([d, key]) => Object.hasOwn(dict(d), text(key)),
  pluck: ([key, ...dicts]) =>
    dicts
      .map((d) => dict(d))
      .filter((d) => Object.hasOwn(d, text(key)))
      .map((d) => d[text(key)]),
  keys: (dicts) => byteSorted(dicts.flatMap((d) => Object.keys(dict(d)))),
  values: ([d]) => {
    const map = dict(d);
    return byteSorted(Object.keys(map)).map((key) => map[key]);
  },
  pick: ([d, ...names]) => {
    const map = dict(d);
    return Object.fromEntries(
      names
        .map(text)
        .filter((k) => Object.hasOwn(map, k))
        .map((k) => [k, map[k]]),
    );
  },
  omit: ([d, ...names]) => {
    const map = dict(d);
    const drop = new Set(names.map(text));
    return Object.fromEntries(Object.entries(map).filter(([k]) => !drop.has(k)));
  },
  merge: ([dst, ...sources]) =>
    sources.reduce((out, src) => merge(dict(out), dict(src), false), dst),
  mustMerge: ([dst, ...sources]) =>
    sources.reduce((out, src) => merge(dict(out), dict(src), false), dst),
  mergeOverwrite: ([dst, ...sources]) =>
    sources.reduce((out, src) => merge(dict(out), dict(src), true), dst),
  mustMergeOverwrite: ([dst, ...sources]) =>
    sources.reduce((out, src) => merge(dict(out), dict(src), true), dst),
  dig: (args) => {
    if (args.length < 3) throw new Error("dig needs at least three arguments");
    const keys = args.slice(0, -2).map(text);
    const fallback = args.at(-2);
    let value: unknown = dict(args.at(-1));
    for (const key of keys) {
      if (!isMap(value) || !Object.hasOwn(value, key)) return fallback;
      value = value[key];
    }
    return value;
  },
  // lists
  list: (args) => [...args],
  tuple: (args) => [...args],
  append: ([l, v]) => [...list(l, "append"), v],
  push: ([l, v]) => [...list(l, "push"), v],
  mustAppend: ([l, v]) => [...list(l, "mustAppend"), v],
  mustPush: ([l, v]) => [...list(l, "mustPush"), v],
  prepend: ([l, v]) => [v, ...list(l, "prepend")],
  mustPrepend: ([l, v]) => [v, ...list(l, "mustPrepend")],
  first: ([l]) => list(l, "first")[0],
  mustFirst: ([l]) => list(l, "mustFirst")[0],
  last: ([l]) => list(l, "last").at(-1),
  mustLast: ([l]) => list(l, "mustLast").at(-1),
  rest: ([l]) => (list(l, "rest").length === 0 ? undefined : list(l, "rest").slice(1)),
  mustRest: ([l]) => (list(l, "mustRest").length === 0 ? undefined : list(l, "mustRest").slice(1)),
  initial: ([l]) => (list(l, "initial").length === 0 ? undefined : list(l, "initial").slice(0, -1)),
  mustInitial: ([l]) =>
    list(l, "mustInitial").length === 0 ? undefined : list(l, "mustInitial").slice(0, -1),
  reverse: ([l]) => [...list(l, "reverse")].reverse(),
  mustReverse: ([l]) => [...list(l, "mustReverse")].reverse(),
  uniq: ([l]) => uniq(list(l, "uniq")),
  mustUniq: ([l]) => uniq(list(l, "mustUniq")),
  without: ([l, ...omit]) =>
    list(l, "without").filter((item) => !omit.some((o) => deepEqual(o, item))),
  mustWithout: ([l, ...omit]) =>
    list(l, "mustWithout").filter((item) => !omit.some((o) => deepEqual(o, item))),
  has: ([needle, l]) =>
    l === null || l === undefined ? false : list(l, "has").some((item) => deepEqual(item, needle)),
  mustHas: ([needle, l]) =>
    l === null || l === undefined
      ? false
      : list(l, "mustHas").some((item) => deepEqual(item, needle)),
  slice: ([l, ...indices]) => sliceOf(list(l, "slice"), indices),
  mustSlice: ([l, ...indices]) => sliceOf(list(l, "mustSlice"), indices),
  concat: (lists) => lists.flatMap((l) => (l === null || l === undefined ? [] : list(l, "concat"))),
  chunk: ([size, l]) => chunk(list(l, "chunk"), integer(size)),
  mustChunk: ([size, l]) => chunk(list(l, "mustChunk"), integer(size)),
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
  // random values (not reproducible, so not in the differential corpus)
  randAlphaNum: ([n]) =>
    randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", integer(n)),
  randAlpha: ([n]) =>
    randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", integer(n)),
  randNumeric: ([n]) => randomFrom("0123456789", integer(n)),
  randAscii: ([n]) =>
    randomFrom(
      Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join(""),
      integer(n),
    ),
  uuidv4: () => randomUUID(),
});

/** Sprig functions consul-template exposes that Strongbox does not implement, named in the refusal. */
export const SPRIG_UNSUPPORTED: ReadonlySet<string> = new Set(
  [
    "ago",
    "date",
    "date_in_zone",
    "date_modify",
    "dateInZone",
    "dateModify",
    "duration",
    "durationRound",
    "htmlDate",
    "htmlDateInZone",
    "must_date_modify",
    "mustDateModify",
    "mustToDate",
    "now",
    "toDate",
    "unixEpoch",
    "abbrev",
    "abbrevboth",
    "shuffle",
    "snakecase",
    "camelcase",
    "kebabcase",
    "b32dec",
    "getHostByName",
    "bcrypt",
    "htpasswd",
    "genPrivateKey",
    "derivePassword",
    "buildCustomCert",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "encryptAES",
    "decryptAES",
    "randBytes",
    "semver",
    "semverCompare",
    "urlParse",
    "urlJoin",
    "addf",
    "add1f",
    "subf",
    "divf",
    "mulf",
  ].map((name) => `sprig_${name}`),
);

function prefixed(functions: Record<string, Fn>): Record<string, Fn> {
  return Object.fromEntries(Object.entries(functions).map(([name, fn]) => [`sprig_${name}`, fn]));
}

const present = (value: unknown) => value !== null && value !== undefined;

/** Sprig's `strval`: a string as is, anything else as `%v` prints it. */
function strval(value: unknown): string {
  return typeof value === "string" ? value : goSprint(value as never);
}

/** Sprig's `strslice`: each non-nil element as text; a lone value as a one-element list. */
function strslice(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter(present).map(strval);
  return value === null || value === undefined ? [] : [strval(value)];
}

/** spf13/cast's ToInt64: numbers truncated, numeric strings (with 0x, 0o, 0b prefixes) parsed, else 0. */
function toInt(value: unknown): number {
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value !== "string") return 0;
  const trimmed = value.replace(/^([+-]?\d+)\.0*$/, "$1");
  if (/^[+-]?(0x[0-9a-f]+|0o?[0-7]+|0b[01]+|[1-9]\d*|0)$/i.test(trimmed)) {
    const negative = trimmed.startsWith("-");
    const body = trimmed.replace(/^[+-]/, "");
    const parsed = /^0[0-7]+$/.test(body)
      ? Number.parseInt(body, 8)
      : Number(body.replace(/^0o/i, "0o"));
    return negative ? -parsed : parsed;
  }
  return 0;
}

function toFloat(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value !== "string") return 0;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? Number(value) : 0;
}

/** Sprig's `empty`: nil, false, 0, "" and empty lists and maps. */
function empty(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "")
    return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isMap(value)) return Object.keys(value).length === 0;
  return false;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function dict(value: unknown): Record<string, unknown> {
  if (isMap(value)) return value;
  throw new Error(
    `wrong type for value; expected map[string]interface {}; got ${goType(value as never)}`,
  );
}

function list(value: unknown, name: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new Error(`Cannot find ${name} on type ${goType(value as never)}`);
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "invalid";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float64";
  return Array.isArray(value) ? "slice" : "map";
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

function uniq(items: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const item of items) if (!out.some((seen) => deepEqual(seen, item))) out.push(item);
  return out;
}

/** mergo: nested maps merged key by key; a source value fills a missing or empty one, or (with `overwrite`) replaces it. */
function merge(
  dst: Record<string, unknown>,
  src: Record<string, unknown>,
  overwrite: boolean,
): Record<string, unknown> {
  for (const [key, value] of Object.entries(src)) {
    const current = dst[key];
    if (isMap(current) && isMap(value)) merge(current, value, overwrite);
    else if (overwrite || !Object.hasOwn(dst, key) || empty(current)) dst[key] = value;
  }
  return dst;
}

function sliceOf(items: readonly unknown[], indices: readonly unknown[]): unknown[] {
  const start = indices.length > 0 ? toInt(indices[0]) : 0;
  const end = indices.length > 1 ? toInt(indices[1]) : items.length;
  if (start < 0 || end > items.length || start > end)
    throw new Error(`runtime error: slice bounds out of range [${start}:${end}]`);
  return items.slice(start, end);
}

function chunk(items: readonly unknown[], size: number): unknown[][] {
  if (size < 1) return [];
  const out: unknown[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function untilStep(start: number, stop: number, step: number): number[] {
  const out: number[] = [];
  if (stop < start) {
    if (step >= 0) return out;
    for (let i = start; i > stop; i += step) out.push(i);
    return out;
  }
  if (step <= 0) return out;
  for (let i = start; i < stop; i += step) out.push(i);
  return out;
}

/** Sprig's `seq`, after GNU seq: `seq END`, `seq START END`, `seq START STEP END`. */
function seq(params: readonly number[]): string {
  const join = (values: number[]) => values.join(" ");
  if (params.length === 1) {
    const end = params[0] as number;
    const increment = end < 1 ? -1 : 1;
    return join(untilStep(1, end + increment, increment));
  }
  if (params.length === 2) {
    const [start, end] = params as [number, number];
    const step = end < start ? -1 : 1;
    return join(untilStep(start, end + step, step));
  }
  if (params.length === 3) {
    const [start, step, end] = params as [number, number, number];
    if (end < start) {
      if (step > 0) return "";
      return join(untilStep(start, end - 1, step));
    }
    return join(untilStep(start, end + 1, step));
  }
  return "";
}

function pathClean(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out.at(-1) !== "..") out.pop();
      else if (!rooted) out.push("..");
    } else out.push(part);
  }
  const joined = out.join("/");
  return rooted ? `/${joined}` : joined === "" ? "." : joined;
}

function pathBase(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function pathDir(path: string): string {
  const at = path.lastIndexOf("/");
  return pathClean(path.slice(0, at + 1));
}

function adler32(bytes: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function base32(bytes: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.padEnd(Math.ceil(out.length / 8) * 8, "=");
}

function randomFrom(alphabet: string, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function safeJson(encode: () => string): string {
  try {
    return encode();
  } catch {
    return "";
  }
}
