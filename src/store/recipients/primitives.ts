import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
} from "node:crypto";

/**
 * The primitives age's stanzas are made of, from Node's crypto (OpenSSL):
 * X25519, HKDF-SHA-256 and ChaCha20-Poly1305, plus the two conversions age's
 * ssh-ed25519 type needs. Node's own code runs natively from the first call
 * (a JavaScript curve costs 40 ms of a cold start) and adds nothing to the
 * script every command loads. The tests check each against noble's.
 */

const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");

function privateKey(scalar: Uint8Array) {
  return createPrivateKey({
    key: Buffer.concat([PKCS8_X25519, scalar]),
    format: "der",
    type: "pkcs8",
  });
}

/** X25519(scalar, basepoint). */
export function x25519Public(scalar: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKey(scalar)).export({ format: "der", type: "spki" });
  return Uint8Array.from(spki.subarray(spki.length - 32));
}

/** X25519(scalar, point); undefined for an all-zero result (a low-order point), which age refuses. */
export function x25519Shared(scalar: Uint8Array, point: Uint8Array): Uint8Array | undefined {
  if (point.length !== 32) return undefined;
  try {
    const publicKey = createPublicKey({
      key: Buffer.concat([SPKI_X25519, point]),
      format: "der",
      type: "spki",
    });
    const shared = Uint8Array.from(diffieHellman({ privateKey: privateKey(scalar), publicKey }));
    return shared.every((byte) => byte === 0) ? undefined : shared;
  } catch {
    return undefined;
  }
}

/** HKDF-SHA-256 to 32 bytes. */
export function hkdf32(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", ikm, salt, info, 32));
}

/** A ChaCha20-Poly1305 from outside node:crypto, in noble's shape. */
export type ChaCha20Poly1305 = (
  key: Uint8Array,
  nonce: Uint8Array,
) => {
  encrypt(plain: Uint8Array): Uint8Array;
  decrypt(sealed: Uint8Array): Uint8Array;
};

let outside: ChaCha20Poly1305 | undefined;

/**
 * Gives seal and open a ChaCha20-Poly1305 for a runtime whose crypto has none:
 * Bun's node:crypto (BoringSSL) lacks the cipher, so the single executable, which
 * Bun compiles, registers noble's (chacha-fallback.ts). The npm package never loads it.
 */
export function useChaCha20Poly1305(implementation: ChaCha20Poly1305): void {
  outside = implementation;
}

/** ChaCha20-Poly1305, the tag appended. */
export function seal(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Uint8Array {
  if (outside !== undefined) return outside(key, nonce).encrypt(plain);
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** ChaCha20-Poly1305 decryption; undefined when it does not authenticate. */
export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | undefined {
  if (sealed.length < 16) return undefined;
  try {
    if (outside !== undefined) return outside(key, nonce).decrypt(sealed);
    const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - 16)),
      decipher.final(),
    ]);
  } catch {
    return undefined;
  }
}

const P = 2n ** 255n - 19n;

/**
 * An Ed25519 public key as the X25519 point of the same curve (RFC 7748's
 * birational map u = (1 + y) / (1 - y) mod p), as age converts SSH keys.
 */
export function edwardsToMontgomery(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32) throw new Error("not an ed25519 public key");
  const bytes = Uint8Array.from(publicKey);
  bytes[31] = (bytes[31] as number) & 0x7f; // the sign of x plays no part in u
  const y = littleEndian(bytes);
  if (y >= P || y === 1n) throw new Error("not an ed25519 public key");
  const u = ((1n + y) * power((((1n - y) % P) + P) % P, P - 2n)) % P;
  const out = new Uint8Array(32);
  let rest = u;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** An Ed25519 seed's X25519 scalar: the first half of SHA-512(seed) (X25519 clamps it). */
export function ed25519SeedToX25519(seed: Uint8Array): Uint8Array {
  return Uint8Array.from(createHash("sha512").update(seed).digest().subarray(0, 32));
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % P;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}
