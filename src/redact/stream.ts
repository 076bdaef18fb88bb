import { Transform, type TransformCallback } from "node:stream";
import type { Redactor } from "./redactor.js";

/**
 * A stream that masks secrets in bytes passing through, including a secret split
 * across chunks. It holds back only a tail that could still be the start of a
 * secret, so ordinary output is not delayed.
 */
export function createRedactingStream(redactor: Redactor): Transform {
  let held: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      // Read per chunk, not when the stream is made: the redactor computes its forms on
      // first use, here, before any byte of the first chunk is passed on. A child that
      // prints nothing costs nothing.
      const patterns = redactor.patterns;
      const buffer = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      const cut = holdFrom(buffer, patterns);
      held = buffer.subarray(cut);
      done(null, mask(buffer.subarray(0, cut), patterns));
    },
    flush(done: TransformCallback) {
      if (held.length === 0) done();
      else done(null, mask(held, redactor.patterns));
    },
  });
}

type Patterns = Redactor["patterns"];

/** Replaces every pattern in `buffer`, longest first at each position. */
export function mask(buffer: Buffer, patterns: Patterns): Buffer {
  if (patterns.length === 0 || buffer.length === 0) return buffer;
  const index = indexOf(patterns);
  const parts: Buffer[] = [];
  let start = 0;
  let i = 0;
  while (i < buffer.length) {
    const bucket = index.get(keyAt(buffer, i));
    const hit = bucket?.find(
      (p) =>
        i + p.bytes.length <= buffer.length &&
        buffer.compare(p.bytes, 0, p.bytes.length, i, i + p.bytes.length) === 0,
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
 * The patterns by their first two bytes (every pattern has at least four), in
 * their order (longest first): each position of the output is compared with
 * the few patterns that can start there, not with every form of every value.
 */
const indexes = new WeakMap<Patterns, Map<number, Patterns[number][]>>();
function indexOf(patterns: Patterns): Map<number, Patterns[number][]> {
  let index = indexes.get(patterns);
  if (index === undefined) {
    index = new Map();
    for (const pattern of patterns) {
      const key = keyAt(pattern.bytes, 0);
      const bucket = index.get(key);
      if (bucket === undefined) index.set(key, [pattern]);
      else bucket.push(pattern);
    }
    indexes.set(patterns, index);
  }
  return index;
}

/** The two bytes at `at` as one number; a lone last byte has its own keys. */
function keyAt(bytes: Buffer, at: number): number {
  return at + 1 < bytes.length
    ? ((bytes[at] as number) << 8) | (bytes[at + 1] as number)
    : 0x10000 | (bytes[at] as number);
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
