import { StrongboxError } from "../errors.js";
import { derive, hmac, macEquals, unwrapKey, wrapAad, wrapKey } from "./crypto.js";
import { formatError, frame, fromB64u, tampered, toB64u, unframe } from "./encoding.js";
import { isLineage, type LineageLink, MAX_LINEAGE } from "./lineage.js";

/**
 * How the master key is obtained, as recorded in the keyring: a `kind` and
 * that kind's own fields (a passphrase's scrypt salt and parameters, …).
 * The keyring carries it, authenticated; the key wrapper of that kind reads
 * and checks it (key-wrapper.ts).
 */
export interface MasterRecord {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** The keyring as stored (wire form). */
interface KeyringWire {
  format: "strongbox-keyring/1";
  storeId: string;
  createdAt: string;
  master: MasterRecord;
  check: string;
  integrityKey: string;
  previousIntegrityKey?: string;
  keys: Array<{ kid: number; createdAt: string; wrapped?: string; retiredAt?: string }>;
  active: number;
  manifest?: true;
  lineage?: LineageLink[];
  environments?: Record<string, EnvironmentEndorsement>;
}

/**
 * An environment store the root store vouches for (environments.ts): its id
 * and the lineage key it had when endorsed, both base64url. Kept in the root
 * keyring, so its MAC covers them.
 */
export interface EnvironmentEndorsement {
  readonly storeId: string;
  readonly lineage: string;
}

/** An unlocked keyring: every key in the clear, in memory only. */
export interface Keyring {
  readonly storeId: Buffer;
  readonly createdAt: string;
  readonly master: MasterRecord;
  readonly integrityKey: Buffer;
  /**
   * Only while a rekey re-authenticates the secret files: the integrity key
   * being replaced. Files it authenticated still verify until the rekey ends.
   */
  readonly previousIntegrityKey?: Buffer | undefined;
  readonly dataKeys: ReadonlyMap<number, { readonly key: Buffer; readonly createdAt: string }>;
  /** Data keys retired by `rewrap`: their ids stay taken, their material is gone. */
  readonly retiredKeys?: ReadonlyMap<
    number,
    { readonly createdAt: string; readonly retiredAt: string }
  >;
  readonly active: number;
  /** The store keeps a version manifest, so a missing manifest means a deleted one. */
  readonly manifest?: boolean;
  /** How the master key descends from earlier ones, oldest link first (lineage.ts); absent before the first rekey. */
  readonly lineage?: readonly LineageLink[];
  /** Environment stores (`envs/NAME`) this root store endorses, by name; absent when none. */
  readonly environments?: Readonly<Record<string, EnvironmentEndorsement>>;
}

/** The wrap context of the integrity key being replaced during a rekey (kid 0 is the current one). */
const PREVIOUS_INTEGRITY_KID = 0xffffffff;

/** The id the next data key gets: ids are never reused, retired or not. */
export function nextKeyId(keyring: Keyring): number {
  return keyring.dataKeys.size + (keyring.retiredKeys?.size ?? 0) + 1;
}

const FORMAT = "strongbox-keyring/1";
const FIELDS = [
  "format",
  "storeId",
  "createdAt",
  "master",
  "check",
  "integrityKey",
  "previousIntegrityKey",
  "keys",
  "active",
  "manifest",
  "lineage",
  "environments",
];

/** The key-check value: proves a master key belongs to this store without revealing it. */
function keyCheck(masterKey: Uint8Array, storeId: Uint8Array): Buffer {
  return hmac(
    derive(masterKey, "strongbox/v1/key-check", storeId),
    Buffer.from("strongbox/v1/check"),
  ).subarray(0, 16);
}

/** Serializes and authenticates a keyring under `masterKey`. `nonce` supplies wrap nonces (injectable for vectors). */
export function sealKeyring(keyring: Keyring, masterKey: Uint8Array, nonce: () => Buffer): Buffer {
  const kek = derive(masterKey, "strongbox/v1/kek", keyring.storeId);
  const wire: KeyringWire = {
    format: FORMAT,
    storeId: toB64u(keyring.storeId),
    createdAt: keyring.createdAt,
    master: keyring.master,
    check: toB64u(keyCheck(masterKey, keyring.storeId)),
    integrityKey: toB64u(wrapKey(kek, nonce(), keyring.integrityKey, wrapAad(keyring.storeId, 0))),
    ...(keyring.previousIntegrityKey === undefined
      ? {}
      : {
          previousIntegrityKey: toB64u(
            wrapKey(
              kek,
              nonce(),
              keyring.previousIntegrityKey,
              wrapAad(keyring.storeId, PREVIOUS_INTEGRITY_KID),
            ),
          ),
        }),
    keys: [
      ...[...keyring.dataKeys].map(([kid, entry]) => ({
        kid,
        createdAt: entry.createdAt,
        wrapped: toB64u(wrapKey(kek, nonce(), entry.key, wrapAad(keyring.storeId, kid))),
      })),
      ...[...(keyring.retiredKeys ?? [])].map(([kid, entry]) => ({
        kid,
        createdAt: entry.createdAt,
        retiredAt: entry.retiredAt,
      })),
    ].sort((a, b) => a.kid - b.kid),
    active: keyring.active,
    ...(keyring.manifest === true ? { manifest: true as const } : {}),
    ...(keyring.lineage === undefined || keyring.lineage.length === 0
      ? {}
      : { lineage: keyring.lineage.slice(-MAX_LINEAGE) }),
    ...(keyring.environments === undefined || Object.keys(keyring.environments).length === 0
      ? {}
      : { environments: sortedEndorsements(keyring.environments) }),
  };
  const body = JSON.stringify(wire, null, 2);
  return frame(
    body,
    hmac(derive(masterKey, "strongbox/v1/keyring-mac", keyring.storeId), Buffer.from(body, "utf8")),
  );
}

/** Reads the parts of a keyring needed before the master key is known: store id and how to get the key. */
export function peekKeyring(
  bytes: Buffer,
  file: string,
): { storeId: Buffer; master: MasterRecord } {
  const loose = parseJson(unframe(bytes, file).body, file);
  const storeId = authenticStoreId(loose, file);
  // Unauthenticated until the key is derived: its wrapper checks it before any work is done.
  return { storeId, master: masterRecord(loose.master, file) };
}

/**
 * The environment endorsements a keyring's `environments` field lists, read
 * before (without) the master key: unauthenticated, so fit only for refusing
 * or for deciding whether to look further — a name taken out of the file
 * breaks the keyring's MAC, and the store then does not open.
 */
export function peekEndorsements(
  bytes: Buffer,
  file: string,
): Readonly<Record<string, Partial<EnvironmentEndorsement>>> {
  const environments = parseJson(unframe(bytes, file).body, file).environments;
  return environments !== null && typeof environments === "object"
    ? (environments as Record<string, Partial<EnvironmentEndorsement>>)
    : {};
}

/**
 * Opens a keyring with `masterKey`. Throws `E_STORE_WRONG_KEY` when the key is
 * not this store's, `E_STORE_TAMPERED` when the file was changed, and
 * `E_STORE_FORMAT` for an unknown version.
 */
export function openKeyring(bytes: Buffer, masterKey: Uint8Array, file: string): Keyring {
  const { body, mac } = unframe(bytes, file);
  // Only the store id and check are read before the MAC is verified; every other
  // field is interpreted after, so a changed byte reads as tampering, not as a format.
  const loose = parseJson(body, file);
  const storeId = authenticStoreId(loose, file);
  const check =
    typeof loose.check === "string" ? Buffer.from(loose.check, "base64url") : Buffer.alloc(0);
  if (!macEquals(keyCheck(masterKey, storeId), check)) {
    throw new StrongboxError(
      "E_STORE_WRONG_KEY",
      `${file}: the master key does not open this store`,
      {
        hint: "check STRONGBOX_MASTER_KEY, STRONGBOX_KEY_FILE or the passphrase; every store has its own key",
      },
    );
  }
  if (!macEquals(hmac(derive(masterKey, "strongbox/v1/keyring-mac", storeId), body), mac)) {
    throw tampered(file, "its MAC does not match");
  }
  const wire = parseWire(body, file);
  const kek = derive(masterKey, "strongbox/v1/kek", storeId);
  const unwrap = (wrapped: string, kid: number) => {
    const key = unwrapKey(kek, fromB64u(wrapped, `key ${kid}`, file), wrapAad(storeId, kid));
    if (key === undefined) throw tampered(file, `key ${kid} does not unwrap`);
    return key;
  };
  const dataKeys = new Map<number, { key: Buffer; createdAt: string }>();
  const retiredKeys = new Map<number, { createdAt: string; retiredAt: string }>();
  wire.keys.forEach((entry, index) => {
    if (entry.kid !== index + 1) throw formatError(file, "key ids must run 1, 2, 3, …");
    if (entry.retiredAt !== undefined && entry.wrapped === undefined)
      retiredKeys.set(entry.kid, { createdAt: entry.createdAt, retiredAt: entry.retiredAt });
    else if (typeof entry.wrapped === "string" && entry.retiredAt === undefined)
      dataKeys.set(entry.kid, {
        key: unwrap(entry.wrapped, entry.kid),
        createdAt: entry.createdAt,
      });
    else throw formatError(file, `key ${entry.kid} must be wrapped or retired, not both`);
  });
  if (!dataKeys.has(wire.active)) throw formatError(file, "the active key is not in the keyring");
  return {
    storeId,
    createdAt: wire.createdAt,
    master: wire.master,
    integrityKey: unwrap(wire.integrityKey, 0),
    ...(wire.previousIntegrityKey === undefined
      ? {}
      : { previousIntegrityKey: unwrap(wire.previousIntegrityKey, PREVIOUS_INTEGRITY_KID) }),
    dataKeys,
    ...(retiredKeys.size === 0 ? {} : { retiredKeys }),
    active: wire.active,
    ...(wire.manifest === true ? { manifest: true } : {}),
    ...(wire.lineage === undefined ? {} : { lineage: wire.lineage }),
    ...(wire.environments === undefined ? {} : { environments: wire.environments }),
  };
}

/** Endorsements in name order, so the same set always seals to the same bytes. */
function sortedEndorsements(
  environments: Readonly<Record<string, EnvironmentEndorsement>>,
): Record<string, EnvironmentEndorsement> {
  return Object.fromEntries(
    Object.keys(environments)
      .sort()
      .map((name) => {
        const { storeId, lineage } = environments[name] as EnvironmentEndorsement;
        return [name, { storeId, lineage }];
      }),
  );
}

/** The `environments` field's shape: at most 256 names, each an id (16 bytes) and a lineage key (32). */
function isEndorsements(value: unknown): value is Record<string, EnvironmentEndorsement> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= 256 &&
    entries.every(
      ([name, entry]) =>
        /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name) &&
        typeof entry === "object" &&
        entry !== null &&
        Object.keys(entry).sort().join() === "lineage,storeId" &&
        /^[A-Za-z0-9_-]{22}$/.test((entry as EnvironmentEndorsement).storeId) &&
        /^[A-Za-z0-9_-]{43}$/.test((entry as EnvironmentEndorsement).lineage),
    )
  );
}

