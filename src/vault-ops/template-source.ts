import type { AuditEvent, AuditSink, Principal } from "../audit/event.js";
import { StrongboxError } from "../errors.js";
import { callKey } from "../template/call-key.js";
import type { VaultClient } from "../vault/client.js";
import { kvVersionDeleted } from "../vault/kv-deletion.js";
import {
  mountRefusal,
  type PathAsker,
  pathSpellingRefusal,
  routedRefusal,
} from "../vault/path-rule.js";
import { vaultIdentity } from "../vault/principal.js";
import { vaultPathEvent } from "./path-event.js";

/**
 * A Vault response as consul-template hands it to a template: `.Data` (with
 * `.Data.data` and `.Data.metadata` on KV v2), `.LeaseID`, `.LeaseDuration`,
 * `.Renewable`, `.RequestID`, `.Warnings`.
 */
export interface TemplateSecret {
  readonly RequestID: string;
  readonly LeaseID: string;
  readonly LeaseDuration: number;
  readonly Renewable: boolean;
  readonly Data: Record<string, unknown>;
  readonly Warnings: readonly string[];
}

/** A response with a lifetime: a lease, or a certificate's expiry. The agent refreshes it. */
export interface LeasedSecret {
  readonly key: string;
  readonly path: string;
  readonly leaseId: string;
  readonly renewable: boolean;
  /** Seconds the response stays valid, from when it was fetched. */
  readonly ttl: number;
  readonly fetchedAt: number;
}

/** What a template reads from Vault; see {@link vaultTemplateSource}. */
export interface TemplateSource {
  /** `{{ secret "path" }}` (a read) or `{{ secret "path" "k=v" … }}` (a write); undefined when absent. */
  secret(path: string, params?: readonly string[]): Promise<TemplateSecret | undefined>;
  /** `{{ secrets "path/" }}`: the key names under a path. */
  list(path: string): Promise<string[]>;
}

/**
 * What a template reads from Vault, shaped as consul-template shapes it.
 * A read goes where consul-template sends it (`data/` inserted on a KV v2
 * mount unless the path already names `data/` or `metadata/`; any other
 * engine read as is, `?version=N` honoured); parameters make it a write (PKI
 * issue, Transit, dynamic credentials). `onValue` sees every value read, so a
 * caller can mask them; `onPath` every static KV path, so a caller can watch
 * it; `onLease` every response with a lifetime, so a caller can refresh it.
 * With `audit`, every request is one record (found, missing or failed).
 */
export function vaultTemplateSource(
  client: VaultClient,
  hooks: TemplateSourceHooks = {},
): TemplateSource {
  const own: SourceHooks = { ...hooks };
  return {
    secret: (rawPath, params = []) => templateSecret(client, own, rawPath, params),
    list: async (path) => {
      const trimmed = path.replace(/\/+$/, "");
      const refusal =
        templatePathRefusal(trimmed, false) ??
        (await routedTemplateRefusal(client, trimmed, false));
      if (refusal !== undefined) throw refusal;
      return client.kvList(trimmed);
    },
  };
}

/** What a caller of {@link vaultTemplateSource} is told: values, static KV paths, leases, audit records. */
export interface TemplateSourceHooks {
  onValue?: (name: string, value: string) => void;
  onPath?: (path: string) => void;
  onLease?: (lease: LeasedSecret) => void;
  audit?: AuditSink | undefined;
}

/** The caller's hooks and who the source reads as, once known (audit records name it). */
interface SourceHooks extends TemplateSourceHooks {
  identity?: Promise<Principal | undefined>;
  principal?: Principal;
}

/**
 * Learns who `client` reads as, after its first request went through (the
 * login made): each later record names the method, role and accessor, never
 * the token. A lookup that fails leaves the records unnamed, not refused.
 */
async function learnIdentity(client: VaultClient, hooks: SourceHooks): Promise<void> {
  if (hooks.audit === undefined) return;
  hooks.identity ??= vaultIdentity(client).then(
    (identity) => identity.principal,
    () => undefined,
  );
  const principal = await hooks.identity;
  if (principal !== undefined) hooks.principal = principal;
}

