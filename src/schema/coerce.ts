import type { VariableSpec } from "./types.js";

/** The outcome of turning a source string into a typed value. `expected` never quotes the input. */
export type Coerced = { ok: true; value: unknown } | { ok: false; expected: string };

const INT = /^[+-]?\d+$/;
const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const ok = (value: unknown): Coerced => ({ ok: true, value });
const fail = (expected: string): Coerced => ({ ok: false, expected });

/**
 * Coerces `raw` for a built-in type. Variables with a Standard Schema are
 * validated elsewhere (their validators may be async).
 */
export function coerceBuiltin(spec: VariableSpec, raw: string): Coerced {
  switch (spec.type) {
    case undefined:
    case "string":
      return coerceString("pattern" in spec ? spec.pattern : undefined, raw);
    case "url":
      return coerceUrl(spec.protocols, raw);
    case "int":
      return coerceNumber(raw, true, spec.min, spec.max);
    case "number":
      return coerceNumber(raw, false, spec.min, spec.max);
    case "port":
      return coerceNumber(raw, true, 1, 65535, "a port number (1-65535)");
    case "boolean":
      return coerceBoolean(raw);
    case "enum":
      return spec.values.includes(raw) ? ok(raw) : fail(`one of ${spec.values.join(", ")}`);
    case "json":
      return coerceJson(raw);
    case "duration":
      return parseDuration(raw);
    case "list":
      return ok(splitList(raw, spec.separator ?? ","));
  }
}

function coerceString(pattern: string | undefined, raw: string): Coerced {
  if (pattern === undefined) return ok(raw);
  return new RegExp(`^(?:${pattern})$`, "u").test(raw)
    ? ok(raw)
    : fail(`a value matching /${pattern}/`);
}

function coerceUrl(protocols: readonly string[] | undefined, raw: string): Coerced {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail("an absolute URL");
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocols !== undefined && !protocols.includes(protocol)) {
    return fail(`a URL with protocol ${protocols.join(" or ")}`);
  }
  return ok(raw);
}

function coerceNumber(
  raw: string,
  integer: boolean,
  min: number | undefined,
  max: number | undefined,
  label?: string,
): Coerced {
  const text = raw.trim();
  const what = label ?? (integer ? "an integer" : "a number");
  if (integer ? !INT.test(text) : text === "") return fail(what);
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) return fail(what);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    return fail(label ?? `${what} in ${min ?? "-∞"}..${max ?? "∞"}`);
  }
  return ok(value);
}

function coerceBoolean(raw: string): Coerced {
  const text = raw.trim().toLowerCase();
  if (TRUE.has(text)) return ok(true);
  if (FALSE.has(text)) return ok(false);
  return fail("a boolean (true/false, 1/0, yes/no, on/off)");
}

function coerceJson(raw: string): Coerced {
  try {
    return ok(JSON.parse(raw));
  } catch {
    return fail("valid JSON");
  }
}

/** Parses `"1h30m"`, `"250ms"` or a bare number of milliseconds into milliseconds. */
export function parseDuration(raw: string): Coerced {
  const text = raw.trim();
  if (/^\d+$/.test(text)) return ok(Number(text));
  if (!DURATION.test(text)) return fail('a duration such as "500ms", "30s", "5m" or "1h30m"');
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    total += Number(amount) * (UNIT_MS[unit ?? "ms"] ?? 1);
  }
  return ok(total);
}

function splitList(raw: string, separator: string): readonly string[] {
  return raw
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/**
 * The string form of a typed default, as a source would hold it, so a default
 * goes through exactly the same coercion as a value read from a file.
 */
export function defaultToRaw(spec: VariableSpec): string | undefined {
  const value: unknown = spec.default;
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (spec.type === "json") return JSON.stringify(value);
  if (spec.type === "list" && Array.isArray(value)) return value.join(spec.separator ?? ",");
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
