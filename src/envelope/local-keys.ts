import { randomBytes } from "node:crypto";
import { StrongboxError } from "../errors.js";
import type {
  KeyService,
  KeyServiceDefinition,
  NewDataKey,
  WrappedDataKey,
} from "../keys/key-service.js";
import { open, seal } from "../store/crypto.js";
import type { Store } from "../store/store.js";

/** The service's id: the `local:` of key ids. */
const ID = "local";

const PREFIX = "mek/";
const NONCE = 12;

/**
 * Master keys kept in the encrypted store, one secret per key (`mek/<name>`),
 * each store version one key version. For development and single-host
 * deployments; production keys belong in Transit or a KMS, where the master
 * key never reaches the application.
 *
 * A data key is wrapped with AES-256-GCM under the master key version, the key
 * id and version as associated data, behind a random 96-bit nonce.
 */
export function localKeys(store: Store): KeyService & {
  /** Creates master key `name`, or a new version of it (a rotation); returns the version. */
  rotate(name: string): number;
} {
  const masterKey = (name: string, version?: number): { key: Buffer; version: number } => {
    const found = store.get(`${PREFIX}${name}`, version);
    if (found === undefined || found.value.length !== 32)
      throw new StrongboxError(
        "E_ENVELOPE",
        `master key ${name}${version === undefined ? "" : ` version ${version}`} is not in the store`,
        {
          hint:
            version === undefined
              ? `create it with localKeys(store).rotate("${name}")`
              : "it was retired or never existed; the value cannot be decrypted without it",
        },
      );
    return { key: found.value, version: found.version };
  };
  const aad = (name: string, version: number) =>
    Buffer.from(`strongbox/field-wrap/v1\0${ID}:${name}\0${version}`, "utf8");
  const wrap = (name: string, dataKey: Buffer): WrappedDataKey => {
    const master = masterKey(name);
    const nonce = randomBytes(NONCE);
    return {
      wrapped: Buffer.concat([nonce, seal(master.key, nonce, dataKey, aad(name, master.version))]),
      version: master.version,
    };
  };
  const unwrap = (name: string, wrapped: Buffer, version: number): Buffer => {
    const master = masterKey(name, version);
    const key = open(
      master.key,
      wrapped.subarray(0, NONCE),
      wrapped.subarray(NONCE),
      aad(name, version),
    );
    if (key === undefined || key.length !== 32)
      throw new StrongboxError(
        "E_ENVELOPE",
        `a data key wrapped under ${ID}:${name} v${version} does not open`,
        {
          hint: "the value was changed, or belongs to another key",
        },
      );
    return key;
  };
  return {
    service: ID,
    async newDataKey(name): Promise<NewDataKey> {
      const key = randomBytes(32);
      return { key, ...wrap(name, key) };
    },
    async openDataKey(name, wrapped, version) {
      return unwrap(name, wrapped, version);
    },
    async rewrapDataKey(name, wrapped, version) {
      return wrap(name, unwrap(name, wrapped, version));
    },
    async latestVersion(name) {
      return masterKey(name).version;
    },
    rotate(name) {
      return store.set(`${PREFIX}${name}`, randomBytes(32), {
        description: "field-encryption master key (strongbox/crypto)",
      });
    },
  };
}

/**
 * Local keys as the key registry's callers hand them in (src/keys/registry.ts
 * sits below the store): `open` opens the store only when a `local:` key is asked for.
 */
export function localKeyService(openStore: () => Promise<Store>): KeyServiceDefinition<typeof ID> {
  return {
    id: ID,
    async open() {
      return { service: localKeys(await openStore()), close: async () => {} };
    },
  };
}
