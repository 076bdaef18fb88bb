import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64nopad, bech32 } from "@scure/base";
import { armor } from "age-encryption";
import type { AgeIdentity } from "./age.js";

/**
 * Opening a small age file synchronously. `age-encryption` decrypts
 * asynchronously, which is right everywhere but in one place: a store write is
 * synchronous, and when another process re-keyed the store meanwhile, the
 * writer must unwrap the new master key before it can continue. This follows
 * the age v1 specification (X25519 and ssh-ed25519 stanzas, the header MAC,
 * one STREAM chunk) on the same noble primitives `age-encryption` uses; the
 * tests check it against the age CLI and `age-encryption`. It opens only what
 * fits in one chunk (a 32-byte master key), and returns undefined for anything
 * else, for a stanza no identity matches, or for a file that does not verify.
 */
export function ageOpenSync(
  armored: string,
  identities: readonly AgeIdentity[],
): Uint8Array | undefined {
  let file: Uint8Array;
  try {
    file = armor.decode(armored);
  } catch {
    return undefined;
  }
  const header = parseHeader(file);
  if (header === undefined) return undefined;
  let fileKey: Uint8Array | undefined;
  for (const stanza of header.stanzas) {
    for (const identity of identities) {
      fileKey = unwrapStanza(stanza, identity);
      if (fileKey !== undefined) break;
    }
    if (fileKey !== undefined) break;
  }
  if (fileKey === undefined) return undefined;
  const macKey = hkdf(sha256, fileKey, new Uint8Array(0), ASCII("header"), 32);
  const mac = hmac(sha256, macKey, header.macInput);
  if (!equal(mac, header.mac)) return undefined;
  const payload = file.subarray(header.length);
  if (payload.length < 16 + 16 || payload.length > 16 + 64 * 1024 + 16) return undefined;
  const nonce = payload.subarray(0, 16);
  const payloadKey = hkdf(sha256, fileKey, nonce, ASCII("payload"), 32);
  const chunkNonce = new Uint8Array(12);
  chunkNonce[11] = 1; // counter 0, last chunk
  try {
    return chacha20poly1305(payloadKey, chunkNonce).decrypt(payload.subarray(16));
  } catch {
    return undefined;
  }
}

/** The 32-byte scalar of an `AGE-SECRET-KEY-1…` identity. */
export function ageScalar(secret: string): Uint8Array {
  const decoded = bech32.decodeToBytes(secret.toLowerCase());
  if (decoded.prefix !== "age-secret-key-" || decoded.bytes.length !== 32)
    throw new Error("not an age X25519 identity");
  return decoded.bytes;
}

/** The `age1…` recipient of an age identity, computed synchronously. */
export function ageRecipientOf(secret: string): string {
  return bech32.encodeFromBytes("age", x25519.getPublicKey(ageScalar(secret)));
}

interface Stanza {
  readonly args: string[];
  readonly body: Uint8Array;
}

function parseHeader(
  file: Uint8Array,
): { stanzas: Stanza[]; mac: Uint8Array; macInput: Uint8Array; length: number } | undefined {
  const text = Buffer.from(file).toString("latin1");
  const end = text.indexOf("\n---");
  if (end < 0) return undefined;
  const macLineEnd = text.indexOf("\n", end + 1);
  if (macLineEnd < 0) return undefined;
  const lines = text.slice(0, end).split("\n");
  if (lines.shift() !== "age-encryption.org/v1") return undefined;
  const stanzas: Stanza[] = [];
  while (lines.length > 0) {
    const first = lines.shift() as string;
    if (!first.startsWith("-> ")) return undefined;
    const args = first.slice(3).split(" ");
    const body: string[] = [];
    for (;;) {
      const line = lines.shift();
      if (line === undefined) return undefined;
      body.push(line);
      if (line.length < 64) break;
    }
    try {
      stanzas.push({ args, body: base64nopad.decode(body.join("")) });
    } catch {
      return undefined;
    }
  }
  const macText = text.slice(end + 5, macLineEnd);
  let mac: Uint8Array;
  try {
    mac = base64nopad.decode(macText);
  } catch {
    return undefined;
  }
  return { stanzas, mac, macInput: file.subarray(0, end + 4), length: macLineEnd + 1 };
}

const X25519_LABEL = ASCII("age-encryption.org/v1/X25519");
const SSH_LABEL = ASCII("age-encryption.org/v1/ssh-ed25519");

function unwrapStanza(stanza: Stanza, identity: AgeIdentity): Uint8Array | undefined {
  try {
    if (identity.kind === "age" && stanza.args[0] === "X25519" && stanza.args.length === 2) {
      const scalar = ageScalar(identity.secret);
      const share = base64nopad.decode(stanza.args[1] as string);
      const shared = x25519.getSharedSecret(scalar, share);
      const salt = concat(share, x25519.getPublicKey(scalar));
      const wrapKey = hkdf(sha256, shared, salt, X25519_LABEL, 32);
      return chacha20poly1305(wrapKey, new Uint8Array(12)).decrypt(stanza.body);
    }
    if (identity.kind === "ssh" && stanza.args[0] === "ssh-ed25519" && stanza.args.length === 3) {
      const share = base64nopad.decode(stanza.args[2] as string);
      const publicKey = identity.publicWire.subarray(identity.publicWire.length - 32);
      const montgomery = ed25519.utils.toMontgomery(publicKey);
      const tweak = hkdf(sha256, new Uint8Array(0), identity.publicWire, SSH_LABEL, 32);
      const secret = ed25519.utils.toMontgomerySecret(identity.seed);
      const shared = x25519.getSharedSecret(tweak, x25519.getSharedSecret(secret, share));
      const wrapKey = hkdf(sha256, shared, concat(share, montgomery), SSH_LABEL, 32);
      return chacha20poly1305(wrapKey, new Uint8Array(12)).decrypt(stanza.body);
    }
  } catch {
    // Not this identity's stanza.
  }
  return undefined;
}

function ASCII(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
