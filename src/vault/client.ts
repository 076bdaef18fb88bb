import { StrongboxError } from "../errors.js";
import { isHealth, notVault } from "./answer.js";
import { authenticate, type Session, type VaultAuthSpec } from "./auth.js";
import { connectionFromEnv, type FromEnvOptions, type VaultSettings } from "./client-env.js";
import { vaultError } from "./errors.js";
import { type VaultConnection, VaultHttp, type VaultRequest, type VaultResponse } from "./http.js";
import { keepSessionAlive } from "./keep-alive.js";
import { detectMount, type MountInfo } from "./mounts.js";
import { mountRefusal, pathSpellingRefusal, routedRefusal } from "./path-rule.js";

export type { FromEnvOptions, VaultSettings } from "./client-env.js";
export type { MountInfo } from "./mounts.js";

/** A KV secret as read: its key/value map and, for KV v2, its version. */
export interface KvSecret {
  readonly data: Readonly<Record<string, unknown>>;
  readonly version?: number;
}

/**
 * A small, complete Vault/OpenBao client: KV v1 and v2 (detected per mount),
 * token lookup, health, and the auth methods of {@link authenticate}. Tokens it
 * logged in for are revoked by {@link close}.
 */
export class VaultClient {
  readonly http: VaultHttp;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #auth: VaultAuthSpec;
  #session: Promise<Session> | undefined;
  readonly #mounts = new Map<string, Promise<MountInfo>>();

  constructor(
    connection: VaultConnection,
    env: Readonly<Record<string, string | undefined>>,
    auth: VaultAuthSpec = {},
  ) {
    this.http = new VaultHttp(connection);
    this.#env = env;
    this.#auth = auth;
  }

  /** Builds a client from `BAO_*`/`VAULT_*` variables, then the config. Throws `E_VAULT_UNREACHABLE` when no address is known. */
  static fromEnv(
    env: Readonly<Record<string, string | undefined>>,
    settings: VaultSettings = {},
    options: FromEnvOptions = {},
  ): VaultClient {
    const { connection, auth } = connectionFromEnv(env, settings, options);
    return new VaultClient(connection, env, auth);
  }

  /** The session token, logging in on first use. */
  session(signal?: AbortSignal): Promise<Session> {
    this.#session ??= authenticate(this.http, this.#env, this.#auth, signal);
    return this.#session;
  }

  /** Sends an authenticated request; throws a typed error for any status ≥ 400 except those `allow`ed. */
  async call(
    request: Omit<VaultRequest, "token">,
    allow: readonly number[] = [],
  ): Promise<VaultResponse> {
    const session = await this.session(request.signal);
    let full = { ...request, token: session.token };
    let response = await this.http.send(full);
    if (
      response.status === 403 &&
      session.created &&
      !(await this.#alive(session.token, request.signal))
    ) {
      // A token we logged in for was revoked or expired underneath us: log in once more and
      // retry. A 403 with a live token is a real permission problem and stands; so does a
      // given token's, which we cannot replace.
      this.#session = undefined;
      const fresh = await this.session(request.signal);
      full = { ...request, token: fresh.token };
      response = await this.http.send(full);
    }
    if (response.status >= 400 && !allow.includes(response.status)) {
      const error = vaultError(full, response, this.http.connection.address);
      // A denial is often the wrong credential, not a wrong policy: say which one was used.
      if (error.code === "E_VAULT_DENIED" || response.status === 401)
        throw new StrongboxError(error.code, `${error.message} [${session.source}]`, {
          hint: error.hint,
        });
      throw error;
    }
    return response;
  }

  async #alive(token: string, signal: AbortSignal | undefined): Promise<boolean> {
    const response = await this.http.send({
      method: "GET",
      path: "auth/token/lookup-self",
      token,
      signal,
    });
    return response.status < 400;
  }

  /**
   * Keeps the session's token alive for a long-running process, like the Go
   * client's lifetime watcher: renews at two thirds of its TTL; when the token
   * can no longer be renewed (max TTL reached, or revoked), logs in again.
   * Given tokens are renewed while renewable and never replaced. Returns a stop
   * function; the timer does not keep the process alive.
   */
  keepAlive(onError?: (error: Error) => void): () => void {
    return keepSessionAlive(
      this,
      () => {
        this.#session = undefined;
      },
      onError,
    );
  }

  /** `sys/health`, unauthenticated: initialised, sealed, standby, version. */
  async health(signal?: AbortSignal): Promise<Record<string, unknown>> {
    const response = await this.http.send({
      method: "GET",
      path: "sys/health",
      query: { standbyok: "true" },
      signal,
    });
    // A JSON server that is not Vault (another API at VAULT_ADDR) passes the body rule; it
    // does not send health's fields.
    if (!isHealth(response.body))
      throw notVault(
        { method: "GET", path: "sys/health" },
        this.http.connection.address,
        response.status,
        "no Vault health fields",
      );
    return response.body ?? {};
  }

