import { scryptSync } from "node:crypto";
import { StrongboxError } from "../errors.js";
import { registerSecret } from "../redact/registry.js";
import { parseKeyText, readKeyFileWith } from "../security/key-file.js";

/** scrypt parameters as stored in the keyring. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** The default passphrase cost (docs/store-format.md §3.1): OWASP's minimum for scrypt. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/**
 * What readers and writers accept, checked before any work is done. Floors
 * refuse a keyring downgraded to make its passphrase cheap to guess (OWASP's
 * minimum is N=2^17, r=8, p=1, or the same work spread over p); ceilings
 * refuse a hostile keyring that asks for minutes of CPU or gigabytes of
 * memory (scrypt needs 128·N·r bytes).
 */
export function checkScryptParams(params: ScryptParams): string | undefined {
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < 2 ** 14 || N > 2 ** 20 || (N & (N - 1)) !== 0)
    return "N must be a power of two from 2^14 to 2^20";
  if (!Number.isInteger(r) || r < 8 || r > 16) return "r must be 8 to 16";
  if (!Number.isInteger(p) || p < 1 || p > 4) return "p must be 1 to 4";
  if (N * r * p < 2 ** 20) return "N·r·p must be at least 2^20 (OWASP: N=2^17, r=8, p=1)";
  if (N * r > 2 ** 21) return "N·r must be at most 2^21 (256 MiB of memory)";
  if (N * r * p > 2 ** 22) return "N·r·p must be at most 2^22";
  return undefined;
}

/** Derives the master key from a passphrase. */
export function passphraseKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Buffer {
  registerSecret("store-passphrase", passphrase);
  return scryptSync(passphrase.normalize("NFC"), salt, 32, {
    ...params,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  });
}

/**
 * Reads a master key written as 64 hex digits or base64 (standard or url-safe,
 * padded or not), recorded as secret (security/key-file.ts parseKeyText).
 * Throws `E_STORE_KEY` naming `where`, never echoing the text.
 */
export function parseMasterKey(text: string, where: string): Buffer {
  return parseKeyText(text, where, registerSecret);
}

/**
 * Reads a key file after checking that only its owner can read or write it, as
 * ssh does for private keys. Throws `E_STORE_KEY` with the fix otherwise.
 */
export function readKeyFile(path: string): Buffer {
  return readKeyFileWith(path, registerSecret);
}

/**
 * Refuses, when a store is created, a master key a person typed or built
 * rather than drew at random: see {@link keyStructure}. Only `init` asks: an
 * existing store opens with whatever key it has.
 */
export function assertRandomKey(key: Uint8Array, where: string): void {
  const flaw = keyStructure(key);
  if (flaw === undefined) return;
  throw new StrongboxError("E_STORE_KEY", `${where} holds a key that is not random: ${flaw}`, {
    hint: "a master key is 32 random bytes: leave STRONGBOX_MASTER_KEY unset and `strongbox init` generates one (or use `openssl rand -base64 32`); for something a person can remember, use `strongbox init --passphrase`",
  });
}

/**
 * What makes `key` look made rather than drawn, or undefined for a key that
 * looks random. Each test is one a random 32-byte key fails with probability
 * below 10^-11, so a generated key always passes:
 *
 * - a few byte values make up most of it (a byte 12 times, or fewer than 8
 *   distinct): `0000…`, `abab…`;
 * - the same on the steps between bytes: a sequence (`00 01 02 … 1f`, any
 *   start and stride);
 * - all bytes within a window of 96 values: printable ASCII (a password or a
 *   phrase pasted as a key), or bytes from one narrow range;
 * - a pattern of up to 24 bytes repeating (8 or more positions equal to the
 *   byte that many places earlier);
 * - the same on the second differences: a quadratic sequence (random: as the
 *   first differences, about 3·10^-19);
 * - a mirror: 8 or more byte pairs equal around one centre (a palindrome,
 *   16 bytes followed by their reverse). For one centre at most 16 pairs,
 *   P(≥ 8 equal) ≤ C(16,8)·256^-8 ≈ 7·10^-16; over the 63 centres ≈ 5·10^-14;
 * - text: the key is valid UTF-8 made of printable characters (no C0 or C1
 *   control character, no DEL), as a phrase in any script pasted as a key.
 *   A random 32-byte string is valid UTF-8 with probability 1.0·10^-8 (a
 *   walk of the UTF-8 automaton over the 256 byte values, 32 steps); without
 *   control characters 9.1·10^-12 (same computation).
 *
 * Each test alone fails a random key with probability below 10^-11; all of
 * them together below 2·10^-11. Says which, never the key.
 */
export function keyStructure(key: Uint8Array): string | undefined {
  const bytes = [...key];
  if (fewValues(bytes)) return "a few byte values make up most of it";
  if (fewValues(bytes.slice(1).map((byte, i) => (byte - (bytes[i] as number)) & 0xff)))
    return "its bytes follow a sequence";
  const low = Math.min(...bytes);
  const high = Math.max(...bytes);
  if (high - low < 96)
    return low >= 0x20 && high <= 0x7e
      ? "every byte is a printable character, as in a password or phrase, not a key"
      : "all its bytes lie in a narrow range";
  for (let period = 1; period <= 24; period++) {
    let same = 0;
    for (let i = period; i < bytes.length; i++) if (bytes[i] === bytes[i - period]) same++;
    if (same >= 8) return "a short pattern repeats in it";
  }
  const steps = bytes.slice(1).map((byte, i) => (byte - (bytes[i] as number)) & 0xff);
  if (fewValues(steps.slice(1).map((step, i) => (step - (steps[i] as number)) & 0xff)))
    return "its bytes follow a sequence (of steps)";
  // i + j = centre: the pairs mirrored around it.
  for (let centre = 1; centre <= 2 * bytes.length - 3; centre++) {
    let same = 0;
    for (let i = Math.max(0, centre - bytes.length + 1); i < centre - i; i++)
      if (bytes[i] === bytes[centre - i]) same++;
    if (same >= 8) return "it mirrors itself (a palindrome)";
  }
  if (printableText(key)) return "it is text (valid UTF-8 of printable characters), not a key";
  return undefined;
}

/** Valid UTF-8 (strict: no overlong forms, surrogates or stray bytes) without control characters. */
function printableText(key: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(key);
  } catch {
    return false;
  }
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return true;
}

/** A value 12 times or more, or fewer than 8 distinct values. */
function fewValues(values: readonly number[]): boolean {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return Math.max(...counts.values()) >= 12 || counts.size < 8;
}
