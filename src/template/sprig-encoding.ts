import { createHash } from "node:crypto";
import { text } from "./functions.js";
import { bytesToText, textToBytes } from "./go-bytes.js";
import { goJson, markJsonFloats } from "./go-format.js";
import type { Fn } from "./sprig-cast.js";

/**
 * Sprig's JSON, base64/base32 and hashes.
 * Unprefixed: sprig.ts names them `sprig_NAME`.
 */
export const SPRIG_ENCODING: Readonly<Record<string, Fn>> = {
  // hashes
  sha1sum: ([s]) =>
    createHash("sha1")
      .update(textToBytes(text(s)))
      .digest("hex"),
  sha256sum: ([s]) =>
    createHash("sha256")
      .update(textToBytes(text(s)))
      .digest("hex"),
  adler32sum: ([s]) => String(adler32(textToBytes(text(s)))),
  // JSON
  toJson: ([v]) => safeJson(() => goJson(v as never)),
  mustToJson: ([v]) => goJson(v as never),
  toPrettyJson: ([v]) => safeJson(() => goJson(v as never, "  ")),
  mustToPrettyJson: ([v]) => goJson(v as never, "  "),
  toRawJson: ([v]) => safeJson(() => goJson(v as never, undefined, false)),
  mustToRawJson: ([v]) => goJson(v as never, undefined, false),
  fromJson: ([s]) => {
    try {
      return markJsonFloats(JSON.parse(text(s)) as unknown);
    } catch {
      return undefined;
    }
  },
  mustFromJson: ([s]) => markJsonFloats(JSON.parse(text(s)) as unknown),
  // encodings (a decoding error is returned as the text, as Sprig does)
  b64enc: ([s]) => textToBytes(text(s)).toString("base64"),
  b64dec: ([s]) =>
    /^[A-Za-z0-9+/]*={0,2}$/.test(text(s)) && text(s).length % 4 === 0
      ? bytesToText(Buffer.from(text(s), "base64"))
      : `illegal base64 data at input byte ${Math.max(0, text(s).search(/[^A-Za-z0-9+/=]/))}`,
  b32enc: ([s]) => base32(textToBytes(text(s))),
};

function adler32(bytes: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function base32(bytes: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.padEnd(Math.ceil(out.length / 8) * 8, "=");
}

function safeJson(encode: () => string): string {
  try {
    return encode();
  } catch {
    return "";
  }
}