/** One `{{ secret }}` call's request: the path, whether it writes, and the audit action. */
interface SecretCall {
  readonly rawPath: string;
  readonly params: readonly string[];
  readonly path: string;
  readonly queryText: string | undefined;
  readonly write: boolean;
  readonly action: "read" | "write";
}

function record(
  hooks: SourceHooks,
  call: SecretCall,
  outcome: AuditEvent["outcome"],
  extra: Partial<AuditEvent>,
): void {
  const who = hooks.principal === undefined ? {} : { principal: hooks.principal };
  hooks.audit?.write([vaultPathEvent(call.path, call.action, outcome, { ...who, ...extra })]);
}

/** `{{ secret "path" }}` or a write with `k=v` parameters: refused, missing, or the shaped response. */
async function templateSecret(
  client: VaultClient,
  hooks: SourceHooks,
  rawPath: string,
  params: readonly string[],
): Promise<TemplateSecret | undefined> {
  const write = params.length > 0;
  const [path = "", queryText] = rawPath.split("?", 2);
  const call: SecretCall = {
    rawPath,
    params,
    path,
    queryText,
    write,
    action: write ? "write" : "read",
  };
  const refusal = templatePathRefusal(path, write);
  if (refusal !== undefined) {
    record(hooks, call, "denied", { code: "E_TEMPLATE" });
    throw refusal;
  }
  const { body, kv } = await fetchSecret(client, hooks, call);
  await learnIdentity(client, hooks);
  const secret = body === undefined ? undefined : shapeOf(body);
  if (secret === undefined || (kv === 2 && !write && deletedKv2(secret.Data))) {
    record(hooks, call, "missing", {});
    return undefined;
  }
  const version = (secret.Data.metadata as { version?: unknown } | undefined)?.version;
  record(hooks, call, "ok", kv === 2 && typeof version === "number" ? { version } : {});
  announce(hooks, call, secret, kv);
  return secret;
}

/**
 * The request itself, where consul-template sends it; a path Vault routes to a
 * reserved backend or a mount a template may not use is refused, and every
 * failure is recorded.
 */
async function fetchSecret(
  client: VaultClient,
  hooks: SourceHooks,
  call: SecretCall,
): Promise<{ body: Record<string, unknown> | undefined; kv: 1 | 2 | undefined }> {
  const { path, write } = call;
  const data = write ? paramsOf(call.params, call.rawPath) : undefined;
  let routed: StrongboxError | undefined;
  try {
    // Where Vault routes it, for a reserved prefix spelled under a namespace (ns1/auth/…).
    routed = await routedTemplateRefusal(client, path, write);
    if (routed !== undefined) throw routed;
    const mount = await client.mountOf(path);
    routed = mountRefusal(mount, write, asker(path));
    if (routed !== undefined) throw routed;
    const kv = mount.kind === "kv" ? mount.version : undefined;
    const api = kv === 2 ? shimKv2Path(path, mount.mount) : path;
    const query = call.queryText === undefined ? undefined : queryOf(call.queryText);
    const response = await client.call(
      write
        ? { method: "PUT", path: api, body: kv === 2 ? { data } : data }
        : { method: "GET", path: api, ...(query === undefined ? {} : { query }) },
      [404],
    );
    return { body: response.status === 404 ? undefined : response.body, kv };
  } catch (error) {
    record(hooks, call, routed === undefined ? "error" : "denied", {
      code: error instanceof StrongboxError ? error.code : "E_VAULT",
    });
    throw error;
  }
}

