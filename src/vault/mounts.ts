import type { VaultRequest, VaultResponse } from "./http.js";

/** Where a KV path lives: the mount and the engine version (auto-detected). */
export interface MountInfo {
  readonly mount: string;
  readonly version: 1 | 2;
  /** The engine: `kv` (also when the mount cannot be looked up), or `pki`, `transit`, `database`… */
  readonly kind: string;
}

/** How a mount is asked about: the client's authenticated call, 404 allowed. */
type Call = (
  request: Omit<VaultRequest, "token">,
  allow: readonly number[],
) => Promise<VaultResponse>;

/**
 * The mount holding `path`, its engine and KV version, from
 * `sys/internal/ui/mounts`; a path Vault cannot place is taken as KV v1 under its first segment.
 */
export async function detectMount(
  call: Call,
  path: string,
  signal?: AbortSignal,
): Promise<MountInfo> {
  const response = await call(
    { method: "GET", path: `sys/internal/ui/mounts/${path}`, signal },
    [404],
  );
  if (response.status === 404) return { mount: `${path.split("/")[0]}/`, version: 1, kind: "kv" };
  const data = response.body?.data as
    | { path?: string; type?: string; options?: { version?: string } | null }
    | undefined;
  const kind = data?.type === undefined || data.type === "generic" ? "kv" : data.type;
  return {
    mount: data?.path ?? `${path.split("/")[0]}/`,
    version: kind === "kv" && data?.options?.version === "2" ? 2 : 1,
    kind,
  };
}
