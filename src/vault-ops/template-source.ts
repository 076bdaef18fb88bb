import type { VaultClient } from "../vault/client.js";

/**
 * What a template reads from Vault, shaped as consul-template shapes it:
 * `secret(path)` gives `.Data` (with `.Data.data` and `.Data.metadata` on KV v2),
 * `list(path)` the key names under a path. `onValue` sees every value read, so
 * a caller can mask them; `onPath` every path, so a caller can watch them.
 */
export function vaultTemplateSource(
  client: VaultClient,
  hooks: { onValue?: (name: string, value: string) => void; onPath?: (path: string) => void } = {},
): { secret(path: string): Promise<unknown>; list(path: string): Promise<string[]> } {
  return {
    async secret(path) {
      hooks.onPath?.(path);
      const { version } = await client.mountOf(path);
      const secret = await client.kvRead(path);
      if (secret === undefined) return undefined;
      for (const [key, value] of Object.entries(secret.data))
        hooks.onValue?.(key, typeof value === "string" ? value : JSON.stringify(value));
      return version === 2
        ? { Data: { data: secret.data, metadata: { version: secret.version } } }
        : { Data: secret.data };
    },
    list: (path) => client.kvList(path.replace(/\/+$/, "")),
  };
}
