/**
 * Go's `regexp` on the renderer's byte strings. Go's matcher reads a byte that
 * is not UTF-8 as U+FFFD of width one (so `.`, `[^a]` and `\x{FFFD}` match it)
 * and copies the bytes it does not replace as they are. A regular expression
 * here runs on a view of the text with each escaped byte shown as U+FFFD (one
 * UTF-16 unit for one, so every index holds), and what it finds is cut from
 * the text itself.
 */
import { rereadBytes } from "./go-bytes.js";

/** RE2 syntax as JavaScript understands it; `(?P<name>` is Go's spelling of a named group. */
export function goRegex(source: string, flags: string): RegExp {
  try {
    return new RegExp(source.replace(/\(\?P</g, "(?<"), `${flags}du`);
  } catch {
    throw new Error(
      `error parsing regexp: invalid or unsupported expression ${JSON.stringify(source)}`,
    );
  }
}

/** The text as Go's matcher reads it: each escaped byte (not the low half of a real pair) as U+FFFD. */
function view(value: string): string {
  return value.replace(/(?<![\ud800-\udbff])[\udc80-\udcff]/g, "\ufffd");
}

/** Every match, as index ranges of the whole and of each group (undefined when a group took no part). */
function matches(re: RegExp, value: string, n = -1): RegExpExecArray[] {
  const all = [...view(value).matchAll(re)];
  return n < 0 ? all : all.slice(0, n);
}

function whole(match: RegExpExecArray): [number, number] {
  return match.indices?.[0] as [number, number];
}

/** `MatchString`. */
export function goRegexMatch(re: RegExp, value: string): boolean {
  return re.test(view(value));
}

/** `FindString`: the first match, cut from the text. */
export function goRegexFind(re: RegExp, value: string): string {
  const match = re.exec(view(value));
  return match === null ? "" : value.slice(...whole(match));
}

/** `FindAllString(s, n)`. */
export function goRegexFindAll(re: RegExp, value: string, n: number): string[] {
  return matches(re, value, n).map((match) => value.slice(...whole(match)));
}

/** `ReplaceAllString` (Go's `$1`, `${name}`, `$$` expanded from the text's own bytes) or `ReplaceAllLiteralString`. */
export function goRegexReplaceAll(
  re: RegExp,
  value: string,
  template: string,
  literal: boolean,
): string {
  let out = "";
  let last = 0;
  for (const match of matches(re, value)) {
    const [start, end] = whole(match);
    out += value.slice(last, start) + (literal ? template : expand(template, match, value));
    last = end;
  }
  // Pieces put side by side may make a character of two halves, as in Go's bytes.
  return rereadBytes(out + value.slice(last));
}

/** `Regexp.Expand`: `$$` a dollar, `$name`/`${name}` a group (number or name; unknown is empty), a malformed `$` kept. */
function expand(template: string, match: RegExpExecArray, value: string): string {
  return template.replace(
    /\$(?:(\$)|\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))?/gu,
    (all, dollar, braced, bare) => {
      if (dollar !== undefined) return "$";
      const name = (braced ?? bare) as string | undefined;
      if (name === undefined) return all;
      const range = /^\d+$/.test(name)
        ? match.indices?.[Number(name)]
        : match.indices?.groups?.[name];
      return range === undefined ? "" : value.slice(...range);
    },
  );
}

/** `Regexp.Split(s, n)`: at most `n` parts (all when negative), an empty match at either end skipped. */
export function goRegexSplit(re: RegExp, value: string, n: number): string[] {
  if (n === 0) return [];
  if (re.source !== "(?:)" && value === "") return [""];
  const parts: string[] = [];
  let begin = 0;
  let end = 0;
  for (const match of matches(re, value, n)) {
    if (n > 0 && parts.length === n - 1) break;
    const [start, stop] = whole(match);
    end = start;
    if (stop !== 0) parts.push(value.slice(begin, end));
    begin = stop;
  }
  if (end !== value.length) parts.push(value.slice(begin));
  return parts;
}
