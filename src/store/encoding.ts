import { StrongboxError } from "../errors.js";

const B64U = /^[A-Za-z0-9_-]*$/;

/** Unpadded base64url. */
export function toB64u(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/**
 * Strict unpadded base64url: rejects padding, characters outside the alphabet
 * and non-zero trailing bits, so every byte string has exactly one encoding.
 */
export function fromB64u(text: unknown, what: string, file: string): Buffer {
  if (typeof text !== "string" || !B64U.test(text) || text.length % 4 === 1)
    throw formatError(file, `${what} is not base64url`);
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text)
    throw formatError(file, `${what} is not canonical base64url`);
  return bytes;
}

/** A file's body and the MAC line that authenticates it (see docs/store-format.md §2). */
export interface Framed {
  readonly body: Buffer;
  readonly mac: Buffer;
}

/** Joins a body and its MAC into the bytes of an `.sbx` file. */
export function frame(body: string, mac: Uint8Array): Buffer {
  return Buffer.from(`${body}\nmac ${toB64u(mac)}\n`, "utf8");
}

/** Splits an `.sbx` file into body and MAC; throws `E_STORE_TAMPERED` when the frame is broken. */
export function unframe(bytes: Buffer, file: string): Framed {
  const end = bytes.length - 1;
  if (end < 0 || bytes[end] !== 0x0a) throw tampered(file, "it does not end with its MAC line");
  const start = bytes.lastIndexOf(0x0a, end - 1);
  const line = bytes.subarray(start + 1, end).toString("latin1");
  if (start < 0 || !line.startsWith("mac ")) throw tampered(file, "its MAC line is missing");
  let mac: Buffer;
  try {
    mac = fromB64u(line.slice(4), "the MAC", file);
  } catch {
    throw tampered(file, "its MAC line is malformed");
  }
  if (mac.length !== 32) throw tampered(file, "its MAC has the wrong length");
  return { body: bytes.subarray(0, start), mac };
}

/** The error for a file whose bytes were changed. Says which file, never what it held. */
export function tampered(file: string, why: string): StrongboxError {
  return new StrongboxError(
    "E_STORE_TAMPERED",
    `${file}: the store file was modified or damaged: ${why}`,
    {
      hint: "restore it from git or a backup; the store refuses to read a file it cannot authenticate",
    },
  );
}

/** The error for a well-authenticated file whose content breaks the format. */
export function formatError(file: string, why: string): StrongboxError {
  return new StrongboxError("E_STORE_FORMAT", `${file}: not a valid store file: ${why}`, {
    hint: "the file may come from a newer Strongbox; upgrade, or restore it from a backup",
  });
}
