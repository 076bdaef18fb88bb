import { createHash } from "node:crypto";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import {
  armor,
  Decrypter,
  Encrypter,
  generateX25519Identity,
  type Identity,
  identityToRecipient,
  type Recipient,
  Stanza,
} from "age-encryption";
import { ageRecipientOf } from "./age-sync.js";

/**
 * A store's master key wrapped for one recipient as a complete age file
 * (armored), so the real `age -d -i IDENTITY` opens it and `age -r` makes one
 * Strongbox opens. X25519 recipients and passphrases (age's scrypt stanza)
 * come from `age-encryption`, the TypeScript implementation by age's author;
 * SSH ed25519 keys, which it does not cover, follow age's ssh-ed25519 stanza
 * on the same noble primitives it uses.
 */

/** An age recipient string (`age1…`) or an SSH ed25519 public key line (`ssh-ed25519 AAAA…`). */
export type AgeRecipientText = string;

/** Wraps `key` (the master key) for one age or SSH recipient. */
export async function ageWrap(key: Uint8Array, recipient: AgeRecipientText): Promise<string> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient.startsWith("ssh-") ? sshRecipient(recipient) : recipient);
  return armor.encode(await encrypter.encrypt(key));
}

/** Wraps `key` under a passphrase (age's scrypt stanza, work factor 2^logN). */
export async function agePassphraseWrap(
  key: Uint8Array,
  passphrase: string,
  logN = 18,
): Promise<string> {
  const encrypter = new Encrypter();
  encrypter.setPassphrase(passphrase);
  encrypter.setScryptWorkFactor(logN);
  return armor.encode(await encrypter.encrypt(key));
}

/** Opens an armored age file with identities (age secret keys, SSH keys) or a passphrase; undefined when none fits. */
export async function ageUnwrap(
  armored: string,
  with_: { identities?: readonly AgeIdentity[]; passphrase?: string },
): Promise<Uint8Array | undefined> {
  const decrypter = new Decrypter();
  for (const identity of with_.identities ?? [])
    decrypter.addIdentity(identity.kind === "ssh" ? sshIdentity(identity) : identity.secret);
  if (with_.passphrase !== undefined) decrypter.addPassphrase(with_.passphrase);
  try {
    return await decrypter.decrypt(armor.decode(armored));
  } catch {
    return undefined;
  }
}

/** An identity that can open age files: an age secret key, or an SSH ed25519 private key. */
export type AgeIdentity =
  | {
      readonly kind: "age";
      readonly secret: string;
      readonly recipient: string;
      readonly source: string;
    }
  | {
      readonly kind: "ssh";
      /** The 32-byte ed25519 seed. */
      readonly seed: Uint8Array;
      /** The public key in SSH wire format. */
      readonly publicWire: Uint8Array;
      readonly recipient: string;
      readonly source: string;
    };

/** A new age X25519 identity and its recipient. */
export async function newAgeIdentity(): Promise<{ secret: string; recipient: string }> {
  const secret = await generateX25519Identity();
  return { secret, recipient: await identityToRecipient(secret) };
}

/** The age identities in a text (an identities file, `STRONGBOX_IDENTITY`): `AGE-SECRET-KEY-1…` lines, comments skipped. */
export function ageIdentitiesIn(text: string, source: string): AgeIdentity[] {
  const out: AgeIdentity[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("AGE-SECRET-KEY-1")) continue;
    out.push({ kind: "age", secret: trimmed, recipient: ageRecipientOf(trimmed), source });
  }
  return out;
}

/** Whether a text is a recipient Strongbox wraps for with age. */
export function isAgeRecipient(text: string): boolean {
  return (
    /^age1[02-9ac-hj-np-z]{58}$/.test(text) || /^ssh-ed25519 [A-Za-z0-9+/]+=*( .*)?$/.test(text)
  );
}

// --- SSH ed25519 (age's ssh-ed25519 recipient type) ---

const SSH_LABEL = new TextEncoder().encode("age-encryption.org/v1/ssh-ed25519");

/** The public key of an `ssh-ed25519 AAAA… comment` line, in SSH wire format. */
export function sshPublicWire(line: string): Uint8Array {
  const [type, body] = line.trim().split(/\s+/);
  const wire = Buffer.from(body ?? "", "base64");
  if (type !== "ssh-ed25519" || readString(wire, 0).text !== "ssh-ed25519")
    throw new Error("not an ssh-ed25519 public key");
  const key = readString(wire, 4 + 11).bytes;
  if (key.length !== 32) throw new Error("not an ssh-ed25519 public key");
  return wire;
}

