import { randomFillSync } from "node:crypto";
import { StrongboxError } from "../errors.js";
import { type KeyService, splitKeyId } from "../keys/key-service.js";
import { open, seal } from "../store/crypto.js";
import {
  ENVELOPE_TAG,
  envelopePrefix,
  formatEnvelope,
  keyOfParts,
  MAX_FIELD_BYTES,
  NONCE_BYTES,
  parseEnvelope,
  sealedOfParts,
  splitEnvelope,
  wrappedOfParts,
} from "./format.js";

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
  /**
   * How often a data key in use for new values is checked against its master
   * key's latest version, in ms (default 30 s): after a rotation elsewhere, new
   * values go under the new version within this time. One `latestVersion` call
   * per master key per interval; where that call fails (a policy without read
   * on the Transit key), a fresh data key is made instead, which is always
   * under the latest version. Within one process a newer version is used at
   * once, as soon as the cipher sees one (its `latestVersion`, `rewrap`, or a
   * value it decrypted).
   */
  readonly versionCheckMs?: number;
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

/** The most values one data key may seal: random 96-bit nonces stay far from collision (NIST SP 800-38D allows 2^32). */
const MAX_USES = 2 ** 32;

interface OpenedKey {
  readonly key: Buffer;
  readonly keyId: string;
}

interface CurrentKey {
  readonly key: Buffer;
  readonly wrapped: Buffer;
  readonly version: number;
  readonly prefix: string;
  readonly made: number;
  uses: number;
  /** When its version was last confirmed as the master key's latest. */
  checked: number;
  /** A confirmation under way, shared by concurrent encryptions. */
  confirming?: Promise<void> | undefined;
}

