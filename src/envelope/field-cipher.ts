import { randomBytes } from "node:crypto";
import { StrongboxError } from "../errors.js";
import { derive, open, seal } from "../store/crypto.js";
import {
  ENVELOPE_TAG,
  type Envelope,
  formatEnvelope,
  MAX_FIELD_BYTES,
  parseEnvelope,
  SALT_BYTES,
} from "./format.js";
import { type KeyService, splitKeyId } from "./key-service.js";

/** Options of {@link fieldCipher}. */
export interface FieldCipherOptions {
  /** The key services master keys may live in (Transit, KMS, the local store). */
  readonly services: readonly KeyService[];
  /** The master key new values of `tenant` are encrypted under: `service:name`. */
  readonly keyFor: (tenant: string) => string;
  /**
   * Further master keys a tenant's values may be under (a key being replaced).
   * A value under any other key is refused, so a ciphertext copied from
   * another tenant's row does not decrypt even where both share a service.
   */
  readonly acceptKeys?: (tenant: string) => readonly string[];
  /** Fields encrypted under one data key before a fresh one is made (default 100,000). */
  readonly dataKeyUses?: number;
  /** How long one data key is used for new values, in ms (default 10 minutes). */
  readonly dataKeyMaxAgeMs?: number;
  /** Opened data keys kept for decryption (default 1,000), least recently used dropped first. */
  readonly cacheSize?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

/** Where a value is bound: a value copied to another tenant, table, column or row does not decrypt. */
export interface FieldContext {
  /** For example `wireguard_servers.private_key:42`. */
  readonly context: string;
}

/** Field-level envelope encryption with per-tenant master keys (docs/envelope-format.md). */
export interface FieldCipher {
  /** Encrypts `plaintext` for `tenant`; returns the envelope string for a text column. */
  encrypt(tenant: string, plaintext: string | Uint8Array, where: FieldContext): Promise<string>;
  /** Decrypts an envelope of `tenant` as UTF-8 text. */
  decrypt(tenant: string, text: string, where: FieldContext): Promise<string>;
  /** Decrypts an envelope of `tenant` as bytes. */
  decryptBytes(tenant: string, text: string, where: FieldContext): Promise<Buffer>;
  /**
   * The envelope with its data key rewrapped under the master key's latest
   * version, or undefined when it is already there. The data key stays in the
   * key service (Transit `rewrap`); the ciphertext is untouched.
   */
  rewrap(tenant: string, text: string, latest?: number): Promise<string | undefined>;
  /** The latest version of master key `keyId` (`service:name`). */
  latestVersion(keyId: string): Promise<number>;
  /** The master key and version an envelope is under, without decrypting it. */
  keyOf(text: string): { keyId: string; keyVersion: number };
  /** Drops every cached data key (zeroing it). */
  forget(): void;
}

const INFO = "strongbox/field/v1";
const KEY = 32;
const NONCE = 12;

/**
 * Field-level envelope encryption: each value is sealed with AES-256-GCM
 * under a key derived from a data key and a random salt; the data key is
 * wrapped by the tenant's master key in a {@link KeyService}. Data keys are
 * reused for a bounded number of values and time, and opened ones are cached
 * (bounded), so bulk work calls the key service once per data key, not per field.
 *
 * ```ts
 * const cipher = fieldCipher({
 *   services: [transitKeys(vault)],
 *   keyFor: (product) => `transit:${config[`TRACKER_MEK_ID_${product}`]}`,
 * });
 * const stored = await cipher.encrypt("42", email, { context: `users.email:${id}` });
 * ```
 */
export function fieldCipher(options: FieldCipherOptions): FieldCipher {
  const services = new Map(options.services.map((service) => [service.service, service]));
  const maxUses = options.dataKeyUses ?? 100_000;
  const maxAge = options.dataKeyMaxAgeMs ?? 10 * 60_000;
  const cacheSize = options.cacheSize ?? 1_000;
  const now = options.now ?? Date.now;
  /** The data key new values of a master key go under, while it lasts. */
  const current = new Map<
    string,
    Promise<{ key: Buffer; wrapped: Buffer; version: number; made: number; uses: number }>
  >();
  /** Opened data keys by master key, version and wrapped form. */
  const opened = new Map<string, Promise<Buffer>>();
  const rewrapped = new Map<string, Promise<{ wrapped: Buffer; version: number }>>();

  const serviceOf = (keyId: string): { service: KeyService; name: string } => {
    const { service, name } = splitKeyId(keyId);
    const found = services.get(service);
    if (found === undefined)
      throw new StrongboxError(
        "E_ENVELOPE",
        `no key service "${service}" was given for key ${keyId}`,
        {
          hint: `pass the ${service} service in fieldCipher({ services })`,
        },
      );
    return { service: found, name };
  };
  // Evicted keys are dropped, not zeroed: a decryption may still be using one.
  const remember = (id: string, key: Promise<Buffer>) => {
    opened.delete(id);
    opened.set(id, key);
    while (opened.size > cacheSize) opened.delete(opened.keys().next().value as string);
  };
  const cacheId = (keyId: string, version: number, wrapped: Buffer) =>
    `${keyId}\0${version}\0${wrapped.toString("base64")}`;

  const dataKeyFor = async (keyId: string) => {
    const existing = current.get(keyId);
    if (existing !== undefined) {
      const entry = await existing.catch(() => undefined);
      if (entry !== undefined && entry.uses < maxUses && now() - entry.made < maxAge) {
        entry.uses++;
        return entry;
      }
      if (current.get(keyId) !== existing) return dataKeyFor(keyId);
    }
    const { service, name } = serviceOf(keyId);
    const made = service.newDataKey(name).then((fresh) => {
      // A copy: forget() zeroes what the decryption cache holds.
      remember(
        cacheId(keyId, fresh.version, fresh.wrapped),
        Promise.resolve(Buffer.from(fresh.key)),
      );
      return { ...fresh, made: now(), uses: 0 };
    });
    current.set(keyId, made);
    made.catch(() => current.get(keyId) === made && current.delete(keyId));
    const entry = await made;
    entry.uses++;
    return entry;
  };

  const checkKey = (tenant: string, keyId: string) => {
    const allowed = [options.keyFor(tenant), ...(options.acceptKeys?.(tenant) ?? [])];
    if (!allowed.includes(keyId))
      throw new StrongboxError(
        "E_ENVELOPE",
        `the value is under master key ${keyId}, which is not a key of tenant ${tenant}`,
        {
          hint: "it was copied from another tenant's row, or the tenant's key changed (list the old one in acceptKeys)",
        },
      );
  };

  const openKey = (envelope: Envelope): Promise<Buffer> => {
    const id = cacheId(envelope.keyId, envelope.keyVersion, envelope.wrapped);
    const cached = opened.get(id);
    if (cached !== undefined) {
      remember(id, cached);
      return cached;
    }
    const { service, name } = serviceOf(envelope.keyId);
    const opening = service.openDataKey(name, envelope.wrapped, envelope.keyVersion);
    remember(id, opening);
    opening.catch(() => opened.get(id) === opening && opened.delete(id));
    return opening;
  };

  const decryptBytes = async (
    tenant: string,
    text: string,
    where: FieldContext,
  ): Promise<Buffer> => {
    const envelope = parseEnvelope(text, `the value of ${where.context}`);
    checkKey(tenant, envelope.keyId);
    const dataKey = await openKey(envelope);
    const context = contextBytes(envelope.keyId, tenant, where.context);
    const okm = derive(dataKey, INFO, context, KEY + NONCE, envelope.salt);
    const plain = open(okm.subarray(0, KEY), okm.subarray(KEY), envelope.sealed, context);
    okm.fill(0);
    if (plain === undefined)
      throw new StrongboxError(
        "E_ENVELOPE",
        `the value of ${where.context} does not decrypt for tenant ${tenant}`,
        {
          hint: "it was changed, or copied from another row, column or tenant; restore the row from a backup",
        },
      );
    return plain;
  };

  return {
    async encrypt(tenant, plaintext, where) {
      const bytes =
        typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : Buffer.from(plaintext);
      if (bytes.length > MAX_FIELD_BYTES)
        throw new StrongboxError(
          "E_INVALID",
          `the value of ${where.context} is larger than 1 MiB`,
          {
            hint: "encrypt large blobs into object storage and keep a reference",
          },
        );
      const keyId = options.keyFor(tenant);
      const dataKey = await dataKeyFor(keyId);
      const salt = randomBytes(SALT_BYTES);
      const context = contextBytes(keyId, tenant, where.context);
      const okm = derive(dataKey.key, INFO, context, KEY + NONCE, salt);
      const sealed = seal(okm.subarray(0, KEY), okm.subarray(KEY), bytes, context);
      okm.fill(0);
      return formatEnvelope({
        keyId,
        keyVersion: dataKey.version,
        wrapped: dataKey.wrapped,
        salt,
        sealed,
      });
    },
    async decrypt(tenant, text, where) {
      return (await decryptBytes(tenant, text, where)).toString("utf8");
    },
    decryptBytes,
    async rewrap(tenant, text, latest) {
      const envelope = parseEnvelope(text);
      checkKey(tenant, envelope.keyId);
      const { service, name } = serviceOf(envelope.keyId);
      const target = latest ?? (await service.latestVersion(name));
      if (envelope.keyVersion >= target) return undefined;
      const id = cacheId(envelope.keyId, envelope.keyVersion, envelope.wrapped);
      let moved = rewrapped.get(id);
      if (moved === undefined) {
        moved = service.rewrapDataKey(name, envelope.wrapped, envelope.keyVersion);
        rewrapped.set(id, moved);
        if (rewrapped.size > cacheSize) rewrapped.delete(rewrapped.keys().next().value as string);
        moved.catch(() => rewrapped.get(id) === moved && rewrapped.delete(id));
      }
      const { wrapped, version } = await moved;
      return formatEnvelope({ ...envelope, wrapped, keyVersion: version });
    },
    latestVersion(keyId) {
      const { service, name } = serviceOf(keyId);
      return service.latestVersion(name);
    },
    keyOf(text) {
      const { keyId, keyVersion } = parseEnvelope(text);
      return { keyId, keyVersion };
    },
    forget() {
      for (const key of opened.values())
        void key.then(
          (bytes) => bytes.fill(0),
          () => {},
        );
      for (const entry of current.values())
        void entry.then(
          (e) => e.key.fill(0),
          () => {},
        );
      opened.clear();
      current.clear();
      rewrapped.clear();
    },
  };
}

/**
 * What a field is bound to, length-prefixed so no two different contexts
 * encode alike: the format, the master key, the tenant and the caller's
 * context. It is the HKDF info (after the label) and the GCM associated data.
 * The key version and wrapped key are not in it, so a rewrap leaves the
 * ciphertext valid; changing them yields another data key, which fails the tag.
 */
export function contextBytes(keyId: string, tenant: string, context: string): Buffer {
  const parts = [ENVELOPE_TAG, keyId, tenant, context].map((part) => Buffer.from(part, "utf8"));
  return Buffer.concat(
    parts.flatMap((part) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(part.length);
      return [length, part];
    }),
  );
}
