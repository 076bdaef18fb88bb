/**
 * Go strings are bytes; JavaScript strings are UTF-16. Templates meet bytes
 * that are not UTF-8 (`base64Decode` of a binary secret, a binary `file`),
 * and vault-agent writes them out unchanged. So the renderer's strings carry
 * each byte that is not part of a valid UTF-8 sequence as a lone surrogate,
 * U+DC80 to U+DCFF (Python's "surrogateescape"): text stays text, and the
 * bytes come back exactly when the output is written.
 */

const ESCAPE_BASE = 0xdc00;

/** Bytes as a template string: valid UTF-8 decoded, every other byte escaped. */
export function bytesToText(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      // Runs of ASCII are the common case: take them whole.
      let end = i + 1;
      while (end < bytes.length && (bytes[end] as number) < 0x80) end++;
      out += String.fromCharCode(...bytes.subarray(i, end));
      i = end;
      continue;
    }
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      out += String.fromCharCode(ESCAPE_BASE + b);
      i += 1;
    } else {
      out += Buffer.from(bytes.subarray(i, i + length)).toString("utf8");
      i += length;
    }
  }
  return out;
}

/** A template string as the bytes Go would write: escaped bytes restored, the rest UTF-8. */
export function textToBytes(text: string): Buffer {
  if (!/[\udc80-\udcff]/.test(text)) return Buffer.from(text, "utf8");
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc80 || code > 0xdcff) continue;
    // A low surrogate after a high one is half of a real character, not an escape.
    if (i > 0 && isHighSurrogate(text.charCodeAt(i - 1))) continue;
    parts.push(Buffer.from(text.slice(start, i), "utf8"), Buffer.of(code - ESCAPE_BASE));
    start = i + 1;
  }
  parts.push(Buffer.from(text.slice(start), "utf8"));
  return Buffer.concat(parts);
}

/**
 * A string as Go reads its bytes. JavaScript concatenation (a format, `print`,
 * a join) can put escaped bytes side by side that together are valid UTF-8
 * (EB 98 | BF is 똿); Go reads them as that character, so they are read again.
 */
export function rereadBytes(text: string): string {
  return /[\udc80-\udcff]/.test(text) ? bytesToText(textToBytes(text)) : text;
}

/** Go's `len` of a string: its bytes. */
export function byteLength(text: string): number {
  return /[\udc80-\udcff]/.test(text) ? textToBytes(text).length : Buffer.byteLength(text, "utf8");
}

/** The byte an escaped character stands for, or undefined for a real character. */
export function escapedByte(char: string): number | undefined {
  if (char.length !== 1) return undefined;
  const code = char.charCodeAt(0);
  return code >= 0xdc80 && code <= 0xdcff ? code - ESCAPE_BASE : undefined;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The length of the valid UTF-8 sequence starting at `i`, or 0 when there is none (Go's rules). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
