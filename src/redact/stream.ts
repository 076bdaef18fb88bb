import { Transform, type TransformCallback } from "node:stream";
import type { Redactor } from "./redactor.js";

/**
 * A stream that masks secrets in bytes passing through, including a secret split
 * across chunks. It holds back only a tail that could still be the start of a
 * secret, so ordinary output is not delayed.
 */
export function createRedactingStream(redactor: Redactor): Transform {
  const patterns = redactor.patterns;
  let held: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const buffer = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      const cut = holdFrom(buffer, patterns);
      held = buffer.subarray(cut);
      done(null, mask(buffer.subarray(0, cut), patterns));
    },
    flush(done: TransformCallback) {
      done(null, mask(held, patterns));
    },
  });
}

type Patterns = Redactor["patterns"];

/** Replaces every pattern in `buffer`, longest first at each position. */
export function mask(buffer: Buffer, patterns: Patterns): Buffer {
  if (patterns.length === 0 || buffer.length === 0) return buffer;
  const parts: Buffer[] = [];
  let start = 0;
  let i = 0;
  while (i < buffer.length) {
    const hit = patterns.find(
      (p) => buffer[i] === p.bytes[0] && buffer.subarray(i, i + p.bytes.length).equals(p.bytes),
    );
    if (hit === undefined) {
      i++;
      continue;
    }
    parts.push(buffer.subarray(start, i), hit.mask);
    i += hit.bytes.length;
    start = i;
  }
  parts.push(buffer.subarray(start));
  return Buffer.concat(parts);
}

/**
 * Where to stop emitting: the start of the longest tail of `buffer` that is a
 * proper prefix of some pattern, moved back over any whole match that reaches
 * into that tail (a short secret may begin a longer one).
 */
export function holdFrom(buffer: Buffer, patterns: Patterns): number {
  let cut = buffer.length;
  for (const { bytes } of patterns) {
    const longest = Math.min(bytes.length - 1, buffer.length);
    for (let size = longest; size > 0; size--) {
      const start = buffer.length - size;
      if (start < cut && buffer.subarray(start).equals(bytes.subarray(0, size))) {
        cut = start;
        break;
      }
    }
  }
  for (let moved = true; moved; ) {
    moved = false;
    for (const { bytes } of patterns) {
      const from = Math.max(0, cut - bytes.length + 1);
      const at = buffer.subarray(from, cut + bytes.length).indexOf(bytes);
      if (at >= 0 && from + at < cut && from + at + bytes.length > cut) {
        cut = from + at;
        moved = true;
      }
    }
  }
  return cut;
}
