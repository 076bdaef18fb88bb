/**
 * Go's `strings` and `unicode` packages on the renderer's byte strings (see
 * go-bytes.ts: a byte that is not part of valid UTF-8 is held as one escape).
 * Two rules make a template function behave as Go's on any bytes, and they
 * live here so each function follows them by calling these helpers:
 *
 * - Cutting and joining is done on the bytes (`Repeat`, `Replace`, `Split`,
 *   `Join`, slicing): joined pieces can make a whole character of two halves
 *   (EB 98 + BF is 똿), a byte needle can cut a character, and the next
 *   function must read the runes Go reads.
 * - Reading runes is done as Go's `range` does: an invalid byte is the rune
 *   U+FFFD of width one. `strings.Map` (case mapping) writes every invalid byte
 *   as U+FFFD (EF BF BD) once it rebuilds the string; a trim or a search leaves
 *   the bytes it keeps as they were.
 */

import { bytesToText, escapedByte, textToBytes } from "./go-bytes.js";
import { GO_CASE_RANGES } from "./go-case-table.js";

const RUNE_ERROR = 0xfffd;
const UPPER_LOWER = 0x110000;
const UPPER = 0;
const LOWER = 1;
const TITLE = 2;

/** The rune Go's `range` reads for one character of a template string: an escaped byte is U+FFFD. */
export function runeOf(char: string): number {
  return escapedByte(char) === undefined ? (char.codePointAt(0) as number) : RUNE_ERROR;
}

/** `[]rune(s)`: every invalid byte becomes U+FFFD. */
export function goRunes(value: string): number[] {
  return Array.from(value, runeOf);
}

/** `string(runes)`. */
export function fromRunes(runes: readonly number[]): string {
  return runes.map((rune) => String.fromCodePoint(rune)).join("");
}

/** Bytes, cut or joined, read back as Go would read them. */
function onBytes(value: string, fn: (bytes: Buffer) => Buffer): string {
  return bytesToText(fn(textToBytes(value)));
}

/** `strings.Map`: each rune mapped (a negative result dropped), every invalid byte read as U+FFFD. */
export function goMap(value: string, mapping: (rune: number) => number): string {
  let out = "";
  let changed = false;
  for (const char of value) {
    const rune = runeOf(char);
    const mapped = mapping(rune);
    // Go keeps the input only when no rune changed and no byte was invalid.
    if (mapped !== rune || escapedByte(char) !== undefined) changed = true;
    if (mapped >= 0) out += String.fromCodePoint(mapped);
  }
  return changed ? out : value;
}

/** `unicode.To`: Go's case table, not JavaScript's (İ lowers to i, ǆ titles to ǅ, and a rune maps to one rune). */
function to(which: number, rune: number): number {
  let lo = 0;
  let hi = GO_CASE_RANGES.length / 5;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    const start = GO_CASE_RANGES[m * 5] as number;
    const end = GO_CASE_RANGES[m * 5 + 1] as number;
    if (rune >= start && rune <= end) {
      const delta = GO_CASE_RANGES[m * 5 + 2 + which] as number;
      // Alternating upper/lower pairs: even offsets upper, odd lower (Go's UpperLower).
      if (delta === UPPER_LOWER) return start + (((rune - start) & ~1) | (which & 1));
      return rune + delta;
    }
    if (rune < start) hi = m;
    else lo = m + 1;
  }
  return rune;
}

export const toUpperRune = (rune: number): number => to(UPPER, rune);
export const toLowerRune = (rune: number): number => to(LOWER, rune);
export const toTitleRune = (rune: number): number => to(TITLE, rune);

/** `strings.ToUpper`. */
export const goToUpper = (value: string): string => goMap(value, toUpperRune);
/** `strings.ToLower`. */
export const goToLower = (value: string): string => goMap(value, toLowerRune);

export function isUpperRune(rune: number): boolean {
  return /\p{Lu}/u.test(String.fromCodePoint(rune));
}
export function isLowerRune(rune: number): boolean {
  return /\p{Ll}/u.test(String.fromCodePoint(rune));
}
export function isTitleRune(rune: number): boolean {
  return /\p{Lt}/u.test(String.fromCodePoint(rune));
}
export function isLetterRune(rune: number): boolean {
  return /\p{L}/u.test(String.fromCodePoint(rune));
}
export function isDigitRune(rune: number): boolean {
  return /\p{Nd}/u.test(String.fromCodePoint(rune));
}

/** `unicode.IsSpace`: Latin-1's six plus U+0085 and U+00A0, and White_Space beyond (not the BOM). */
export function isSpaceRune(rune: number): boolean {
  if (rune <= 0xff) return [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0].includes(rune);
  return /\p{White_Space}/u.test(String.fromCodePoint(rune));
}

/** `strings.TrimLeftFunc`/`TrimRightFunc`: whole runes removed from the ends while `cut` holds. */
export function goTrimFunc(
  value: string,
  cut: (rune: number) => boolean,
  left = true,
  right = true,
): string {
  const chars = Array.from(value);
  let start = 0;
  let end = chars.length;
  while (left && start < end && cut(runeOf(chars[start] as string))) start++;
  while (right && end > start && cut(runeOf(chars[end - 1] as string))) end--;
  return chars.slice(start, end).join("");
}

/** `strings.TrimSpace`. */
export const goTrimSpace = (value: string): string => goTrimFunc(value, isSpaceRune);