  /** The current token's own description (policies, TTL, renewable). */
  async lookupSelf(signal?: AbortSignal): Promise<{
    policies: string[];
    ttl: number;
    renewable: boolean;
    displayName: string;
    accessor?: string;
    /** The auth method that made the token, from its creation path (`approle`, `token`, …). */
    method?: string;
    role?: string;
  }> {
    const data = (await this.call({ method: "GET", path: "auth/token/lookup-self", signal })).body
      ?.data as Record<string, unknown>;
    const meta = (data?.meta ?? {}) as Record<string, unknown> | null;
    const path = typeof data?.path === "string" ? data.path : "";
    const method = /^auth\/([^/]+)\//.exec(path)?.[1];
    const role = meta?.role_name ?? meta?.role;
    return {
      policies: (data?.policies as string[] | undefined) ?? [],
      ttl: Number(data?.ttl ?? 0),
      renewable: data?.renewable === true,
      displayName: String(data?.display_name ?? ""),
      ...(typeof data?.accessor === "string" ? { accessor: data.accessor } : {}),
      ...(method === undefined ? {} : { method }),
      ...(typeof role === "string" ? { role } : {}),
    };
  }

  /** The mount holding `path` and its KV version, asked once per mount prefix. */
  async mountOf(path: string, signal?: AbortSignal): Promise<MountInfo> {
    const first = path.split("/")[0] ?? path;
    let info = this.#mounts.get(first);
    if (info === undefined) {
      info = this.#detectMount(path, signal);
      this.#mounts.set(first, info);
      info.catch(() => this.#mounts.delete(first));
    }
    const known = await info;
    // The cache is keyed by first segment: under a namespace (ns1/secret/…, ns1/pki/…) one
    // first segment holds many mounts, so a cached mount decides only for paths inside it.
    return path.startsWith(known.mount) || `${path}/` === known.mount
      ? known
      : this.#detectMount(path, signal);
  }

  /**
   * The KV operations' gate, and the mount of a KV path that passes it: the
   * shared rule of `path-rule.ts` on the spelling, on where Vault routes a
   * path naming a reserved backend, and on the mount: a KV operation reaches
   * only KV mounts. Every KV operation of this client passes it, and so does
   * every path `vault setup` grants (vault-ops/setup.ts): a policy never
   * grants what a reference may not read.
   */
  async kvMount(path: string, signal?: AbortSignal): Promise<MountInfo> {
    const asker = {
      code: "E_REF" as const,
      subject: `the reference to ${path}`,
      who: "references",
    };
    const refusal =
      pathSpellingRefusal(path, false, asker) ??
      (await routedRefusal(this, path, false, asker, true, signal));
    if (refusal !== undefined) throw refusal;
    const mount = await this.mountOf(path, signal);
    const wrong = mountRefusal(mount, false, asker, true);
    if (wrong !== undefined) throw wrong;
    return mount;
  }

  #detectMount(path: string, signal?: AbortSignal): Promise<MountInfo> {
    return detectMount((request, allow) => this.call(request, allow), path, signal);
  }

