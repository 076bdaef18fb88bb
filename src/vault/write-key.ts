import { StrongboxError } from "../errors.js";
import type { Ref } from "../refs/ref.js";
import type { VaultClient } from "./client.js";

/**
 * Sets one key of a KV secret, keeping its other keys. On KV v2 it patches with
 * check-and-set against the version just read (or creates with cas=0), so a
 * concurrent change is never overwritten silently: on a conflict it reads again
 * and retries, up to three times. On KV v1 it reads, merges and writes (KV v1
 * cannot detect concurrent writers). Returns the new version on KV v2.
 */
export async function writeVaultKey(
  client: VaultClient,
  ref: Ref,
  value: string,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const key = ref.key;
  if (key === undefined) throw new StrongboxError("E_REF", "the vault:// target needs a #KEY");
  const { version } = await client.mountOf(ref.path, signal);
  for (let attempt = 0; ; attempt++) {
    const current = await client.kvRead(ref.path, signal === undefined ? {} : { signal });
    try {
      if (version === 1)
        return await client.kvWrite(
          ref.path,
          { ...current?.data, [key]: value },
          signal === undefined ? {} : { signal },
        );
      if (current?.version === undefined) {
        const metadata = await client.kvMetadata(ref.path, signal);
        const cas = Number(metadata?.current_version ?? 0);
        return await client.kvWrite(
          ref.path,
          { ...current?.data, [key]: value },
          { cas, ...(signal ? { signal } : {}) },
        );
      }
      return await client.kvPatch(
        ref.path,
        { [key]: value },
        { cas: current.version, ...(signal ? { signal } : {}) },
      );
    } catch (error) {
      if (!(error instanceof StrongboxError && error.code === "E_VAULT_CAS") || attempt >= 2)
        throw error;
    }
  }
}