/**
 * Field-level envelope encryption: each value is sealed with AES-256-GCM
 * under a data key with a random nonce, its tenant and place bound as
 * associated data; the data key is wrapped by the tenant's master key in a
 * {@link KeyService}. Data keys are reused for a bounded number of values and
 * time, and opened ones are cached (bounded), so bulk work calls the key
 * service once per data key, not per field.
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
  if (!(maxUses >= 1 && maxUses <= MAX_USES))
    throw new StrongboxError("E_USAGE", `dataKeyUses must be between 1 and 2^32, not ${maxUses}`, {
      hint: "random nonces are safe for 2^32 values per key; the default is 100,000",
    });
  const maxAge = options.dataKeyMaxAgeMs ?? 10 * 60_000;
  const cacheSize = options.cacheSize ?? 1_000;
  const versionCheck = options.versionCheckMs ?? 30_000;
  const now = options.now ?? Date.now;
  /**
   * The newest version of each master key this cipher has learnt from its key
   * service. A data key under an older version never seals again: values
   * written after a rotation stay readable once the old version is retired.
   */
  const newest = new Map<string, number>();
  const learn = (keyId: string, version: number) => {
    if (version > (newest.get(keyId) ?? Number.NEGATIVE_INFINITY)) newest.set(keyId, version);
  };
  /** The data key new values of a master key go under, while it lasts (pending or made). */
  const current = new Map<string, Promise<CurrentKey>>();
  /** The same once made: encryption's path without an await. */
  const ready = new Map<string, CurrentKey>();
  /** Opened data keys, by the envelope text of key id, version and wrapped key. */
  const opened = new Map<string, Promise<OpenedKey>>();
  const openedReady = new Map<string, OpenedKey>();
  const rewrapped = new Map<string, Promise<{ wrapped: Buffer; version: number }>>();
  const nonces = randomPool();

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
  // Oldest out first, without reordering on each hit (a hit costs one lookup). Evicted keys
  // are dropped, not zeroed: a decryption may still be using one.
  const remember = (id: string, key: Promise<OpenedKey>) => {
    opened.set(id, key);
    key.then(
      (value) => opened.get(id) === key && openedReady.set(id, value),
      () => opened.get(id) === key && opened.delete(id),
    );
    while (opened.size > cacheSize) {
      const oldest = opened.keys().next().value as string;
      opened.delete(oldest);
      openedReady.delete(oldest);
    }
  };
  /** Within its uses and age, and not under a version older than one this cipher knows of. */
  const live = (keyId: string, entry: CurrentKey | undefined): entry is CurrentKey =>
    entry !== undefined &&
    entry.uses < maxUses &&
    now() - entry.made < maxAge &&
    entry.version >= (newest.get(keyId) ?? entry.version);
  /** Live, and its version confirmed as the latest recently enough to seal with it. */
  const usable = (keyId: string, entry: CurrentKey | undefined): entry is CurrentKey =>
    live(keyId, entry) && now() - entry.checked < versionCheck;
  /** Asks the key service whether `entry`'s version is still the latest; a failure leaves it unconfirmed. */
  const confirm = async (keyId: string, entry: CurrentKey): Promise<void> => {
    try {
      const { service, name } = serviceOf(keyId);
      const latest = await service.latestVersion(name);
      learn(keyId, latest);
      if (latest <= entry.version) entry.checked = now();
    } catch {
      // Unconfirmed: a fresh data key is made, which the service wraps under its latest version.
    }
  };

  const dataKeyFor = async (keyId: string): Promise<CurrentKey> => {
    const existing = current.get(keyId);
    if (existing !== undefined) {
      const entry = await existing.catch(() => undefined);
      if (live(keyId, entry) && now() - entry.checked >= versionCheck) {
        entry.confirming ??= confirm(keyId, entry).finally(() => {
          entry.confirming = undefined;
        });
        await entry.confirming;
      }
      if (usable(keyId, entry)) {
        entry.uses++;
        return entry;
      }
      if (current.get(keyId) !== existing) return dataKeyFor(keyId);
    }
    const { service, name } = serviceOf(keyId);
    const made = service.newDataKey(name).then((fresh): CurrentKey => {
      learn(keyId, fresh.version);
      const prefix = envelopePrefix(keyId, fresh.version, fresh.wrapped);
      // A copy: forget() zeroes what the decryption cache holds.
      remember(
        prefix.slice(ENVELOPE_TAG.length + 1, -1),
        Promise.resolve({ key: Buffer.from(fresh.key), keyId }),
      );
      const entry: CurrentKey = {
        key: fresh.key,
        wrapped: fresh.wrapped,
        version: fresh.version,
        prefix,
        made: now(),
        uses: 0,
        checked: now(),
      };
      ready.set(keyId, entry);
      return entry;
    });
    current.set(keyId, made);
    made.catch(() => current.get(keyId) === made && current.delete(keyId));
    const entry = await made;
    entry.uses++;
    return entry;
  };

  const checkKey = (tenant: string, keyId: string) => {
    if (keyId === options.keyFor(tenant) || options.acceptKeys?.(tenant).includes(keyId) === true)
      return;
    throw new StrongboxError(
      "E_ENVELOPE",
      `the value is under master key ${keyId}, which is not a key of tenant ${tenant}`,
      {
        hint: "it was copied from another tenant's row, or the tenant's key changed (list the old one in acceptKeys)",
      },
    );
  };

  const decryptBytes = async (
    tenant: string,
    text: string,
    where: FieldContext,
  ): Promise<Buffer> => {
    const label = `the value of ${where.context}`;
    const parts = splitEnvelope(text, label);
    const id = `${parts.keyId}.${parts.keyVersion}.${parts.wrapped}`;
    let found = openedReady.get(id);
    if (found === undefined) {
      let entry = opened.get(id);
      if (entry === undefined) {
        const { keyId, keyVersion } = keyOfParts(parts, label);
        // Whose key it is is settled before any key service is asked.
        checkKey(tenant, keyId);
        const wrapped = wrappedOfParts(parts, label);
        const { service, name } = serviceOf(keyId);
        entry = service.openDataKey(name, wrapped, keyVersion).then((key) => {
          // The service opened it, so the version is real (an edited header opens nothing).
          learn(keyId, keyVersion);
          return { key, keyId };
        });
        remember(id, entry);
      }
      found = await entry;
    }
    checkKey(tenant, found.keyId);
    const { nonce, sealed } = sealedOfParts(parts, label);
    const plain = open(found.key, nonce, sealed, contextBytes(found.keyId, tenant, where.context));
    if (plain === undefined)
      throw new StrongboxError("E_ENVELOPE", `${label} does not decrypt for tenant ${tenant}`, {
        hint: "it was changed, or copied from another row, column or tenant; restore the row from a backup",
      });
    return plain;
  };

  return {
    async encrypt(tenant, plaintext, where) {
      const bytes = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
      if (bytes.length > MAX_FIELD_BYTES)
        throw new StrongboxError(
          "E_INVALID",
          `the value of ${where.context} is larger than 1 MiB`,
          {
            hint: "encrypt large blobs into object storage and keep a reference",
          },
        );
      const keyId = options.keyFor(tenant);
      let dataKey = ready.get(keyId);
      if (usable(keyId, dataKey)) dataKey.uses++;
      else dataKey = await dataKeyFor(keyId);
      const nonce = nonces(NONCE_BYTES);
      const sealed = seal(dataKey.key, nonce, bytes, contextBytes(keyId, tenant, where.context));
      return `${dataKey.prefix}${nonce.toString("base64url")}.${sealed.toString("base64url")}`;
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
      if (latest === undefined) learn(envelope.keyId, target);
      if (envelope.keyVersion >= target) return undefined;
      const id = `${envelope.keyId}\0${envelope.keyVersion}\0${envelope.wrapped.toString("base64")}`;
      let moved = rewrapped.get(id);
      if (moved === undefined) {
        moved = service.rewrapDataKey(name, envelope.wrapped, envelope.keyVersion);
        rewrapped.set(id, moved);
        if (rewrapped.size > cacheSize) rewrapped.delete(rewrapped.keys().next().value as string);
        moved.catch(() => rewrapped.get(id) === moved && rewrapped.delete(id));
      }
      const { wrapped, version } = await moved;
      learn(envelope.keyId, version);
      return formatEnvelope({ ...envelope, wrapped, keyVersion: version });
    },
    async latestVersion(keyId) {
      const { service, name } = serviceOf(keyId);
      const latest = await service.latestVersion(name);
      learn(keyId, latest);
      return latest;
    },
    keyOf(text) {
      return keyOfParts(splitEnvelope(text));
    },
    forget() {
      for (const entry of opened.values())
        void entry.then(
          (e) => e.key.fill(0),
          () => {},
        );
      for (const entry of current.values())
        void entry.then(
          (e) => e.key.fill(0),
          () => {},
        );
      opened.clear();
      openedReady.clear();
      current.clear();
      ready.clear();
      newest.clear();
      rewrapped.clear();
    },
  };
}

/**
 * Random bytes from a pool refilled 4 KiB at a time: one call into the
 * system's CSPRNG per few hundred nonces instead of one each (a third of the
 * cost of sealing a small field otherwise). Each returned slice is used once.
 */
function randomPool(): (size: number) => Buffer {
  const pool = Buffer.alloc(4096);
  let offset = pool.length;
  return (size) => {
    if (offset + size > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const out = Buffer.from(pool.subarray(offset, offset + size));
    offset += size;
    return out;
  };
}

/**
 * What a field is bound to, length-prefixed so no two different contexts
 * encode alike: the format, the master key, the tenant and the caller's
 * context. It is the GCM associated data. The key version and wrapped key are
 * not in it, so a rewrap leaves the ciphertext valid; changing them yields
 * another data key (or none), which fails the tag.
 */
export function contextBytes(keyId: string, tenant: string, context: string): Buffer {
  const parts = [ENVELOPE_TAG, keyId, tenant, context];
  let size = 0;
  for (const part of parts) size += 4 + Buffer.byteLength(part, "utf8");
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const part of parts) {
    const length = out.write(part, offset + 4, "utf8");
    out.writeUInt32BE(length, offset);
    offset += 4 + length;
  }
  return out;
}