  /** The API path of a KV operation: `data/`, `metadata/`… inserted after the mount for KV v2. */
  async #kvPath(
    path: string,
    section: "data" | "metadata" | "delete" | "undelete" | "destroy",
    signal?: AbortSignal,
  ): Promise<{ api: string; version: 1 | 2 }> {
    const { mount, version } = await this.kvMount(path, signal);
    if (version === 1) return { api: path, version };
    const rest = path.slice(mount.length).replace(/^(data|metadata)\//, "");
    return { api: `${mount}${section}/${rest}`, version };
  }

  /** Reads a KV secret (a given version on KV v2); undefined when absent, deleted or destroyed. */
  async kvRead(
    path: string,
    options: { version?: number; signal?: AbortSignal } = {},
  ): Promise<KvSecret | undefined> {
    const { api, version } = await this.#kvPath(path, "data", options.signal);
    // KV v1 keeps one value per key: answering a versioned read with the current value
    // would hand out something other than what was asked for.
    if (version === 1 && options.version !== undefined)
      throw new StrongboxError(
        "E_REF",
        `${path} is on a KV version 1 mount, which keeps no versions; version ${options.version} cannot be read`,
        { hint: "drop ?version= from the reference, or move the secret to a KV v2 mount" },
      );
    const query =
      version === 2 && options.version !== undefined
        ? { version: String(options.version) }
        : undefined;
    const response = await this.call(
      { method: "GET", path: api, signal: options.signal, ...(query ? { query } : {}) },
      [404],
    );
    if (response.status === 404) return undefined;
    const data = response.body?.data as Record<string, unknown> | null | undefined;
    if (version === 1) return { data: data ?? {} };
    const inner = data?.data as Record<string, unknown> | null | undefined;
    if (inner === null || inner === undefined) return undefined;
    const meta = data?.metadata as { version?: number } | undefined;
    return meta?.version === undefined ? { data: inner } : { data: inner, version: meta.version };
  }

  /** Writes a whole KV secret; on KV v2 with `cas` (0 = create only). Returns the new version (v2). */
  async kvWrite(
    path: string,
    data: Readonly<Record<string, unknown>>,
    options: { cas?: number; signal?: AbortSignal } = {},
  ): Promise<number | undefined> {
    const { api, version } = await this.#kvPath(path, "data", options.signal);
    const body =
      version === 1
        ? data
        : { data, ...(options.cas === undefined ? {} : { options: { cas: options.cas } }) };
    const response = await this.call({ method: "POST", path: api, body, signal: options.signal });
    return (response.body?.data as { version?: number } | undefined)?.version;
  }

  /** Merges keys into a KV v2 secret (a new version); `cas` guards against concurrent changes. */
  async kvPatch(
    path: string,
    data: Readonly<Record<string, unknown>>,
    options: { cas?: number; signal?: AbortSignal } = {},
  ): Promise<number | undefined> {
    const { api, version } = await this.#kvPath(path, "data", options.signal);
    if (version === 1)
      throw new StrongboxError("E_VAULT", `Vault PATCH ${path}: KV v1 has no patch`, {
        hint: "read, merge and write the whole secret",
      });
    const body = { data, ...(options.cas === undefined ? {} : { options: { cas: options.cas } }) };
    const response = await this.call({ method: "PATCH", path: api, body, signal: options.signal });
    return (response.body?.data as { version?: number } | undefined)?.version;
  }

  /** Lists the keys under a path (folders end in `/`); empty when there are none. */
  async kvList(path: string, signal?: AbortSignal): Promise<string[]> {
    const { api } = await this.#kvPath(path, "metadata", signal);
    const response = await this.call({ method: "LIST", path: api, signal }, [404]);
    return response.status === 404
      ? []
      : (((response.body?.data as { keys?: string[] } | undefined)?.keys ?? []) as string[]);
  }

  /** KV v2 metadata: versions, current version, custom metadata, max_versions. */
  async kvMetadata(
    path: string,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | undefined> {
    const { api, version } = await this.#kvPath(path, "metadata", signal);
    if (version === 1) return undefined;
    const response = await this.call({ method: "GET", path: api, signal }, [404]);
    return response.status === 404 ? undefined : (response.body?.data as Record<string, unknown>);
  }

  /** Writes KV v2 metadata (`max_versions`, `custom_metadata`, `cas_required`). */
  async kvWriteMetadata(
    path: string,
    metadata: Readonly<Record<string, unknown>>,
    signal?: AbortSignal,
  ): Promise<void> {
    const { api } = await this.#kvPath(path, "metadata", signal);
    await this.call({ method: "POST", path: api, body: metadata, signal });
  }

  /** Soft-deletes versions (KV v2; the latest when none given) or deletes the secret (KV v1). */
  async kvDelete(path: string, versions?: readonly number[], signal?: AbortSignal): Promise<void> {
    if (versions === undefined) {
      const { api } = await this.#kvPath(path, "data", signal);
      await this.call({ method: "DELETE", path: api, signal });
      return;
    }
    const { api } = await this.#kvPath(path, "delete", signal);
    await this.call({ method: "POST", path: api, body: { versions }, signal });
  }

  /** Deletes a secret for good: every version and the metadata on KV v2, the secret on KV v1. */
  async kvDeleteAll(path: string, signal?: AbortSignal): Promise<void> {
    const { api } = await this.#kvPath(path, "metadata", signal);
    await this.call({ method: "DELETE", path: api, signal });
  }

  async kvUndelete(path: string, versions: readonly number[], signal?: AbortSignal): Promise<void> {
    const { api } = await this.#kvPath(path, "undelete", signal);
    await this.call({ method: "POST", path: api, body: { versions }, signal });
  }

  async kvDestroy(path: string, versions: readonly number[], signal?: AbortSignal): Promise<void> {
    const { api } = await this.#kvPath(path, "destroy", signal);
    await this.call({ method: "PUT", path: api, body: { versions }, signal });
  }

  /** Revokes the token if this client logged in for it, and closes connections. Never throws. */
  async close(): Promise<void> {
    try {
      const session =
        this.#session === undefined ? undefined : await this.#session.catch(() => undefined);
      if (session?.created === true) {
        await this.http.send({
          method: "POST",
          path: "auth/token/revoke-self",
          token: session.token,
          signal: AbortSignal.timeout(2000),
        });
      }
    } catch {
      // best effort: the token expires on its own
    } finally {
      this.http.close();
    }
  }
}