/** The recipient line of an SSH wire-format ed25519 public key. */
export function sshRecipientLine(publicWire: Uint8Array): string {
  return `ssh-ed25519 ${Buffer.from(publicWire).toString("base64")}`;
}

function sshTag(publicWire: Uint8Array): string {
  return Buffer.from(createHash("sha256").update(publicWire).digest().subarray(0, 4))
    .toString("base64")
    .replace(/=+$/, "");
}

function ed25519PublicOf(publicWire: Uint8Array): Uint8Array {
  return readString(Buffer.from(publicWire), 4 + 11).bytes;
}

function sshRecipient(line: string): Recipient {
  const publicWire = sshPublicWire(line);
  const montgomery = ed25519.utils.toMontgomery(ed25519PublicOf(publicWire));
  const tweak = hkdf(sha256, new Uint8Array(0), publicWire, SSH_LABEL, 32);
  return {
    wrapFileKey(fileKey) {
      const ephemeral = randomBytes(32);
      const share = x25519.getPublicKey(ephemeral);
      const shared = x25519.getSharedSecret(tweak, x25519.getSharedSecret(ephemeral, montgomery));
      const salt = concat(share, montgomery);
      const wrapKey = hkdf(sha256, shared, salt, SSH_LABEL, 32);
      const body = chacha20poly1305(wrapKey, new Uint8Array(12)).encrypt(fileKey);
      return [new Stanza(["ssh-ed25519", sshTag(publicWire), b64(share)], body)];
    },
  };
}

function sshIdentity(identity: Extract<AgeIdentity, { kind: "ssh" }>): Identity {
  const secret = ed25519.utils.toMontgomerySecret(identity.seed);
  const montgomery = ed25519.utils.toMontgomery(ed25519PublicOf(identity.publicWire));
  const tweak = hkdf(sha256, new Uint8Array(0), identity.publicWire, SSH_LABEL, 32);
  const tag = sshTag(identity.publicWire);
  return {
    unwrapFileKey(stanzas) {
      for (const stanza of stanzas) {
        if (stanza.args[0] !== "ssh-ed25519" || stanza.args[1] !== tag) continue;
        const share = Buffer.from(stanza.args[2] ?? "", "base64");
        if (share.length !== 32) continue;
        const shared = x25519.getSharedSecret(tweak, x25519.getSharedSecret(secret, share));
        const wrapKey = hkdf(sha256, shared, concat(share, montgomery), SSH_LABEL, 32);
        try {
          return chacha20poly1305(wrapKey, new Uint8Array(12)).decrypt(stanza.body);
        } catch {
          // Not this key's stanza after all (a tag collision): try the next.
        }
      }
      return null;
    },
  };
}

/**
 * An unencrypted OpenSSH ed25519 private key (`-----BEGIN OPENSSH PRIVATE
 * KEY-----`), as `ssh-keygen -t ed25519 -N ""` writes it; undefined for any
 * other key (RSA, ECDSA, a passphrase-protected key), which Strongbox skips.
 */
export function parseOpenSshEd25519(
  text: string,
): { seed: Uint8Array; publicWire: Uint8Array } | undefined {
  const match =
    /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (match === null) return undefined;
  const data = Buffer.from((match[1] as string).replace(/\s+/g, ""), "base64");
  const magic = "openssh-key-v1\0";
  if (data.subarray(0, magic.length).toString("latin1") !== magic) return undefined;
  let at = magic.length;
  const next = () => {
    const field = readString(data, at);
    at = field.end;
    return field;
  };
  const cipher = next().text;
  next(); // kdf name
  next(); // kdf options
  if (cipher !== "none" || data.readUInt32BE(at) !== 1) return undefined;
  at += 4;
  const publicWire = next().bytes;
  const secret = Buffer.from(next().bytes);
  let p = 8; // two check integers
  const type = readString(secret, p);
  if (type.text !== "ssh-ed25519") return undefined;
  p = type.end;
  p = readString(secret, p).end; // the public key again
  const pair = readString(secret, p).bytes;
  if (pair.length !== 64) return undefined;
  return { seed: Uint8Array.from(pair.subarray(0, 32)), publicWire: Uint8Array.from(publicWire) };
}

function readString(data: Buffer, at: number): { bytes: Buffer; text: string; end: number } {
  if (at + 4 > data.length) throw new Error("truncated SSH key");
  const length = data.readUInt32BE(at);
  const end = at + 4 + length;
  if (end > data.length) throw new Error("truncated SSH key");
  const bytes = data.subarray(at + 4, end);
  return { bytes, text: bytes.toString("latin1"), end };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64").replace(/=+$/, "");
}
