import { escapedByte, textToBytes } from "./go-bytes.js";

/**
 * Go's formatting, as consul-template's output depends on it: `fmt` verbs
 * (`printf`, and the printing of values), `strconv.Quote` (`%q`) and
 * `encoding/json` (`toJSON`). Values come from JSON (Vault's responses) and
 * template literals: strings, numbers, booleans, null, arrays and objects.
 */

/** What the renderer passes around; `undefined` is Go's missing value. */
export type GoValue = unknown;

const HEX = "0123456789abcdef";

/** `strconv.Quote`: printable runes kept, the rest escaped as Go escapes them. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    switch (char) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    const byte = escapedByte(char);
    if (byte !== undefined) out += `\\x${HEX[byte >> 4]}${HEX[byte & 15]}`;
    else if (code === 0xfffd && char !== "\ufffd") out += "\\ufffd";
    else if (code < 0x20 || code === 0x7f) out += `\\x${HEX[code >> 4]}${HEX[code & 15]}`;
    else if (isPrint(code)) out += char;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/**
 * Go's `unicode.IsPrint` for the ranges templates meet: letters, marks,
 * numbers, punctuation, symbols and the ASCII space; not other spaces (U+00A0,
 * U+2028), controls, format characters, surrogates or unassigned planes.
 */
function isPrint(code: number): boolean {
  if (code === 0x20) return true;
  const char = String.fromCodePoint(code);
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(char);
}

/**
 * `encoding/json.Marshal`: keys sorted by bytes, `<`, `>`, `&`, U+2028 and
 * U+2029 escaped; with `escapeHtml` false (`SetEscapeHTML(false)`), only the
 * two line separators, which Go's encoder always escapes.
 */
export function goJson(value: GoValue, indent?: string, escapeHtml = true): string {
  // A byte that is not UTF-8 (a lone surrogate here) is written as U+FFFD, as Go's encoder does.
  const text = JSON.stringify(sortKeys(value) ?? null, null, indent).replace(
    /\\(\\|udc[89a-f][0-9a-f])/g,
    (whole, escaped: string) => (escaped === "\\" ? whole : "\ufffd"),
  );
  return text.replace(
    escapeHtml ? /[<>&\u2028\u2029]/g : /[\u2028\u2029]/g,
    (char) => `\\u${(char.codePointAt(0) as number).toString(16).padStart(4, "0")}`,
  );
}

function sortKeys(value: GoValue): GoValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, GoValue> = {};
  for (const key of byteSorted(Object.keys(value)))
    out[key] = sortKeys((value as Record<string, GoValue>)[key]);
  return out;
}

/** Go sorts map keys by their bytes (UTF-8, and a byte that is not UTF-8 as itself), not in JavaScript's UTF-16 order. */
export function byteSorted(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(textToBytes(a), textToBytes(b)));
}

/**
 * Containers made by `parseJSON`: Go decodes every JSON number in them as a
 * float64, which prints as `1e+06` (not `1000000`) and as `5.0` in TOML. A
 * JavaScript number cannot carry its Go type, its container can.
 */
const FLOAT_CONTAINERS = new WeakSet<object>();

/** Marks the maps and lists of a decoded JSON document as holding float64s. */
export function markJsonFloats<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    FLOAT_CONTAINERS.add(value);
    for (const item of Object.values(value)) markJsonFloats(item);
  }
  return value;
}

/** Whether the numbers in this map or list are Go float64s (from `parseJSON`). */
export function holdsFloats(container: object): boolean {
  return FLOAT_CONTAINERS.has(container);
}

/** `%v` of a float64: Go's shortest `%g`, integral values included (1e+06). */
export function goFloat(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  return goNumber(value, true);
}

/** `fmt.Sprint` of one value (`%v`): how a template prints `{{ . }}`. */
export function goSprint(value: GoValue): string {
  if (value === undefined) return "<no value>";
  if (value === null) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return goNumber(value);
  if (Array.isArray(value)) {
    const floats = holdsFloats(value);
    return `[${value.map((item) => nested(item, floats)).join(" ")}]`;
  }
  if (typeof value === "object") {
    const map = value as Record<string, GoValue>;
    const floats = holdsFloats(map);
    return `map[${byteSorted(Object.keys(map))
      .map((key) => `${key}:${nested(map[key], floats)}`)
      .join(" ")}]`;
  }
  return String(value);
}

/** Inside a map or slice, a nil prints as <nil> and a string as itself. */
function nested(value: GoValue, floats: boolean): string {
  if (floats && typeof value === "number") return goFloat(value);
  return value === undefined || value === null ? "<nil>" : goSprint(value);
}

