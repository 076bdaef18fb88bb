import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { derive } from "./crypto.js";
import { toB64u } from "./encoding.js";

/**
 * A store's key lineage (docs/store-format.md §4.1). Each master key has an
 * Ed25519 *lineage key* derived from it; its public half names the master key
 * without revealing it. A rekey signs the new master's lineage key with the
 * old one's, and the keyring keeps those links, oldest first. A reader who
 * pinned a store's lineage key on first use (known-stores.ts) accepts a new
 * master key only if the links lead from the pinned one to it: someone who
 * replaced the whole keyring, wrapped for the same public recipients, holds
 * none of the old keys and cannot sign the step.
 */

/** One step of the lineage: the previous master key's lineage key, and its signature of the next one. */
export interface LineageLink {
  /** The previous master's lineage public key (32 bytes, base64url). */
  readonly key: string;
  /** Ed25519 signature by that key of {@link linkMessage} (64 bytes, base64url). */
  readonly sig: string;
}

/** The most links a keyring keeps; a reader pinned further back trusts the store again by hand. */
export const MAX_LINEAGE = 64;

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410), so Node's crypto takes it as a key.
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
// SubjectPublicKeyInfo wrapping of a raw Ed25519 public key (RFC 8410).
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");

function privateKey(masterKey: Uint8Array, storeId: Uint8Array): KeyObject {
  const seed = derive(masterKey, "strongbox/v1/lineage", storeId);
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519, seed]),
    format: "der",
    type: "pkcs8",
  });
}

function publicRaw(key: KeyObject): Buffer {
  return createPublicKey(key).export({ format: "der", type: "spki" }).subarray(SPKI_ED25519.length);
}

/** The lineage public key of a master key (base64url): what a reader pins. */
export function lineageId(masterKey: Uint8Array, storeId: Uint8Array): string {
  return toB64u(publicRaw(privateKey(masterKey, storeId)));
}

/** What a link signs: the step from one master key to the next, bound to the store. */
function linkMessage(storeId: Uint8Array, from: Buffer, to: Buffer): Buffer {
  return Buffer.concat([Buffer.from("strongbox/v1/lineage-link\0", "ascii"), storeId, from, to]);
}

/** The link a rekey adds: the old master key endorses the new one. */
export function endorse(
  oldMasterKey: Uint8Array,
  newMasterKey: Uint8Array,
  storeId: Uint8Array,
): LineageLink {
  const key = privateKey(oldMasterKey, storeId);
  const from = publicRaw(key);
  const to = publicRaw(privateKey(newMasterKey, storeId));
  return { key: toB64u(from), sig: toB64u(sign(null, linkMessage(storeId, from, to), key)) };
}

/**
 * True when `current` (the lineage id of the master key that opened the
 * store) descends from `pinned` through the keyring's links: the last link
 * made by `pinned`, and every link after it, each verify.
 */
export function descends(
  lineage: readonly LineageLink[],
  storeId: Uint8Array,
  pinned: string,
  current: string,
): boolean {
  if (pinned === current) return true;
  const start = lineage.map((link) => link.key).lastIndexOf(pinned);
  if (start === -1) return false;
  for (let i = start; i < lineage.length; i++) {
    const link = lineage[i] as LineageLink;
    const next = i + 1 < lineage.length ? (lineage[i + 1] as LineageLink).key : current;
    const from = Buffer.from(link.key, "base64url");
    const to = Buffer.from(next, "base64url");
    if (from.length !== 32 || to.length !== 32) return false;
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519, from]),
      format: "der",
      type: "spki",
    });
    if (!verify(null, linkMessage(storeId, from, to), key, Buffer.from(link.sig, "base64url")))
      return false;
  }
  return true;
}

/** Checks a keyring's `lineage` field's shape (authenticated, but still bounded before use). */
export function isLineage(value: unknown): value is LineageLink[] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_LINEAGE &&
    value.every(
      (link) =>
        typeof link === "object" &&
        link !== null &&
        Object.keys(link).sort().join() === "key,sig" &&
        typeof (link as LineageLink).key === "string" &&
        /^[A-Za-z0-9_-]{43}$/.test((link as LineageLink).key) &&
        typeof (link as LineageLink).sig === "string" &&
        /^[A-Za-z0-9_-]{86}$/.test((link as LineageLink).sig),
    )
  );
}
