import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  timingSafeEqual,
} from "node:crypto";

/** Key and nonce lengths of AES-256-GCM as used by the store. */
const KEY = 32;
const NONCE = 12;
const TAG = 16;

/** HKDF-SHA-256 with `info = label ‖ 0x00 ‖ context` (docs/store-format.md §3). */
export function derive(
  ikm: Uint8Array,
  label: string,
  context: Uint8Array,
  length = KEY,
  salt: Uint8Array = Buffer.alloc(0),
): Buffer {
  const info = Buffer.concat([Buffer.from(label, "ascii"), Buffer.from([0]), context]);
  return hkdf(ikm, salt, info, length);
}

const subkeys = new WeakMap<Uint8Array, Map<string, Buffer>>();

/**
 * `derive(key, label, context)` remembered per key object: MAC keys are
 * derived from the integrity key on every file read otherwise. The cache dies
 * with the key (a WeakMap), so a replaced key leaves nothing behind.
 */
export function deriveOnce(key: Uint8Array, label: string, context: Uint8Array): Buffer {
  let byLabel = subkeys.get(key);
  if (byLabel === undefined) {
    byLabel = new Map();
    subkeys.set(key, byLabel);
  }
  const id = `${label}\0${Buffer.from(context).toString("hex")}`;
  let derived = byLabel.get(id);
  if (derived === undefined) {
    derived = derive(key, label, context);
    byLabel.set(id, derived);
  }
  return derived;
}

/** HKDF-SHA-256 (RFC 5869), the one primitive every derivation above goes through. */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, length));
}

export function hmac(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** Constant-time MAC comparison. */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** AES-256-GCM encryption; returns ciphertext ‖ 16-byte tag. */
export function seal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** AES-256-GCM decryption; returns undefined (never partial plaintext) when authentication fails. */
export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
): Buffer | undefined {
  // Only the parameters the format uses; anything else is refused rather than guessed at.
  if (key.length !== KEY || nonce.length !== NONCE || sealed.length < TAG) return undefined;
  const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    const head = decipher.update(sealed.subarray(0, sealed.length - TAG));
    return Buffer.concat([head, decipher.final()]);
  } catch {
    return undefined;
  }
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

function u64(value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(value));
  return out;
}

/** The context that binds a record to its store, name, version and key (§3). */
export function recordContext(
  storeId: Uint8Array,
  name: string,
  version: number,
  kid: number,
): Buffer {
  const nameBytes = Buffer.from(name, "utf8");
  return Buffer.concat([storeId, u32(nameBytes.length), nameBytes, u64(version), u32(kid)]);
}

/** Encrypts one record: derives a fresh key and nonce from the data key and a 32-byte salt. */
export function sealRecord(
  dataKey: Uint8Array,
  salt: Uint8Array,
  context: Uint8Array,
  plaintext: Uint8Array,
): Buffer {
  const okm = derive(dataKey, "strongbox/v1/record", context, KEY + NONCE, salt);
  return seal(okm.subarray(0, KEY), okm.subarray(KEY), plaintext, context);
}

/** Decrypts one record, or returns undefined when anything about it is wrong. */
export function openRecord(
  dataKey: Uint8Array,
  salt: Uint8Array,
  context: Uint8Array,
  sealed: Uint8Array,
): Buffer | undefined {
  const okm = derive(dataKey, "strongbox/v1/record", context, KEY + NONCE, salt);
  return open(okm.subarray(0, KEY), okm.subarray(KEY), sealed, context);
}

/** The AAD of a wrapped key (§3.2). */
export function wrapAad(storeId: Uint8Array, kid: number): Buffer {
  return Buffer.concat([
    Buffer.from("strongbox/v1/wrap", "ascii"),
    Buffer.from([0]),
    storeId,
    u32(kid),
  ]);
}

/** Wraps a 32-byte key under the KEK: nonce ‖ ciphertext ‖ tag. */
export function wrapKey(
  kek: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
  aad: Uint8Array,
): Buffer {
  return Buffer.concat([nonce, seal(kek, nonce, key, aad)]);
}

export function unwrapKey(
  kek: Uint8Array,
  wrapped: Uint8Array,
  aad: Uint8Array,
): Buffer | undefined {
  if (wrapped.length !== NONCE + KEY + TAG) return undefined;
  return open(kek, wrapped.subarray(0, NONCE), wrapped.subarray(NONCE), aad);
}

export const NONCE_LENGTH = NONCE;