/**
 * `strings.Trim(s, cutset)`: the cut set is read as runes too, so an invalid
 * byte in it (or a U+FFFD) cuts every invalid byte and every U+FFFD.
 */
export function goTrim(value: string, cutset: string, left = true, right = true): string {
  if (value === "" || cutset === "") return value;
  const set = new Set(goRunes(cutset));
  return goTrimFunc(value, (rune) => set.has(rune), left, right);
}

/** `strings.Repeat`. */
export function goRepeat(value: string, count: number): string {
  if (count < 0) throw new Error("strings: negative Repeat count");
  return onBytes(value, (bytes) => Buffer.concat(Array.from({ length: count }, () => bytes)));
}

/** `strings.Join`: the bytes joined, then read again. */
export function goJoin(parts: readonly string[], sep: string): string {
  const separator = textToBytes(sep);
  const out: Buffer[] = [];
  for (const [i, part] of parts.entries()) {
    if (i > 0) out.push(separator);
    out.push(textToBytes(part));
  }
  return bytesToText(Buffer.concat(out));
}

/** Go's `len(s)` pieces: `explode`, one piece per rune (an invalid byte its own piece). */
function explode(value: string, n: number): string[] {
  const chars = Array.from(value);
  if (n < 0 || n >= chars.length) return chars;
  return [...chars.slice(0, n - 1), chars.slice(n - 1).join("")];
}

/** `strings.SplitN` (n < 0: all): at the separator's bytes, wherever they fall. */
export function goSplit(value: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === "") return explode(value, n);
  const bytes = textToBytes(value);
  const needle = textToBytes(sep);
  const parts: string[] = [];
  let start = 0;
  while (n < 0 || parts.length < n - 1) {
    const at = bytes.indexOf(needle, start);
    if (at < 0) break;
    parts.push(bytesToText(bytes.subarray(start, at)));
    start = at + needle.length;
  }
  parts.push(bytesToText(bytes.subarray(start)));
  return parts;
}

/**
 * `strings.Replace(s, old, new, -1)`: at `old`'s bytes; an empty `old` puts
 * `new` at both ends and between runes (an invalid byte counting as one).
 */
export function goReplaceAll(value: string, from: string, to: string): string {
  if (from === to) return value;
  if (from === "") return goJoin(["", ...Array.from(value), ""], to);
  return goJoin(goSplit(value, from), to);
}

/** `strings.Contains`, on the bytes. */
export function goContains(value: string, needle: string): boolean {
  return textToBytes(value).includes(textToBytes(needle));
}

/** `strings.HasPrefix`, on the bytes. */
export function goHasPrefix(value: string, prefix: string): boolean {
  const bytes = textToBytes(value);
  const head = textToBytes(prefix);
  return bytes.length >= head.length && bytes.subarray(0, head.length).equals(head);
}

/** `strings.HasSuffix`, on the bytes. */
export function goHasSuffix(value: string, suffix: string): boolean {
  const bytes = textToBytes(value);
  const tail = textToBytes(suffix);
  return bytes.length >= tail.length && bytes.subarray(bytes.length - tail.length).equals(tail);
}

/** `strings.TrimPrefix`: a prefix of bytes may end inside a character; the rest is read again. */
export function goTrimPrefix(value: string, prefix: string): string {
  if (!goHasPrefix(value, prefix)) return value;
  return onBytes(value, (bytes) => bytes.subarray(textToBytes(prefix).length));
}

/** `strings.TrimSuffix`. */
export function goTrimSuffix(value: string, suffix: string): string {
  if (!goHasSuffix(value, suffix)) return value;
  return onBytes(value, (bytes) => bytes.subarray(0, bytes.length - textToBytes(suffix).length));
}

/** `s[from:to]` on the bytes, with Go's panic when the bounds are out of range. */
export function goSlice(value: string, from: number, to?: number): string {
  return onBytes(value, (bytes) => {
    const end = to ?? bytes.length;
    if (from < 0 || end > bytes.length || from > end)
      throw new Error(
        `runtime error: slice bounds out of range [${from}:${to === undefined ? "" : end}]`,
      );
    return bytes.subarray(from, end);
  });
}

/** `strings.Title`: a rune after a separator title-cased (through `strings.Map`, so invalid bytes become U+FFFD, which is no separator). */
export function goTitle(value: string): string {
  let previous = 0x20;
  return goMap(value, (rune) => {
    const out = isTitleSeparator(previous) ? toTitleRune(rune) : rune;
    previous = rune;
    return out;
  });
}

/** strings.isSeparator: ASCII other than letters, digits and _; beyond, only spaces (letters and digits are not). */
function isTitleSeparator(rune: number): boolean {
  if (rune <= 0x7f) return !/[0-9A-Za-z_]/.test(String.fromCharCode(rune));
  if (isLetterRune(rune) || isDigitRune(rune)) return false;
  return isSpaceRune(rune);
}

/** Go's `len(s)`. */
export function goLen(value: string): number {
  return textToBytes(value).length;
}

/** Each byte read as the Latin-1 rune it would be as `rune(s[i])` (goutils' byte-wise loops). */
export function latin1Bytes(value: string): number[] {
  return [...textToBytes(value)];
}

/** `url.QueryEscape`, on the bytes: letters, digits and -_.~ kept, space as +, every other byte %XX. */
export function goQueryEscape(value: string): string {
  let out = "";
  for (const byte of textToBytes(value)) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char)) out += char;
    else if (byte === 0x20) out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