function parseJson(body: Buffer, file: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    if (value !== null && typeof value === "object") return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw tampered(file, "its body is not a JSON object");
}

function authenticStoreId(loose: Record<string, unknown>, file: string): Buffer {
  const storeId =
    typeof loose.storeId === "string" ? Buffer.from(loose.storeId, "base64url") : Buffer.alloc(0);
  if (storeId.length !== 16) throw tampered(file, "its store id is damaged");
  return storeId;
}

function parseWire(body: Buffer, file: string): KeyringWire {
  const wire = parseJson(body, file) as unknown as KeyringWire;
  if (wire === null || typeof wire !== "object")
    throw formatError(file, "the body is not an object");
  if (wire.format !== FORMAT)
    throw formatError(file, `unknown format ${JSON.stringify(String(wire.format)).slice(0, 40)}`);
  for (const key of Object.keys(wire))
    if (!FIELDS.includes(key)) throw formatError(file, `unknown field "${key}"`);
  if (!Array.isArray(wire.keys) || wire.keys.length === 0 || !Number.isInteger(wire.active))
    throw formatError(file, "no keys");
  masterRecord(wire.master, file);
  if (wire.lineage !== undefined && !isLineage(wire.lineage))
    throw formatError(file, "its lineage is not a list of key links");
  if (wire.environments !== undefined && !isEndorsements(wire.environments))
    throw formatError(file, "its environment endorsements are malformed");
  return wire;
}

/** The `master` record; its absence cannot be told from an altered field name before authentication. */
function masterRecord(value: unknown, file: string): MasterRecord {
  if (
    typeof value !== "object" ||
    value === null ||
    typeof (value as MasterRecord).kind !== "string"
  )
    throw tampered(file, "no master key record");
  return value as MasterRecord;
}
