/**
 * Where the master keys of field encryption live: the key-wrapping seam of
 * envelope encryption. A service makes a fresh data key and returns it with
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
