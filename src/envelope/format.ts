import { StrongboxError } from "../errors.js";

/**
 * One encrypted field as it sits in a text column (docs/envelope-format.md):
 *
 *     sbf1.<key id>.<key version>.<wrapped data key>.<nonce>.<sealed>
 *
 * Every part but the version is unpadded base64url, which has no ".", so the
 * string splits one way only; the version is decimal.
 */
export interface Envelope {
  /** The master key that wrapped the data key: `<service>:<name>`, e.g. `transit:tracker-mek-42`. */
  readonly keyId: string;
  /** The master key's version that wrapped it (0 where the service has no versions). */
  readonly keyVersion: number;
  /** The data key, as the key service wrapped it. */
  readonly wrapped: Buffer;
  /** The 96-bit AES-GCM nonce, random for every value. */
  readonly nonce: Buffer;
  /** AES-256-GCM ciphertext ‖ 16-byte tag. */
  readonly sealed: Buffer;
}

/** An envelope split into its text parts, checked for shape but not yet decoded. */
export interface EnvelopeParts {
  /** The key id, still base64url. */
  readonly keyId: string;
  readonly keyVersion: string;
  readonly wrapped: string;
  readonly nonce: string;
  readonly sealed: string;
}

export const ENVELOPE_TAG = "sbf1";
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bounds checked before decoding, so a hostile row cannot make a reader allocate much. */
const MAX_KEY_ID = 256;
const MAX_WRAPPED = 4096;
export const MAX_FIELD_BYTES = 1024 * 1024;
const MAX_TEXT =
  16 + ((MAX_KEY_ID + MAX_WRAPPED + NONCE_BYTES + MAX_FIELD_BYTES + TAG_BYTES) * 4) / 3;
const B64U = /^[A-Za-z0-9_-]+$/;
const VERSION = /^(0|[1-9][0-9]{0,9})$/;
/** A key id: a service name, a colon, and a name (no control characters). */
const KEY_ID = /^[a-z][a-z0-9-]{0,31}:[\x21-\x7e]{1,200}$/;

/** True when `text` looks like an envelope (a cheap test for mixed columns). */
export function isEnvelope(text: string): boolean {
  return text.startsWith(`${ENVELOPE_TAG}.`);
}

/** The text before the nonce: the same for every value under one data key. */
export function envelopePrefix(keyId: string, keyVersion: number, wrapped: Uint8Array): string {
  return `${ENVELOPE_TAG}.${b64u(Buffer.from(keyId, "utf8"))}.${keyVersion}.${b64u(wrapped)}.`;
}

export function formatEnvelope(envelope: Envelope): string {
  return `${envelopePrefix(envelope.keyId, envelope.keyVersion, envelope.wrapped)}${b64u(envelope.nonce)}.${b64u(envelope.sealed)}`;
}

/** Splits an envelope into its parts, checking its tag, part count and length. */
export function splitEnvelope(text: string, where = "the field"): EnvelopeParts {
  if (typeof text !== "string") throw malformed(where, "it is not a string");
  if (text.length > MAX_TEXT) throw malformed(where, "it is longer than any envelope");
  const parts = text.split(".");
  if (parts[0] !== ENVELOPE_TAG)
    throw malformed(
      where,
      text.startsWith("sbf")
        ? "its format version is not one this version of Strongbox reads"
        : "it is not a Strongbox envelope (sbf1.…)",
    );
  if (parts.length !== 6) throw malformed(where, `it has ${parts.length} parts, not 6`);
  const [, keyId, keyVersion, wrapped, nonce, sealed] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { keyId, keyVersion, wrapped, nonce, sealed };
}

/** The key id and version of split parts, checked. */
export function keyOfParts(
  parts: EnvelopeParts,
  where = "the field",
): { keyId: string; keyVersion: number } {
  const keyId = decode(parts.keyId, "key id", where).toString("utf8");
  if (!KEY_ID.test(keyId)) throw malformed(where, "its key id is not service:name");
  if (!VERSION.test(parts.keyVersion)) throw malformed(where, "its key version is not a number");
  return { keyId, keyVersion: Number(parts.keyVersion) };
}

export function wrappedOfParts(parts: EnvelopeParts, where = "the field"): Buffer {
  const wrapped = decode(parts.wrapped, "wrapped key", where);
  if (wrapped.length > MAX_WRAPPED) throw malformed(where, "its wrapped key is too long");
  return wrapped;
}

/** The nonce and ciphertext of split parts, checked. */
export function sealedOfParts(
  parts: EnvelopeParts,
  where = "the field",
): { nonce: Buffer; sealed: Buffer } {
  const nonce = decode(parts.nonce, "nonce", where);
  if (nonce.length !== NONCE_BYTES) throw malformed(where, "its nonce has the wrong length");
  const sealed = decode(parts.sealed, "ciphertext", where);
  if (sealed.length < TAG_BYTES || sealed.length > MAX_FIELD_BYTES + TAG_BYTES)
    throw malformed(where, "its ciphertext has an impossible length");
  return { nonce, sealed };
}

/**
 * Parses an envelope strictly: one spelling per value (canonical base64url,
 * no leading zeros), bounded sizes, nothing unknown. Throws `E_ENVELOPE`
 * naming what is wrong, never the text (a ciphertext is not secret, but the
 * column may hold a plaintext by mistake).
 */
export function parseEnvelope(text: string, where = "the field"): Envelope {
  const parts = splitEnvelope(text, where);
  return {
    ...keyOfParts(parts, where),
    wrapped: wrappedOfParts(parts, where),
    ...sealedOfParts(parts, where),
  };
}

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function decode(text: string, what: string, where: string): Buffer {
  if (!B64U.test(text) || text.length % 4 === 1)
    throw malformed(where, `its ${what} is not base64url`);
  // Canonical: the bits the last character carries beyond the bytes are zero (one spelling
  // per byte string), checked without encoding the bytes again.
  const spare = text.length % 4 === 2 ? 0b1111 : text.length % 4 === 3 ? 0b11 : 0;
  if ((ALPHABET.indexOf(text[text.length - 1] as string) & spare) !== 0)
    throw malformed(where, `its ${what} is not canonical base64url`);
  return Buffer.from(text, "base64url");
}

function malformed(where: string, why: string): StrongboxError {
  return new StrongboxError(
    "E_ENVELOPE",
    `${where} does not hold a valid encrypted value: ${why}`,
    {
      hint: "the column was edited, truncated or written by something else; restore the row from a backup",
    },
  );
}
