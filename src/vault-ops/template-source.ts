import type { AuditEvent, AuditSink } from "../audit/audit.js";
import { StrongboxError } from "../errors.js";
import { vaultRefText } from "../providers/vault/index.js";
import type { VaultClient } from "../vault/client.js";

/**
 * What a template reads from Vault, shaped as consul-template shapes it:
 * `secret(path)` gives `.Data` (with `.Data.data` and `.Data.metadata` on KV v2),
 * `list(path)` the key names under a path. `onValue` sees every value read, so
 * a caller can mask them; `onPath` every path, so a caller can watch them.
 * With `audit`, every path read is one record (found, missing or failed).
 */
export function vaultTemplateSource(
  client: VaultClient,
  hooks: {
    onValue?: (name: string, value: string) => void;
    onPath?: (path: string) => void;
    audit?: AuditSink | undefined;
  } = {},
): { secret(path: string): Promise<unknown>; list(path: string): Promise<string[]> } {
  const record = (path: string, outcome: AuditEvent["outcome"], extra: Partial<AuditEvent>) =>
    hooks.audit?.write([
      {
        time: new Date().toISOString(),
        action: "read",
        secret: path,
        source: "vault",
        ref: vaultRefText(path),
        outcome,
        ...extra,
        pid: process.pid,
      },
    ]);
  return {
    async secret(path) {
      hooks.onPath?.(path);
      let secret: Awaited<ReturnType<VaultClient["kvRead"]>>;
      let version: 1 | 2;
      try {
        ({ version } = await client.mountOf(path));
        secret = await client.kvRead(path);
      } catch (error) {
        record(path, "error", {
          code: error instanceof StrongboxError ? error.code : "E_VAULT",
        });
        throw error;
      }
      if (secret === undefined) {
        record(path, "missing", {});
        return undefined;
      }
      record(path, "ok", secret.version === undefined ? {} : { version: secret.version });
      for (const [key, value] of Object.entries(secret.data))
        hooks.onValue?.(key, typeof value === "string" ? value : JSON.stringify(value));
      return version === 2
        ? { Data: { data: secret.data, metadata: { version: secret.version } } }
        : { Data: secret.data };
    },
    list: (path) => client.kvList(path.replace(/\/+$/, "")),
  };
}
