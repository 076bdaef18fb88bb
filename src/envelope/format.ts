import { StrongboxError } from "../errors.js";

/**
 * One encrypted field as it sits in a text column (docs/envelope-format.md):
 *
 *     sbf1.<key id>.<key version>.<wrapped data key>.<salt>.<sealed>
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
  /** 32 random bytes from which this field's key and nonce are derived. */
  readonly salt: Buffer;
  /** AES-256-GCM ciphertext ‖ 16-byte tag. */
  readonly sealed: Buffer;
}

export const ENVELOPE_TAG = "sbf1";
export const SALT_BYTES = 32;
const TAG_BYTES = 16;
/** Bounds checked before decoding, so a hostile row cannot make a reader allocate much. */
const MAX_KEY_ID = 256;
const MAX_WRAPPED = 4096;
export const MAX_FIELD_BYTES = 1024 * 1024;
const MAX_TEXT =
  16 + ((MAX_KEY_ID + MAX_WRAPPED + SALT_BYTES + MAX_FIELD_BYTES + TAG_BYTES) * 4) / 3;
const B64U = /^[A-Za-z0-9_-]+$/;
const VERSION = /^(0|[1-9][0-9]{0,9})$/;
/** A key id: a service name, a colon, and a name (no control characters). */
const KEY_ID = /^[a-z][a-z0-9-]{0,31}:[\x21-\x7e]{1,200}$/;

/** True when `text` looks like an envelope (a cheap test for mixed columns). */
export function isEnvelope(text: string): boolean {
  return text.startsWith(`${ENVELOPE_TAG}.`);
}

export function formatEnvelope(envelope: Envelope): string {
  return [
    ENVELOPE_TAG,
    b64u(Buffer.from(envelope.keyId, "utf8")),
    String(envelope.keyVersion),
    b64u(envelope.wrapped),
    b64u(envelope.salt),
    b64u(envelope.sealed),
  ].join(".");
}

/**
 * Parses an envelope strictly: one spelling per value (canonical base64url,
 * no leading zeros), bounded sizes, nothing unknown. Throws `E_ENVELOPE`
 * naming what is wrong, never the text (a ciphertext is not secret, but the
 * column may hold a plaintext by mistake).
 */
export function parseEnvelope(text: string, where = "the field"): Envelope {
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
  const [, id, version, wrapped, salt, sealed] = parts as [string, ...string[]];
  const keyId = decode(id as string, "key id", where).toString("utf8");
  if (!KEY_ID.test(keyId)) throw malformed(where, "its key id is not service:name");
  if (!VERSION.test(version as string)) throw malformed(where, "its key version is not a number");
  const envelope: Envelope = {
    keyId,
    keyVersion: Number(version),
    wrapped: decode(wrapped as string, "wrapped key", where),
    salt: decode(salt as string, "salt", where),
    sealed: decode(sealed as string, "ciphertext", where),
  };
  if (envelope.wrapped.length > MAX_WRAPPED) throw malformed(where, "its wrapped key is too long");
  if (envelope.salt.length !== SALT_BYTES) throw malformed(where, "its salt has the wrong length");
  if (envelope.sealed.length < TAG_BYTES || envelope.sealed.length > MAX_FIELD_BYTES + TAG_BYTES)
    throw malformed(where, "its ciphertext has an impossible length");
  return envelope;
}

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

function decode(text: string, what: string, where: string): Buffer {
  if (!B64U.test(text) || text.length % 4 === 1)
    throw malformed(where, `its ${what} is not base64url`);
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text)
    throw malformed(where, `its ${what} is not canonical base64url`);
  return bytes;
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
