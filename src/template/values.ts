import { StrongboxError } from "../errors.js";
import { byteLength } from "./go-bytes.js";
import { byteSorted, goSprint } from "./go-format.js";
import { goQueryEscape } from "./go-strings.js";

/** A template value: a secret's response, a map's field, what a function gave. */
export type Value = unknown;

/** A key read from a map that lacks it, while the pipeline is still deciding what that means. */
export const MISSING = Symbol("missing");
/** What `index` gives for a key the map lacks: Go's nil interface, printed `<no value>`. */
export const NO_VALUE = Symbol("no value");

export function isObject(value: Value): value is Record<string, Value> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Go's truth of a template value: false, 0, nil, "" and empty lists and maps are false. */
export function truthy(value: Value): boolean {
  if (
    value === undefined ||
    value === null ||
    value === false ||
    value === 0 ||
    value === "" ||
    value === MISSING ||
    value === NO_VALUE
  )
    return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** Go's `lt`, `le`, `gt`, `ge`: numbers with numbers, strings with strings, else an error. */
export function compare(name: string, a: Value, b: Value, where: string): boolean {
  const comparable =
    (typeof a === "number" && typeof b === "number") ||
    (typeof a === "string" && typeof b === "string");
  if (!comparable)
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where}: error calling ${name}: incompatible types for comparison`,
      {
        hint: "compare numbers with numbers and strings with strings (parseInt turns text into a number)",
      },
    );
  const x = a as number | string;
  const y = b as number | string;
  return name === "lt" ? x < y : name === "le" ? x <= y : name === "gt" ? x > y : x >= y;
}

/** Go's `index`: a key a map (or list) lacks gives Go's zero value, which prints as <no value>. */
export function goIndex(base: Value, keys: readonly Value[]): Value {
  return keys.reduce(
    (value: Value, key) =>
      (isObject(value) || Array.isArray(value)) && Object.hasOwn(value, String(key))
        ? (value as Record<string, Value>)[String(key)]
        : NO_VALUE,
    base,
  );
}

/** Go's `len`: of a string it counts bytes, not characters. */
export function goLen(value: Value): number {
  return typeof value === "string"
    ? byteLength(value)
    : Array.isArray(value)
      ? value.length
      : isObject(value)
        ? Object.keys(value).length
        : 0;
}

/** The entries `range` walks: a list's by index, a map's by key in byte order, else none. */
export function rangeItems(value: Value): ReadonlyArray<readonly [number | string, Value]> {
  if (Array.isArray(value)) return value.map((v, i) => [i, v] as const);
  if (isObject(value))
    return byteSorted(Object.keys(value)).map((key) => [key, value[key]] as const);
  return [];
}

/** A missing key formats as Go's nil. */
export function forFormat(value: Value): Value {
  return value === MISSING || value === NO_VALUE ? undefined : value;
}

/** How an action prints its value: Go's `fmt.Sprint` (maps as `map[k:v]`, lists as `[a b]`). */
export function stringify(value: Value): string {
  // A JSON null is Go's nil interface, which a template prints as <no value>.
  if (value === NO_VALUE || value === null) return "<no value>";
  if (value === undefined || value === MISSING) return "";
  return goSprint(value);
}

/** `fmt.Sprint` (spaces between operands when neither is a string) or `fmt.Sprintln` (always, and a newline). */
export function goPrint(args: readonly Value[], line: boolean): string {
  let out = "";
  for (const [i, arg] of args.entries()) {
    if (i > 0 && (line || (typeof arg !== "string" && typeof args[i - 1] !== "string"))) out += " ";
    out += arg === undefined ? "<nil>" : goSprint(arg as never);
  }
  return line ? `${out}\n` : out;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "'": "&#39;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&#34;",
  "\0": "\uFFFD",
};

/** Go's `html`: the arguments printed together, HTML-escaped. */
export function goHtml(args: readonly Value[]): string {
  return args
    .map((arg) => goSprint(forFormat(arg) as never))
    .join("")
    .replace(/[&'<>"\0]/g, (c) => HTML_ESCAPES[c] as string);
}

/** Go's `urlquery`: the arguments printed together, escaped as a query value. */
export function goUrlQuery(args: readonly Value[]): string {
  return goQueryEscape(args.map((arg) => goSprint(forFormat(arg) as never)).join(""));
}
