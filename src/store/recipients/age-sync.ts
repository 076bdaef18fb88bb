import { createHmac } from "node:crypto";
import { base64nopad, bech32 } from "@scure/base";
import type { AgeIdentity } from "./age-keys.js";
import { hkdf32, open, x25519Public, x25519Shared } from "./primitives.js";
import { sshUnwrap } from "./ssh.js";

/**
 * Opening a small age file synchronously, without loading `age-encryption`:
 * every `run` opens its store this way, and a store write (synchronous) that
 * finds the store re-keyed by another process must unwrap the new master key
 * before it continues. `age-encryption` (by age's author) still makes every
 * stanza Strongbox writes, and opens passphrase stanzas. This follows
 * the age v1 specification (X25519 and ssh-ed25519 stanzas, the header MAC,
 * one STREAM chunk) on Node's own X25519, HKDF, HMAC and ChaCha20-Poly1305
 * (primitives.ts); the
 * tests check it against the age CLI and `age-encryption`. It opens only what
 * fits in one chunk (a 32-byte master key), and returns undefined for anything
 * else, for a stanza no identity matches, or for a file that does not verify.
 */
export function ageOpenSync(
  armored: string,
  identities: readonly AgeIdentity[],
): Uint8Array | undefined {
  const file = dearmor(armored);
  if (file === undefined) return undefined;
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
  const macKey = hkdf32(fileKey, new Uint8Array(0), ASCII("header"));
  const mac = createHmac("sha256", macKey).update(header.macInput).digest();
  if (!equal(mac, header.mac)) return undefined;
  const payload = file.subarray(header.length);
  if (payload.length < 16 + 16 || payload.length > 16 + 64 * 1024 + 16) return undefined;
  const nonce = payload.subarray(0, 16);
  const payloadKey = hkdf32(fileKey, nonce, ASCII("payload"));
  const chunkNonce = new Uint8Array(12);
  chunkNonce[11] = 1; // counter 0, last chunk
  return open(payloadKey, chunkNonce, payload.subarray(16));
}

/** The bytes of an armored age file (`-----BEGIN AGE ENCRYPTED FILE-----`), strictly as age reads it. */
function dearmor(text: string): Uint8Array | undefined {
  const lines = text.trim().replaceAll("\r\n", "\n").split("\n");
  if (lines.shift() !== "-----BEGIN AGE ENCRYPTED FILE-----") return undefined;
  if (lines.pop() !== "-----END AGE ENCRYPTED FILE-----") return undefined;
  const valid = lines.every((line, i) =>
    i === lines.length - 1
      ? line.length > 0 && line.length <= 64 && line.length % 4 === 0
      : line.length === 64,
  );
  if (!valid || !lines.every((line) => /^[A-Za-z0-9+/=]+$/.test(line))) return undefined;
  return Buffer.from(lines.join(""), "base64");
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
  return bech32.encodeFromBytes("age", x25519Public(ageScalar(secret)));
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

function unwrapStanza(stanza: Stanza, identity: AgeIdentity): Uint8Array | undefined {
  if (identity.kind === "ssh") return sshUnwrap(identity, [stanza]);
  if (stanza.args[0] !== "X25519" || stanza.args.length !== 2) return undefined;
  const scalar = ageScalar(identity.secret);
  let share: Uint8Array;
  try {
    share = base64nopad.decode(stanza.args[1] as string);
  } catch {
    return undefined;
  }
  const shared = x25519Shared(scalar, share);
  if (shared === undefined) return undefined;
  const salt = concat(share, x25519Public(scalar));
  return open(hkdf32(shared, salt, X25519_LABEL), new Uint8Array(12), stanza.body);
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
