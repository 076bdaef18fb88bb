import { createHash } from "node:crypto";
import { StrongboxError } from "../../errors.js";
import type { VaultClient } from "../../vault/client.js";
import { kvVersionDeleted } from "../../vault/kv-deletion.js";
import { type KeyedVersion, previousSettled } from "../key-versions.js";

type Client = Pick<VaultClient, "kvMetadata" | "mountOf" | "kvRead">;

/**
 * The versions of a KV v2 path, newest (current) first and contiguous, each
 * readable one with its data; a deleted, destroyed or pruned version without.
 * With `enough`, stops as soon as it says older versions are not needed.
 * KV v1 keeps no versions: `E_REF`.
 */
export async function vaultKeyedVersions(
  client: Client,
  path: string,
  signal: AbortSignal | undefined,
  enough?: (versions: readonly KeyedVersion[]) => boolean,
): Promise<KeyedVersion[]> {
  const metadata = await client.kvMetadata(path, signal);
  if (metadata === undefined) {
    if ((await client.mountOf(path, signal)).version === 1)
      throw new StrongboxError(
        "E_REF",
        `${path} is on a KV version 1 mount, which keeps no previous version`,
        { hint: "move the secret to a KV v2 mount to rotate with an overlap" },
      );
    return [];
  }
  const infos = (metadata.versions ?? {}) as Record<
    string,
    { created_time?: string; deletion_time?: string; destroyed?: boolean }
  >;
  const versions: KeyedVersion[] = [];
  for (let version = Number(metadata.current_version); version >= 1; version--) {
    const info = infos[String(version)];
    const created = info?.created_time ? { createdAt: info.created_time } : {};
    const deleted = info !== undefined && info.destroyed !== true && kvVersionDeleted(info);
    const readable = info !== undefined && info.destroyed !== true && !deleted;
    const secret = readable
      ? await client.kvRead(path, { version, ...(signal === undefined ? {} : { signal }) })
      : undefined;
    versions.push({
      version,
      ...created,
      ...(secret === undefined ? {} : { values: secret.data }),
      ...(deleted ? { deleted } : {}),
    });
    if (enough?.(versions) === true) break;
  }
  return versions;
}

/** Reads only as far back as every one of `keys` needs to know its previous version. */
export function previousOfKeysKnown(
  keys: readonly string[],
): (versions: readonly KeyedVersion[]) => boolean {
  return (versions) => keys.every((key) => previousSettled(key, versions));
}

/** The versions with each value replaced by its digest: equal exactly when the values are. */
export function digested(versions: readonly KeyedVersion[]): KeyedVersion[] {
  return versions.map(({ values, ...version }) =>
    values === undefined
      ? version
      : {
          ...version,
          values: Object.fromEntries(
            Object.entries(values).map(([key, value]) => [
              key,
              createHash("sha256")
                .update(typeof value === "string" ? value : JSON.stringify(value))
                .digest("hex"),
            ]),
          ),
        },
  );
}
