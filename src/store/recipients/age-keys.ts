import { registerSecret } from "../../redact/registry.js";
import { ageRecipientOf } from "./age-sync.js";

// What identifies age and SSH keys, without any encryption: loaded by every store
// open, so it stays small (age-encryption itself is loaded only to wrap).

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

/** The age identities in a text (an identities file, `STRONGBOX_IDENTITY`): `AGE-SECRET-KEY-1…` lines, comments skipped. */
export function ageIdentitiesIn(text: string, source: string): AgeIdentity[] {
  const out: AgeIdentity[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("AGE-SECRET-KEY-1")) continue;
    registerSecret("age-identity", trimmed);
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

export function readString(data: Buffer, at: number): { bytes: Buffer; text: string; end: number } {
  if (at + 4 > data.length) throw new Error("truncated SSH key");
  const length = data.readUInt32BE(at);
  const end = at + 4 + length;
  if (end > data.length) throw new Error("truncated SSH key");
  const bytes = data.subarray(at + 4, end);
  return { bytes, text: bytes.toString("latin1"), end };
}

/**
 * The scrypt work factor (log2 N) of an armored age file's passphrase stanza,
 * read from its header without any key work; undefined when it has none or
 * is not an armored age file.
 */
export function agePassphraseWorkFactor(armored: string): number | undefined {
  const match =
    /-----BEGIN AGE ENCRYPTED FILE-----([A-Za-z0-9+/=\s]*?)-----END AGE ENCRYPTED FILE-----/.exec(
      armored,
    );
  if (match === null) return undefined;
  const text = Buffer.from((match[1] as string).replace(/\s+/g, ""), "base64").toString("latin1");
  const header = text.slice(0, text.indexOf("\n---"));
  // Any scrypt line counts, and one that does not parse is as bad as the worst.
  const lines = header.split("\n").filter((line) => line.startsWith("-> scrypt"));
  if (lines.length === 0) return undefined;
  const factors = lines.map((line) => {
    const parsed = /^-> scrypt [A-Za-z0-9+/]{22} ([1-9][0-9]?)$/.exec(line);
    return parsed === null ? Number.POSITIVE_INFINITY : Number(parsed[1]);
  });
  return Math.max(...factors);
}
