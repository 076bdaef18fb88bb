import { goSprint, goType } from "./go-format.js";

/** A Sprig function: its arguments in Sprig's order (the piped value last), its value out. */
export type Fn = (args: unknown[]) => unknown;

export const present = (value: unknown) => value !== null && value !== undefined;

/** Sprig's `strval`: a string as is, anything else as `%v` prints it. */
export function strval(value: unknown): string {
  return typeof value === "string" ? value : goSprint(value as never);
}

/** Sprig's `strslice`: each non-nil element as text; a lone value as a one-element list. */
export function strslice(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter(present).map(strval);
  return value === null || value === undefined ? [] : [strval(value)];
}

/** spf13/cast's ToInt64: numbers truncated, numeric strings (with 0x, 0o, 0b prefixes) parsed, else 0. */
export function toInt(value: unknown): number {
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

export function toFloat(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value !== "string") return 0;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? Number(value) : 0;
}

/** Sprig's `empty`: nil, false, 0, "" and empty lists and maps. */
export function empty(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "")
    return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isMap(value)) return Object.keys(value).length === 0;
  return false;
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function dict(value: unknown): Record<string, unknown> {
  if (isMap(value)) return value;
  throw new Error(
    `wrong type for value; expected map[string]interface {}; got ${goType(value as never)}`,
  );
}

export function list(value: unknown, name: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new Error(`Cannot find ${name} on type ${goType(value as never)}`);
}

export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "invalid";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float64";
  return Array.isArray(value) ? "slice" : "map";
}

export function deepEqual(a: unknown, b: unknown): boolean {
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
