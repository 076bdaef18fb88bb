/** Finds the value of a variable for `${VAR}` expansion; undefined when unset. */
export type Lookup = (name: string) => string | undefined;

export interface InterpretOptions {
  /** Process backslash escapes (double-quoted values). */
  readonly escapes: boolean;
  /** Expand `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR-default}`; off when undefined. */
  readonly lookup: Lookup | undefined;
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\", $: "$" };
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Turns the raw text of a `.env` value into its value in one pass, so an escaped
 * `\$` stays a literal dollar and an expanded value is never expanded again
 * (a secret containing `${X}` is data, not a template). An unset variable
 * expands to the empty string, as in a shell.
 */
export function interpret(raw: string, options: InterpretOptions): string {
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const char = raw[i] as string;
    if (char === "\\" && options.escapes && i + 1 < raw.length) {
      const next = raw[i + 1] as string;
      out += ESCAPES[next] ?? `\\${next}`;
      i += 2;
    } else if (char === "$" && options.lookup !== undefined) {
      const expansion = expandAt(raw, i, options);
      out += expansion.text;
      i = expansion.end;
    } else {
      out += char;
      i += 1;
    }
  }
  return out;
}

function expandAt(
  raw: string,
  at: number,
  options: InterpretOptions,
): { text: string; end: number } {
  const lookup = options.lookup as Lookup;
  if (raw[at + 1] !== "{") {
    const name = NAME.exec(raw.slice(at + 1))?.[0];
    if (name === undefined) return { text: "$", end: at + 1 };
    return { text: lookup(name) ?? "", end: at + 1 + name.length };
  }
  const close = matchingBrace(raw, at + 2);
  if (close < 0) return { text: "$", end: at + 1 };
  const inner = raw.slice(at + 2, close);
  const name = NAME.exec(inner)?.[0];
  if (name === undefined) return { text: raw.slice(at, close + 1), end: close + 1 };
  const operator = inner.slice(name.length);
  const value = lookup(name);
  if (operator.startsWith(":-")) {
    const fallback = interpret(operator.slice(2), options);
    return { text: value === undefined || value === "" ? fallback : value, end: close + 1 };
  }
  if (operator.startsWith("-")) {
    const fallback = interpret(operator.slice(1), options);
    return { text: value ?? fallback, end: close + 1 };
  }
  if (operator !== "") return { text: raw.slice(at, close + 1), end: close + 1 };
  return { text: value ?? "", end: close + 1 };
}

function matchingBrace(raw: string, from: number): number {
  let depth = 1;
  for (let i = from; i < raw.length; i++) {
    if (raw[i] === "{") depth++;
    else if (raw[i] === "}" && --depth === 0) return i;
  }
  return -1;
}
