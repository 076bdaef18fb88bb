import { StrongboxError } from "../errors.js";
import { deriveOnce, hmac, macEquals, openRecord, recordContext, sealRecord } from "./crypto.js";
import { formatError, frame, fromB64u, tampered, toB64u, unframe } from "./encoding.js";
import type { Keyring } from "./keyring.js";

/** Per-secret metadata (docs/store-format.md §5). */
export interface SecretMeta {
  readonly description?: string;
  readonly tags?: readonly string[];
  /** RFC 3339 time after which the secret is refused. */
  readonly expires?: string;
  /** How often the secret should be rotated, e.g. `90d`. */
  readonly rotateEvery?: string;
}

/** One version as stored; `deleted` versions are tombstones without a record. */
export interface VersionWire {
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly state: "live" | "deleted";
  readonly kid?: number;
  readonly salt?: string;
  readonly ct?: string;
}

export interface SecretFile {
  readonly name: string;
  readonly meta: SecretMeta;
  readonly versions: readonly VersionWire[];
}

const FORMAT = "strongbox-secret/1";
const PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const FIELDS = ["format", "storeId", "name", "meta", "versions"];
const META_FIELDS = ["description", "tags", "expires", "rotateEvery"];
const VERSION_FIELDS = ["version", "createdAt", "createdBy", "state", "kid", "salt", "ct"];
/** The largest value the store accepts (§7). */
export const MAX_VALUE_BYTES = 1024 * 1024;
export const MAX_VERSIONS = 10_000;

/** Throws `E_STORE_NAME` unless `name` follows the name grammar (§1). */
export function checkSecretName(name: string): void {
  const parts = name.split("/");
  if (parts.length > 8 || !parts.every((part) => PART.test(part) && part !== "..")) {
    throw new StrongboxError(
      "E_STORE_NAME",
      `"${name.slice(0, 64).replace(/[^\x20-\x7e]/g, "?")}" is not a valid secret name`,
      {
        hint: "names are letters, digits, _ . - (not starting with . or -), up to 8 parts joined by /",
      },
    );
  }
}

/** The file name of a secret: `/` becomes `~` (a character names cannot hold). */
export function fileNameOf(name: string): string {
  return `${name.replaceAll("/", "~")}.sbx`;
}

export function nameOfFile(fileName: string): string | undefined {
  if (!fileName.endsWith(".sbx")) return undefined;
  return fileName.slice(0, -4).replaceAll("~", "/");
}

/** The secret-file MAC key, derived once per integrity key. */
function macKey(keyring: Keyring, integrityKey: Buffer = keyring.integrityKey): Buffer {
  return deriveOnce(integrityKey, "strongbox/v1/secret-mac", keyring.storeId);
}

/** True when `mac` authenticates `body` under the current integrity key, or the one a rekey is replacing. */
function authentic(keyring: Keyring, body: Buffer, mac: Buffer): boolean {
  if (macEquals(hmac(macKey(keyring), body), mac)) return true;
  const previous = keyring.previousIntegrityKey;
  return previous !== undefined && macEquals(hmac(macKey(keyring, previous), body), mac);
}

/** Serializes and authenticates a secret file. */
export function sealSecretFile(file: SecretFile, keyring: Keyring): Buffer {
  const wire = {
    format: FORMAT,
    storeId: toB64u(keyring.storeId),
    name: file.name,
    meta: file.meta,
    versions: file.versions,
  };
  const body = JSON.stringify(wire, null, 2);
  return frame(body, hmac(macKey(keyring), Buffer.from(body, "utf8")));
}

/**
 * Authenticates and parses a secret file. Throws `E_STORE_TAMPERED` for any
 * change to its bytes, and when it belongs to another store or name.
 */
export function openSecretFile(
  bytes: Buffer,
  keyring: Keyring,
  name: string,
  path: string,
): SecretFile {
  if (hasConflictMarkers(bytes))
    throw new StrongboxError(
      "E_STORE_CONFLICT",
      `${path}: secret ${name} has an unresolved git merge conflict`,
      {
        hint: `keep one side with \`strongbox resolve ${name} --ours\` or \`--theirs\` (each side is an authentic version of the file)`,
      },
    );
  const { body, mac } = unframe(bytes, path);
  if (!authentic(keyring, body, mac)) throw tampered(path, "its MAC does not match");
  const wire = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  if (wire.format !== FORMAT) throw formatError(path, "unknown format");
  for (const key of Object.keys(wire))
    if (!FIELDS.includes(key)) throw formatError(path, `unknown field "${key}"`);
  if (wire.storeId !== toB64u(keyring.storeId)) throw tampered(path, "it belongs to another store");
  if (wire.name !== name) throw tampered(path, "it belongs to another secret name");
  const meta = (wire.meta ?? {}) as SecretMeta;
  for (const key of Object.keys(meta))
    if (!META_FIELDS.includes(key)) throw formatError(path, `unknown meta field "${key}"`);
  const versions = wire.versions as VersionWire[];
  if (!Array.isArray(versions) || versions.length > MAX_VERSIONS)
    throw formatError(path, "bad versions list");
  versions.forEach((version, index) => {
    for (const key of Object.keys(version))
      if (!VERSION_FIELDS.includes(key)) throw formatError(path, `unknown version field "${key}"`);
    if (version.version !== index + 1) throw formatError(path, "versions must run 1, 2, 3, …");
  });
  return { name, meta, versions };
}

/** Encrypts `value` as version `version` of `name` under the active data key. */
export function sealVersion(
  keyring: Keyring,
  name: string,
  version: number,
  value: Uint8Array,
  salt: Buffer,
  stamp: { createdAt: string; createdBy: string },
): VersionWire {
  const kid = keyring.active;
  const key = keyring.dataKeys.get(kid)?.key as Buffer;
  const ct = sealRecord(key, salt, recordContext(keyring.storeId, name, version, kid), value);
  return { version, ...stamp, state: "live", kid, salt: toB64u(salt), ct: toB64u(ct) };
}

/** Decrypts one live version. Throws `E_STORE_TAMPERED` if its record does not open. */
export function openVersion(
  keyring: Keyring,
  name: string,
  version: VersionWire,
  path: string,
): Buffer {
  const kid = version.kid ?? 0;
  const entry = keyring.dataKeys.get(kid);
  const retired = keyring.retiredKeys?.get(kid);
  if (retired !== undefined)
    throw new StrongboxError(
      "E_STORE_TAMPERED",
      `${path}: version ${version.version} is encrypted under data key ${kid}, which \`rewrap\` retired at ${retired.retiredAt}`,
      {
        hint: "every record was re-encrypted when the key was retired, so this one was put back from an older copy; restore the current file from git",
      },
    );
  if (entry === undefined) {
    throw new StrongboxError(
      "E_STORE_TAMPERED",
      `${path}: version ${version.version} needs data key ${kid}, which the keyring does not hold`,
      {
        hint: "the keyring is older than this secret file; restore the keyring that goes with it",
      },
    );
  }
  const salt = fromB64u(version.salt, "salt", path);
  const sealed = fromB64u(version.ct, "ciphertext", path);
  if (salt.length !== 32) throw tampered(path, "a record salt has the wrong length");
  const plain = openRecord(
    entry.key,
    salt,
    recordContext(keyring.storeId, name, version.version, kid),
    sealed,
  );
  if (plain === undefined) throw tampered(path, `version ${version.version} does not decrypt`);
  return plain;
}

/** True when `bytes` hold git's conflict markers at the start of a line. */
export function hasConflictMarkers(bytes: Buffer): boolean {
  return /^(<{7}|>{7}) /m.test(bytes.toString("utf8"));
}
