import { integer, text } from "./functions.js";
import { byteSorted, goType } from "./go-format.js";
import {
  deepEqual,
  dict,
  empty,
  type Fn,
  isMap,
  kindOf,
  list,
  strval,
  toInt,
} from "./sprig-cast.js";

/**
 * Sprig's defaults and flow, dictionaries, lists, types and deep copies.
 * Unprefixed: sprig.ts names them `sprig_NAME`.
 */
export const SPRIG_COLLECTIONS: Readonly<Record<string, Fn>> = {
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
  // copies
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
};

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
