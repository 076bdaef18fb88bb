import { createHash } from "node:crypto";
import { type AgeIdentity, readString } from "./age-keys.js";
import {
  ed25519SeedToX25519,
  edwardsToMontgomery,
  hkdf32,
  open,
  x25519Shared,
} from "./primitives.js";

// age's ssh-ed25519 recipient type, the half that opens (wrapping is in age.ts).

export const SSH_LABEL = new TextEncoder().encode("age-encryption.org/v1/ssh-ed25519");

export function sshTag(publicWire: Uint8Array): string {
  return Buffer.from(createHash("sha256").update(publicWire).digest().subarray(0, 4))
    .toString("base64")
    .replace(/=+$/, "");
}

export function ed25519PublicOf(publicWire: Uint8Array): Uint8Array {
  return readString(Buffer.from(publicWire), 4 + 11).bytes;
}

/** The file key of the first ssh-ed25519 stanza this key opens (age's ssh-ed25519 type). */
export function sshUnwrap(
  identity: Extract<AgeIdentity, { kind: "ssh" }>,
  stanzas: ReadonlyArray<{ readonly args: readonly string[]; readonly body: Uint8Array }>,
): Uint8Array | undefined {
  const secret = ed25519SeedToX25519(identity.seed);
  const montgomery = edwardsToMontgomery(ed25519PublicOf(identity.publicWire));
  const tweak = hkdf32(new Uint8Array(0), identity.publicWire, SSH_LABEL);
  const tag = sshTag(identity.publicWire);
  for (const stanza of stanzas) {
    if (stanza.args[0] !== "ssh-ed25519" || stanza.args[1] !== tag || stanza.args.length !== 3)
      continue;
    const share = Buffer.from(stanza.args[2] ?? "", "base64");
    const inner = x25519Shared(secret, share);
    const shared = inner === undefined ? undefined : x25519Shared(tweak, inner);
    if (shared === undefined) continue;
    const key = open(
      hkdf32(shared, concat(share, montgomery), SSH_LABEL),
      new Uint8Array(12),
      stanza.body,
    );
    // Not this key's stanza after all (a tag collision): try the next.
    if (key !== undefined) return key;
  }
  return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
