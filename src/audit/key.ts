import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";
import { registerSecret } from "../redact/registry.js";
import {
  createKeyFile,
  parseKeyText,
  readKeyFileWith,
  strongboxConfigDir,
} from "../security/key-file.js";

/** The audit key's file name in the key directory, beside the stores' keys (which it is not). */
export const AUDIT_KEY_FILE = "audit.key";

/** The audit key: `STRONGBOX_AUDIT_KEY`, else the key file (made 0600 on first write). */
export function auditKey(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly create: boolean },
): Buffer {
  const given = env.STRONGBOX_AUDIT_KEY;
  if (given !== undefined && given !== "")
    return parseKeyText(given, "STRONGBOX_AUDIT_KEY", registerSecret);
  const file = join(strongboxConfigDir(env), "keys", AUDIT_KEY_FILE);
  if (existsSync(file)) return readKeyFileWith(file, registerSecret);
  if (!options.create)
    throw new StrongboxError("E_STORE_KEY", `no audit key at ${file}`, {
      hint: "set STRONGBOX_AUDIT_KEY to the key the log was written with",
    });
  const key = randomBytes(32);
  // Two first writers at once (two `run`s in a fresh HOME): the first file wins and the
  // other reads it, so no head is signed with a key that a later rename then replaces.
  if (createKeyFile(file, key)) return key;
  return readKeyFileWith(file, registerSecret);
}

/**
 * The keyed HMAC of a value, as records carry it in `valueMac`: domain-separated
 * from the chain's MACs, over the value's UTF-8 bytes.
 */
export function valueDigest(key: Buffer, value: string | Uint8Array): string {
  return createHmac("sha256", key)
    .update("strongbox-audit-value\0")
    .update(typeof value === "string" ? Buffer.from(value, "utf8") : value)
    .digest("base64url");
}

/** The chain's MAC of a record's text (or of a head's state, prefixed `head:`). */
export function sign(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("base64url");
}

/** Compares two MACs in constant time. */
export function macEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
