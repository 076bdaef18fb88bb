/**
 * The little of Python's lexical structure a static reader of a settings
 * class needs: logical lines (brackets, backslashes and triple-quoted strings
 * join physical lines; comments are dropped), top-level argument splitting,
 * and literals. Never evaluates anything.
 */

/** One logical line: its text without comments, where it starts, and the comment right above. */
export interface LogicalLine {
  readonly text: string;
  readonly indent: number;
  /** 1-based line where it starts. */
  readonly line: number;
  /** The `#` comment on the physical line right above, if any. */
  readonly comment?: string;
}

/** State of the scanner between characters. */
interface Scan {
  depth: number;
  quote: string | undefined;
  text: string;
}

/** The logical lines of a Python file, blank and comment-only lines left out. */
export function logicalLines(source: string): LogicalLine[] {
  const physical = source.replace(/\r\n?/g, "\n").split("\n");
  const out: LogicalLine[] = [];
  let current: { start: number; indent: number; comment?: string } | undefined;
  const scan: Scan = { depth: 0, quote: undefined, text: "" };
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i] ?? "";
    if (current === undefined) {
      if (/^\s*(#.*)?$/.test(raw)) continue;
      const above = /^\s*#\s?(.*)$/.exec(physical[i - 1] ?? "")?.[1]?.trim();
      current = {
        start: i + 1,
        indent: (/^[ \t]*/.exec(raw)?.[0] ?? "").replace(/\t/g, "        ").length,
        ...(above ? { comment: above } : {}),
      };
    }
    const continued = scanLine(raw, scan);
    if (scan.depth > 0 || scan.quote !== undefined || continued) {
      scan.text += scan.quote === undefined ? " " : "\n";
      continue;
    }
    out.push({
      text: scan.text.trim(),
      indent: current.indent,
      line: current.start,
      ...(current.comment === undefined ? {} : { comment: current.comment }),
    });
    scan.text = "";
    current = undefined;
  }
  return out;
}

/** Adds one physical line to the scan; true when it ends in a backslash continuation. */
function scanLine(raw: string, scan: Scan): boolean {
  for (let j = 0; j < raw.length; j++) {
    const char = raw[j] as string;
    if (scan.quote !== undefined) {
      if (char === "\\") {
        scan.text += raw.slice(j, j + 2);
        j++;
      } else if (raw.startsWith(scan.quote, j)) {
        scan.text += scan.quote;
        j += scan.quote.length - 1;
        scan.quote = undefined;
      } else scan.text += char;
      continue;
    }
    if (char === "#") break;
    if (char === '"' || char === "'") {
      scan.quote = raw.startsWith(char.repeat(3), j) ? char.repeat(3) : char;
      scan.text += scan.quote;
      j += scan.quote.length - 1;
      continue;
    }
    if ("([{".includes(char)) scan.depth++;
    if (")]}".includes(char)) scan.depth = Math.max(0, scan.depth - 1);
    if (char === "\\" && j === raw.length - 1) return true;
    scan.text += char;
  }
  // A single-quoted string cannot span lines: end it so a stray quote cannot swallow the file.
  if (scan.quote?.length === 1) scan.quote = undefined;
  return false;
}

/**
 * Splits `a, b=c, d` at top-level separators (not inside brackets or strings):
 * positional arguments in order, and `name=value` ones by name.
 */
export function splitArguments(
  text: string,
  separator = ",",
): { positional: string[]; named: Map<string, string> } {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let part = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote !== undefined) {
      if (char === "\\") {
        part += text.slice(i, i + 2);
        i++;
        continue;
      }
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if ("([{".includes(char)) depth++;
    else if (")]}".includes(char)) depth--;
    else if (char === separator && depth === 0) {
      parts.push(part.trim());
      part = "";
      continue;
    }
    part += char;
  }
  if (part.trim() !== "") parts.push(part.trim());
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (const item of parts) {
    const keyword = separator === "," ? /^([A-Za-z_]\w*)\s*=(?!=)\s*(.*)$/s.exec(item) : null;
    if (keyword === null) positional.push(item);
    else named.set(keyword[1] ?? "", (keyword[2] ?? "").trim());
  }
  return { positional, named };
}

/** A Python literal's value (str, int, float, bool, None), or undefined for anything else. */
export function pythonLiteral(text: string): string | number | boolean | null | undefined {
  const value = text.trim();
  if (value === "None") return null;
  if (value === "True") return true;
  if (value === "False") return false;
  if (/^[-+]?\d[\d_]*$/.test(value)) return Number(value.replaceAll("_", ""));
  if (/^[-+]?(\d[\d_]*)?\.\d[\d_]*([eE][-+]?\d+)?$|^[-+]?\d[\d_]*[eE][-+]?\d+$/.test(value))
    return Number(value.replaceAll("_", ""));
  const string = /^([rRuU]?)("""|'''|"|')([\s\S]*)\2$/.exec(value);
  if (string === null) return undefined;
  const body = string[3] ?? "";
  // Adjacent literals ("a" "b") are an expression here: an unescaped closing quote inside.
  if (string[2]?.length === 1 && hasUnescaped(body, string[2])) return undefined;
  return string[1]?.toLowerCase() === "r" ? body : unescapePython(body);
}

function hasUnescaped(body: string, quote: string): boolean {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "\\") i++;
    else if (body[i] === quote) return true;
  }
  return false;
}

function unescapePython(body: string): string {
  return body.replace(/\\(.)/gs, (_all, char: string) =>
    char === "n" ? "\n" : char === "t" ? "\t" : char === "\n" ? "" : char,
  );
}