/** Tells the hooks what was read: every value (to mask), a lease to refresh, or a KV path to watch. */
function announce(
  hooks: TemplateSourceHooks,
  call: SecretCall,
  secret: TemplateSecret,
  kv: 1 | 2 | undefined,
): void {
  const values = kv === 2 && isRecord(secret.Data.data) ? secret.Data.data : secret.Data;
  for (const [key, value] of Object.entries(values))
    if (value !== null && value !== undefined && value !== "")
      hooks.onValue?.(key, typeof value === "string" ? value : JSON.stringify(value));
  const ttl = lifetimeOf(secret);
  if (ttl !== undefined)
    hooks.onLease?.({
      key: callKey(call.rawPath, call.params),
      path: call.path,
      leaseId: secret.LeaseID,
      renewable: secret.Renewable,
      ttl,
      fetchedAt: Date.now(),
    });
  else if (kv !== undefined && !call.write) hooks.onPath?.(call.path);
}

/** Who asks, in the rule's messages: a template's `secret`/`secrets`. */
const asker = (path: string): PathAsker => ({
  code: "E_TEMPLATE",
  subject: `secret "${path}"`,
  who: "templates",
});

/**
 * Why a template may not use `path`, or undefined, on its spelling alone
 * (the rule is `src/vault/path-rule.ts`, shared with `vault://` references).
 */
export function templatePathRefusal(path: string, write: boolean): StrongboxError | undefined {
  return pathSpellingRefusal(path, write, asker(path));
}

/** Where Vault routes a path with a reserved word past its first segment (the shared rule). */
function routedTemplateRefusal(
  client: VaultClient,
  path: string,
  write: boolean,
): Promise<StrongboxError | undefined> {
  return routedRefusal(client, path, write, asker(path));
}

/** consul-template's `k=v` parameters: split at the first `=`, both sides trimmed, empty ones skipped. */
function paramsOf(params: readonly string[], path: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const param of params) {
    if (param === "") continue;
    const at = param.indexOf("=");
    if (at < 0)
      throw new StrongboxError(
        "E_TEMPLATE",
        `secret "${path}": parameter ${JSON.stringify(param.slice(0, 40))} is not a k=v pair`,
        { hint: 'write parameters as "name=value", e.g. "common_name=app.example.com"' },
      );
    data[param.slice(0, at).trim()] = param.slice(at + 1).trim();
  }
  return data;
}

function queryOf(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

/** Where consul-template reads a KV v2 path: `data/` after the mount unless `data/` or `metadata/` is there. */
function shimKv2Path(path: string, mount: string): string {
  if (path === mount || `${path}/` === mount) return `${mount}data`;
  const rest = path.startsWith(mount) ? path.slice(mount.length) : path;
  if (rest.startsWith("data/") || rest.startsWith("metadata/")) return path;
  return `${mount}data/${rest}`;
}

/** A KV v2 version that was deleted reads as data null with a deletion time: absent, as consul-template has it. */
function deletedKv2(data: Record<string, unknown>): boolean {
  if (!("data" in data) || data.data !== null) return false;
  // Vault already judged (data null) on its own clock; ours may lag it, so any set time counts.
  return kvVersionDeleted(
    data.metadata as { deletion_time?: unknown } | null | undefined,
    Infinity,
  );
}

function shapeOf(body: Record<string, unknown>): TemplateSecret | undefined {
  const data = body.data;
  if (!isRecord(data) && body.lease_id === undefined) return undefined;
  return {
    RequestID: typeof body.request_id === "string" ? body.request_id : "",
    LeaseID: typeof body.lease_id === "string" ? body.lease_id : "",
    LeaseDuration: typeof body.lease_duration === "number" ? body.lease_duration : 0,
    Renewable: body.renewable === true,
    Data: isRecord(data) ? data : {},
    Warnings: Array.isArray(body.warnings) ? (body.warnings as string[]) : [],
  };
}

/**
 * How long a response stays good, when it is not forever: a lease's duration, or
 * for a certificate without a lease, the seconds to its `expiration`. A KV read
 * has no lease the agent must refresh (its changes are watched instead).
 */
function lifetimeOf(secret: TemplateSecret): number | undefined {
  if (secret.LeaseID !== "" && secret.LeaseDuration > 0) return secret.LeaseDuration;
  const expiration = secret.Data.expiration;
  if ("certificate" in secret.Data && typeof expiration === "number")
    return Math.max(0, expiration - Math.floor(Date.now() / 1000));
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
