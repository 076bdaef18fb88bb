import { randomBytes } from "node:crypto";
import type { Identity, Recipient } from "age-encryption";
import { importModule } from "../../security/import-module.js";
import { type AgeIdentity, sshPublicWire } from "./age-keys.js";
import { edwardsToMontgomery, hkdf32, seal, x25519Public, x25519Shared } from "./primitives.js";
import { ed25519PublicOf, SSH_LABEL, sshTag, sshUnwrap } from "./ssh.js";

export type { AgeIdentity } from "./age-keys.js";

type AgeLib = typeof import("age-encryption");
declare const __STRONGBOX_BINARY__: boolean | undefined;
let loaded: Promise<AgeLib> | undefined;

/**
 * age-encryption, loaded when a key is wrapped (opening needs none of it: see
 * age-sync.ts). The npm package imports it from node_modules, outside the CLI
 * script whose size every command pays for; the single executable carries it.
 */
function ageLib(): Promise<AgeLib> {
  loaded ??=
    typeof __STRONGBOX_BINARY__ === "boolean" && __STRONGBOX_BINARY__
      ? import("age-encryption")
      : importModule<AgeLib>("age-encryption");
  return loaded;
}

export {
  ageIdentitiesIn,
  isAgeRecipient,
  parseOpenSshEd25519,
  sshPublicWire,
  sshRecipientLine,
} from "./age-keys.js";

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
  const lib = await ageLib();
  const encrypter = new lib.Encrypter();
  encrypter.addRecipient(recipient.startsWith("ssh-") ? sshRecipient(lib, recipient) : recipient);
  return lib.armor.encode(await encrypter.encrypt(key));
}

/** Wraps `key` under a passphrase (age's scrypt stanza, work factor 2^logN). */
export async function agePassphraseWrap(
  key: Uint8Array,
  passphrase: string,
  logN = 18,
): Promise<string> {
  const lib = await ageLib();
  const encrypter = new lib.Encrypter();
  encrypter.setPassphrase(passphrase);
  encrypter.setScryptWorkFactor(logN);
  return lib.armor.encode(await encrypter.encrypt(key));
}

/** Opens an armored age file with identities (age secret keys, SSH keys) or a passphrase; undefined when none fits. */
export async function ageUnwrap(
  armored: string,
  with_: { identities?: readonly AgeIdentity[]; passphrase?: string },
): Promise<Uint8Array | undefined> {
  const lib = await ageLib();
  const decrypter = new lib.Decrypter();
  for (const identity of with_.identities ?? [])
    decrypter.addIdentity(identity.kind === "ssh" ? sshIdentity(identity) : identity.secret);
  if (with_.passphrase !== undefined) decrypter.addPassphrase(with_.passphrase);
  try {
    return await decrypter.decrypt(lib.armor.decode(armored));
  } catch {
    return undefined;
  }
}

/** A new age X25519 identity and its recipient. */
export async function newAgeIdentity(): Promise<{ secret: string; recipient: string }> {
  const lib = await ageLib();
  const secret = await lib.generateX25519Identity();
  return { secret, recipient: await lib.identityToRecipient(secret) };
}

// --- SSH ed25519 (age's ssh-ed25519 recipient type) ---

function sshRecipient(lib: AgeLib, line: string): Recipient {
  const publicWire = sshPublicWire(line);
  const montgomery = edwardsToMontgomery(ed25519PublicOf(publicWire));
  const tweak = hkdf32(new Uint8Array(0), publicWire, SSH_LABEL);
  return {
    wrapFileKey(fileKey) {
      const ephemeral = randomBytes(32);
      const share = x25519Public(ephemeral);
      const inner = x25519Shared(ephemeral, montgomery);
      const shared = inner === undefined ? undefined : x25519Shared(tweak, inner);
      if (shared === undefined) throw new Error("ssh-ed25519: a low-order key");
      const wrapKey = hkdf32(shared, concat(share, montgomery), SSH_LABEL);
      const body = seal(wrapKey, new Uint8Array(12), fileKey);
      return [new lib.Stanza(["ssh-ed25519", sshTag(publicWire), b64(share)], body)];
    },
  };
}

function sshIdentity(identity: Extract<AgeIdentity, { kind: "ssh" }>): Identity {
  return {
    unwrapFileKey(stanzas) {
      return sshUnwrap(identity, stanzas) ?? null;
    },
  };
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