/** `%v` of a number: integers as integers, floats as Go's shortest `%g`. */
export function goNumber(value: number, float = false): string {
  if (!float && Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
  // Go's shortest %g switches to an exponent from 1e6 up (strconv's eprec of 6), and below 1e-4.
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, exp] = value.toExponential().split("e") as [string, string];
    const sign = exp.startsWith("-") ? "-" : "+";
    return `${mantissa}e${sign}${exp.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  return String(value);
}

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  sharp: boolean;
  width?: number;
  precision?: number;
}

/** `fmt.Sprintf` for the verbs templates use: v s q d x X o b f F e E g t c, with flags, width and precision. */
export function goSprintf(format: string, args: readonly GoValue[]): string {
  let out = "";
  let next = 0;
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf("%", i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec: Spec = { minus: false, plus: false, space: false, zero: false, sharp: false };
    for (; i < format.length; i++) {
      const flag = format[i];
      if (flag === "-") spec.minus = true;
      else if (flag === "+") spec.plus = true;
      else if (flag === " ") spec.space = true;
      else if (flag === "0") spec.zero = true;
      else if (flag === "#") spec.sharp = true;
      else break;
    }
    const number = () => {
      if (format[i] === "*") {
        i++;
        const value = args[next++];
        return typeof value === "number" ? Math.trunc(value) : undefined;
      }
      const match = /^[0-9]+/.exec(format.slice(i));
      if (match === null) return undefined;
      i += match[0].length;
      return Number(match[0]);
    };
    const width = number();
    if (width !== undefined) spec.width = width;
    if (format[i] === ".") {
      i++;
      spec.precision = number() ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += "%!(NOVERB)";
      break;
    }
    i++;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (next >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[next++], spec);
  }
  if (next < args.length)
    out += `%!(EXTRA ${args
      .slice(next)
      .map((arg) => `${goType(arg)}=${goSprint(arg)}`)
      .join(", ")})`;
  return out;
}

function formatOne(verb: string, value: GoValue, spec: Spec): string {
  const isInt = typeof value === "number" && Number.isInteger(value);
  switch (verb) {
    case "v":
      if (typeof value === "number") return pad(signed(goNumber(value), value, spec), spec);
      return pad(goSprint(value), spec);
    case "s":
      if (typeof value === "string" || value === undefined)
        return pad(truncate(value === undefined ? "%!s(<nil>)" : value, spec), spec);
      if (typeof value === "object" && value !== null) return pad(goSprint(value), spec);
      return bad(verb, value);
    case "q":
      if (typeof value === "string") return pad(goQuote(truncate(value, spec)), spec);
      return bad(verb, value);
    case "t":
      return typeof value === "boolean" ? pad(String(value), spec) : bad(verb, value);
    case "d":
    case "b":
    case "o":
    case "c":
      if (!isInt) return bad(verb, value);
      if (verb === "c") return pad(String.fromCodePoint(value as number), spec);
      return integer(value as number, verb === "d" ? 10 : verb === "b" ? 2 : 8, spec, false);
    case "x":
    case "X": {
      if (isInt) return integer(value as number, 16, spec, verb === "X");
      if (typeof value === "string") {
        const hex = textToBytes(value).toString("hex");
        return pad(verb === "X" ? hex.toUpperCase() : hex, spec);
      }
      return bad(verb, value);
    }
    case "f":
    case "F":
    case "e":
    case "E":
    case "g":
    case "G": {
      if (typeof value !== "number") return bad(verb, value);
      const lower = verb.toLowerCase();
      let text: string;
      if (lower === "f") text = value.toFixed(spec.precision ?? 6);
      else if (lower === "e") text = goExponent(value.toExponential(spec.precision ?? 6));
      else
        text =
          spec.precision === undefined ? goNumber(value) : goExponentOrFixed(value, spec.precision);
      if (verb === "E" || verb === "G") text = text.toUpperCase();
      return pad(signed(text, value, spec), spec, true);
    }
    default:
      return `%!${verb}(${goType(value)}=${goSprint(value)})`;
  }
}

function bad(verb: string, value: GoValue): string {
  return `%!${verb}(${goType(value)}=${goSprint(value)})`;
}

/** The Go type a JSON or literal value has in consul-template (for `%!d(string=x)` and errors). */
export function goType(value: GoValue): string {
  if (value === undefined || value === null) return "<nil>";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float64";
  if (Array.isArray(value)) return "[]interface {}";
  return "map[string]interface {}";
}

function integer(value: number, radix: number, spec: Spec, upper: boolean): string {
  let digits = Math.abs(value).toString(radix);
  if (upper) digits = digits.toUpperCase();
  if (spec.precision !== undefined) digits = digits.padStart(spec.precision, "0");
  if (spec.sharp && radix === 16) digits = `0${upper ? "X" : "x"}${digits}`;
  else if (spec.sharp && radix === 8 && !digits.startsWith("0")) digits = `0${digits}`;
  const sign = value < 0 ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  return pad(sign + digits, spec, spec.precision === undefined);
}

function signed(text: string, value: number, spec: Spec): string {
  if (value >= 0 && !text.startsWith("-")) {
    if (spec.plus) return `+${text}`;
    if (spec.space) return ` ${text}`;
  }
  return text;
}

/** Go writes exponents with at least two digits: 1e+06, not 1e+6. */
function goExponent(text: string): string {
  return text.replace(/e([+-])(\d)$/, "e$10$2");
}

function goExponentOrFixed(value: number, precision: number): string {
  const p = precision === 0 ? 1 : precision;
  const exponent = value === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= p)
    return goExponent(value.toExponential(p - 1).replace(/\.?0+e/, "e"));
  return String(Number(value.toPrecision(p)));
}

function truncate(text: string, spec: Spec): string {
  return spec.precision === undefined ? text : [...text].slice(0, spec.precision).join("");
}

/** Pads to the width in runes: spaces, left or right, or zeros after the sign for numbers. */
function pad(text: string, spec: Spec, numeric = false): string {
  const width = spec.width ?? 0;
  const length = [...text].length;
  if (length >= width) return text;
  const fill = width - length;
  if (spec.minus) return text + " ".repeat(fill);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(text) ? (text[0] as string) : "";
    return sign + "0".repeat(fill) + text.slice(sign.length);
  }
  return " ".repeat(fill) + text;
}
