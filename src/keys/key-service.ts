import type { AwsSettings } from "../aws/client.js";
import type { VaultSettings } from "../vault/client.js";

/**
 * Where master keys live: the key-wrapping seam of envelope encryption and
 * of a store's remote recipients. A service makes a fresh data key and returns it with
 * its wrapped form, opens a wrapped key, and (where it can) rewraps one under
 * the master key's latest version without the data key leaving the service.
 * Vault/OpenBao Transit, AWS KMS and the local store implement it; each is one
 * `service` name in an envelope's key id (`transit:tracker-mek-42`).
 */
export interface KeyService {
  /** The service's name in key ids: `local`, `transit`, `aws-kms`. */
  readonly service: string;
  /** A new 256-bit data key, plain and wrapped under the latest version of master key `name`. */
  newDataKey(name: string, signal?: AbortSignal): Promise<NewDataKey>;
  /** The plain data key of `wrapped`; throws `E_ENVELOPE` when it does not open. */
  openDataKey(
    name: string,
    wrapped: Buffer,
    version: number,
    signal?: AbortSignal,
  ): Promise<Buffer>;
  /** `wrapped` rewrapped under the latest version of the master key, the data key unchanged. */
  rewrapDataKey(
    name: string,
    wrapped: Buffer,
    version: number,
    signal?: AbortSignal,
  ): Promise<WrappedDataKey>;
  /** The master key's latest version (0 where the service keeps versions to itself). */
  latestVersion(name: string, signal?: AbortSignal): Promise<number>;
}

export interface WrappedDataKey {
  readonly wrapped: Buffer;
  readonly version: number;
}

export interface NewDataKey extends WrappedDataKey {
  readonly key: Buffer;
}

/** Splits `service:name`. */
export function splitKeyId(keyId: string): { service: string; name: string } {
  const colon = keyId.indexOf(":");
  return { service: keyId.slice(0, colon), name: keyId.slice(colon + 1) };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A store's master key wrapped by a key that never leaves its service (a
 * store recipient `SERVICE:KEY`). The address, region and credentials always
 * come from this process's environment, never from the keyring: a stanza is
 * read before the keyring is authenticated, so a hand-edited one must not be
 * able to send a token to another host.
 */
export interface RecipientKeys {
  /** True when `env` names the service (an address, credentials), so a stanza is worth asking about. */
  configured(env: Env): boolean;
  /** The master key wrapped for `recipient`, bound to the store's id. */
  wrap(key: Uint8Array, recipient: string, storeId: string, env: Env): Promise<string>;
  /**
   * The master key from a stanza, or why it did not open here: `note` is
   * added after the stanza's description in the "none of your identities"
   * error (absent: nothing to say).
   */
  unwrap(
    wrapped: string,
    recipient: string,
    storeId: string,
    env: Env,
  ): Promise<{ readonly key: Buffer } | { readonly note?: string }>;
}

/** What a key service is made from: the environment Strongbox was given and the config's settings. */
export interface KeyServiceContext {
  readonly env: Env;
  readonly vault?: VaultSettings | undefined;
  readonly aws?: AwsSettings | undefined;
}

/** A key service made for one job, and how to let go of what it holds (a connection). */
export interface OpenedKeyService {
  readonly service: KeyService;
  close(): Promise<void>;
}

/**
 * One key service as the registry knows it (src/keys/registry.ts): its id,
 * the `SERVICE:` prefix of key ids and store recipients, and what it offers.
 */
export interface KeyServiceDefinition<Id extends string = string> {
  readonly id: Id;
  /** Field encryption: the service, made from the environment and config. */
  open(context: KeyServiceContext): Promise<OpenedKeyService>;
  /** Store recipients `ID:…`: absent for a service that cannot hold a store's key. */
  readonly recipient?: RecipientKeys;
}
