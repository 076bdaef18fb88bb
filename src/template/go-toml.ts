import { holdsFloats } from "./go-format.js";

/**
 * consul-template's `toTOML`: what BurntSushi/toml's encoder writes for a map,
 * with surrounding white space trimmed. Plain keys first, then tables and
 * arrays of tables, each group sorted; nested tables indented two spaces per
 * level; null values left out. A number is Go's int when integral (Vault's
 * data and YAML give ints) unless it came from `parseJSON`, whose numbers are
 * all float64s (which TOML writes with a decimal point: `5.0`).
 */
export function goToml(value: unknown): string {
  if (!isMap(value)) throw new Error(`toTOML: toml: top-level values must be Go maps or structs`);
  const out: string[] = [];
  table(out, [], value);
  return out.join("").trim();
}

type Map = Record<string, unknown>;

function isMap(value: unknown): value is Map {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTableArray(value: unknown): value is Map[] {
  return Array.isArray(value) && value.length > 0 && value.every(isMap);
}

const isTable = (value: unknown) => isMap(value) || isTableArray(value);

function table(out: string[], key: readonly string[], map: Map): void {
  const keys = Object.keys(map).filter((k) => map[k] !== null && map[k] !== undefined);
  const direct = keys.filter((k) => !isTable(map[k])).sort(byBytes);
  const sub = keys.filter((k) => isTable(map[k])).sort(byBytes);
  for (const k of direct) {
    const inner = "  ".repeat(key.length);
    out.push(`${inner}${quoteKey(k)} = ${element(map[k], holdsFloats(map))}\n`);
  }
  for (const k of sub) {
    const path = [...key, k];
    const value = map[k];
    const pad = "  ".repeat(path.length - 1);
    if (isTableArray(value)) {
      for (const item of value) {
        if (out.length > 0) out.push("\n");
        out.push(`${pad}[[${path.map(quoteKey).join(".")}]]\n`);
        table(out, path, item);
      }
    } else {
      if (path.length === 1 && out.length > 0) out.push("\n");
      out.push(`${pad}[${path.map(quoteKey).join(".")}]\n`);
      table(out, path, value as Map);
    }
  }
}

function element(value: unknown, float: boolean): string {
  if (typeof value === "string") return `"${escapeToml(value)}"`;
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value < 0 ? "-inf" : "inf";
    if (Number.isInteger(value) && !float) return value.toFixed(0);
    const text = formatFloat(value);
    return text.includes(".") ? text : `${text}.0`;
  }
  if (Array.isArray(value)) {
    if (value.some((item) => item === null || item === undefined))
      throw new Error("toTOML: toml: cannot encode array with nil element");
    return `[${value.map((item) => element(item, holdsFloats(value))).join(", ")}]`;
  }
  if (isMap(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== null && value[k] !== undefined);
    const direct = keys.filter((k) => !isTable(value[k])).sort(byBytes);
    const sub = keys.filter((k) => isTable(value[k])).sort(byBytes);
    const parts = [...direct, ...sub].map(
      (k) => `${quoteKey(k)} = ${element(value[k], holdsFloats(value))}`,
    );
    return `{${parts.join(", ")}}`;
  }
  throw new Error(`toTOML: toml: unsupported type ${typeof value}`);
}

/** strconv.FormatFloat(f, 'f', -1, 64): shortest digits, never an exponent. */
function formatFloat(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  const [mantissa = "", exponentText = "0"] = text.toLowerCase().split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const [whole = "", fraction = ""] = mantissa.replace("-", "").split(".");
  const digits = whole + fraction;
  const point = whole.length + exponent;
  const body =
    point <= 0
      ? `0.${"0".repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + "0".repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? "-" : "") + body;
}

function quoteKey(key: string): string {
  if (key === "") return '""';
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : `"${escapeToml(key)}"`;
}

function escapeToml(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (char === "\b") out += "\\b";
    else if (char === "\t") out += "\\t";
    else if (char === "\n") out += "\\n";
    else if (char === "\f") out += "\\f";
    else if (char === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return out;
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
