import { randomInt, randomUUID } from "node:crypto";
import { integer } from "./functions.js";
import type { Fn } from "./sprig-cast.js";

/**
 * Sprig's random values.
 * Unprefixed: sprig.ts names them `sprig_NAME`.
 */
export const SPRIG_RANDOM: Readonly<Record<string, Fn>> = {
  // random values (not reproducible, so not in the differential corpus)
  randInt: ([min, max]) => randomInt(integer(min), integer(max)),
  randAlphaNum: ([n]) =>
    randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", integer(n)),
  randAlpha: ([n]) =>
    randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", integer(n)),
  randNumeric: ([n]) => randomFrom("0123456789", integer(n)),
  randAscii: ([n]) =>
    randomFrom(
      Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join(""),
      integer(n),
    ),
  uuidv4: () => randomUUID(),
};

function randomFrom(alphabet: string, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
