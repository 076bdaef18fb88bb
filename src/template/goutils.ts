/**
 * Masterminds/goutils v1.1.1 (what Sprig's untitle, swapcase, initials, wrap and
 * wrapWith call), on the renderer's byte strings: goutils reads some strings
 * rune by rune (`[]rune(s)`: invalid bytes become U+FFFD) and others byte by
 * byte, and each port below reads them the way its original does.
 */
import { bytesToText, textToBytes } from "./go-bytes.js";
import {
  fromRunes,
  goReplaceAll,
  goRunes,
  isLowerRune,
  isSpaceRune,
  isTitleRune,
  isUpperRune,
  latin1Bytes,
  toLowerRune,
  toTitleRune,
  toUpperRune,
} from "./go-strings.js";

/** Sprig's indent: the pad before the text and after each newline (`strings.Replace`, on the bytes). */
export function indent(spaces: number, value: string): string {
  const pad = " ".repeat(Math.max(0, spaces));
  return pad + goReplaceAll(value, "\n", `\n${pad}`);
}

/** goutils' Uncapitalize: the first rune of each space-separated word lowered, over `[]rune(s)` (invalid bytes become U+FFFD). */
export function uncapitalize(value: string): string {
  let next = true;
  return fromRunes(
    goRunes(value).map((rune) => {
      if (isSpaceRune(rune)) {
        next = true;
        return rune;
      }
      const out = next ? toLowerRune(rune) : rune;
      next = false;
      return out;
    }),
  );
}

/** goutils' SwapCase: upper and title to lower, lower to upper (to title after a space), over `[]rune(s)`. */
export function swapCase(value: string): string {
  let afterSpace = true;
  return fromRunes(
    goRunes(value).map((rune) => {
      if (isUpperRune(rune) || isTitleRune(rune)) {
        afterSpace = false;
        return toLowerRune(rune);
      }
      if (isLowerRune(rune)) {
        const out = afterSpace ? toTitleRune(rune) : toUpperRune(rune);
        afterSpace = false;
        return out;
      }
      afterSpace = isSpaceRune(rune);
      return rune;
    }),
  );
}

/** goutils' Initials reads byte by byte, each byte a Latin-1 rune: é's bytes are two letters, 0x85 and 0xA0 spaces. */
export function initials(value: string): string {
  let gap = true;
  let out = "";
  for (const byte of latin1Bytes(value)) {
    if (isSpaceRune(byte)) gap = true;
    else if (gap) {
      out += String.fromCharCode(byte);
      gap = false;
    }
  }
  return out;
}

/**
 * goutils' WrapCustom, on the bytes as it is written: lines of at most `width`
 * bytes broken at spaces; a longer word cut (`wrapWith`) or left whole (`wrap`).
 */
export function wrap(value: string, width: number, sep: string, wrapLong: boolean): string {
  if (value === "") return "";
  const bytes = textToBytes(value);
  const newline = textToBytes(sep === "" ? "\n" : sep);
  const limit = width < 1 ? 1 : width;
  const out: Buffer[] = [];
  let offset = 0;
  while (bytes.length - offset > limit) {
    if (bytes[offset] === 0x20) {
      offset++;
      continue;
    }
    const space = bytes.subarray(offset, offset + limit + 1).lastIndexOf(0x20);
    let cut: number;
    let next: number;
    if (space >= 0) {
      cut = offset + space;
      next = cut + 1;
    } else if (wrapLong) {
      cut = offset + limit;
      next = cut;
    } else {
      const later = bytes.indexOf(0x20, offset + limit);
      if (later < 0) break;
      cut = later;
      next = later + 1;
    }
    out.push(bytes.subarray(offset, cut), newline);
    offset = next;
  }
  out.push(bytes.subarray(offset));
  return bytesToText(Buffer.concat(out));
}
