import type { Principal } from "../../audit/event.js";
import { StrongboxError } from "../../errors.js";
import type { Ref } from "../../refs/ref.js";
import { formatRef, refError, refScheme } from "../../refs/ref.js";
import type { VaultSpec } from "../../schema/types.js";
import { kvVersionDeleted } from "../../vault/kv-deletion.js";
import { vaultIdentity } from "../../vault/principal.js";
import { previousVersionOf } from "../key-versions.js";
import {
  defineProvider,
  type FullProvider,
  type KeyHistoryCapability,
  type ReadContext,
  type ReadResult,
  type RetireCapability,
  type VersionInfo,
} from "../provider.js";
import { checkVersionParam } from "../store/index.js";
import { validateVaultConfig } from "./config.js";
import { vaultHealth } from "./health.js";
import { digested, previousOfKeysKnown, vaultKeyedVersions } from "./key-history.js";

/**
 * `vault://mount/path#KEY[?version=N]`: one key of a Vault/OpenBao KV secret
 * (v1 or v2, detected per mount). Reads are batched: one request per
 * (path, version), all paths in parallel, under the resolution's deadline.
 */
export const vaultProvider = defineProvider({
  scheme: "vault",
  kind: "vault",
  syntax: "vault://mount/path#KEY[?version=N]",
  words: "Vault",
  defaultIn: ["local", "ci", "pr-*", "staging", "production", "*"],
  transient: ["E_VAULT_UNREACHABLE", "E_VAULT_SEALED", "E_VAULT_RATE_LIMITED"],
  pure: true,
  // Its credentials are Strongbox's own (security/credentials.ts); these pick the server.
  // Where the clients find a token, or the JWT Kubernetes auth logs in with, when no variable names one.
  credentialFiles: ["~/.vault-token", "~/.vault", "/var/run/secrets/kubernetes.io"],
  connection: [
    "ADDR",
    "NAMESPACE",
    "CACERT",
    "CAPATH",
    "CLIENT_CERT",
    "TLS_SERVER_NAME",
    "SKIP_VERIFY",
    // Who JWT and cert auth log in as: not credentials, but an environment's prefix scopes them too.
    "JWT_ROLE",
    "JWT_AUDIENCE",
    "CERT_ROLE",
    // AWS IAM auth: the role, the server-ID header value a mount may require, the region signed for.
    "AWS_ROLE",
    "AWS_IAM_SERVER_ID",
    "AWS_STS_REGION",
  ].flatMap((suffix) => [`VAULT_${suffix}`, `BAO_${suffix}`]),
  config: { key: "vault", validate: validateVaultConfig },
  health: vaultHealth,
  validateRef(ref, context) {
    const parts = ref.path.split("/");
    if (parts.length < 2 || parts.some((part) => part === "" || part === "." || part === "..")) {
      throw refError(context, "vault:// needs a mount and a path, as in vault://secret/app#KEY");
    }
    if (ref.key === undefined || ref.key === "") {
      throw refError(context, "vault:// needs the key after #, as in vault://secret/app#KEY");
    }
    checkVersionParam(ref.params, context, { previous: true });
  },
  previousRef: (ref) => ({ ...ref, params: { version: "previous" } }),
  async create(): Promise<FullProvider & RetireCapability & KeyHistoryCapability> {
    const { VaultClient } = await import("../../vault/client.js");
    const { writeVaultKey } = await import("../../vault/write-key.js");
    const clientFor = (ctx: ReadContext) => {
      const settings = (ctx.config("vault") ?? {}) as VaultSpec;
      if (ctx.strictTransport === true && settings.allowInsecure === true)
        ctx.warn?.(
          "pure Vault mode runs with vault.allowInsecure: plain http:// or unverified TLS is allowed; remove it once Vault has a trusted certificate",
        );
      return VaultClient.fromEnv(ctx.processEnv, settings, {
        strict: ctx.strictTransport === true,
        ...(ctx.credentials === undefined ? {} : { scope: ctx.credentials }),
      });
    };
    /** Runs `work` with a client for `ctx`, closing it after (a login's token is revoked). */
    const using = async <T>(
      ctx: ReadContext,
      work: (client: InstanceType<typeof VaultClient>) => Promise<T>,
    ): Promise<T> => {
      const client = clientFor(ctx);
      try {
        return await work(client);
      } finally {
        await client.close();
      }
    };
    return {
      scheme: "vault",
      kind: "vault",
      list: (under, ctx) =>
        using(ctx, async (client) => {
          const keys = await client.kvList(under.replace(/\/+$/, ""), ctx.signal);
          const base = under === "" || under.endsWith("/") ? under : `${under}/`;
          return keys.map((key) =>
            key.endsWith("/")
              ? { ref: `vault://${base}${key.slice(0, -1)}`, folder: true }
              : { ref: `vault://${base}${key}` },
          );
        }),
      history: (ref, ctx) =>
        using(ctx, async (client) => {
          const metadata = await client.kvMetadata(ref.path, ctx.signal);
          if (metadata === undefined) {
            const { version } = await client.mountOf(ref.path, ctx.signal);
            if (version === 1)
              throw new StrongboxError(
                "E_REF",
                `${ref.path} is on a KV version 1 mount, which keeps no history`,
                { hint: "move the secret to a KV v2 mount to keep versions" },
              );
            return [];
          }
          const current = Number(metadata.current_version);
          const versions = (metadata.versions ?? {}) as Record<
            string,
            { created_time?: string; deletion_time?: string; destroyed?: boolean }
          >;
          return Object.entries(versions)
            .map(
              ([number, info]): VersionInfo => ({
                version: Number(number),
                ...(info.created_time ? { createdAt: info.created_time } : {}),
                state: info.destroyed ? "destroyed" : kvVersionDeleted(info) ? "deleted" : "live",
                current: Number(number) === current && !info.destroyed && !kvVersionDeleted(info),
              }),
            )
            .sort((a, b) => Number(a.version) - Number(b.version));
        }),
      keyHistory: (ref, ctx) =>
        using(ctx, async (client) =>
          digested(await vaultKeyedVersions(client, ref.path, ctx.signal)),
        ),
      retire: (ref, versions, ctx) =>
        using(ctx, async (client) => {
          const { version } = await client.mountOf(ref.path, ctx.signal);
          if (version === 1)
            throw new StrongboxError(
              "E_REF",
              `${ref.path} is on a KV version 1 mount, which keeps no older versions to retire`,
              { hint: "move the secret to a KV v2 mount to rotate with an overlap" },
            );
          await client.kvDestroy(ref.path, versions.map(Number), ctx.signal);
        }),
      remove: (ref, ctx, options = {}) =>
        using(ctx, async (client) => {
          if (options.destroy === true) await client.kvDeleteAll(ref.path, ctx.signal);
          else await client.kvDelete(ref.path, undefined, ctx.signal);
        }),
      metadata: (ref, ctx) =>
        using(ctx, async (client) => {
          const metadata = await client.kvMetadata(ref.path, ctx.signal);
          if (metadata !== undefined) {
            const custom = (metadata.custom_metadata ?? {}) as Record<string, string>;
            return {
              ...(metadata.created_time ? { createdAt: String(metadata.created_time) } : {}),
              ...(metadata.updated_time ? { updatedAt: String(metadata.updated_time) } : {}),
              currentVersion: Number(metadata.current_version),
              labels: custom,
            };
          }
          // KV v1 keeps no metadata: say only whether the secret is there, by listing its parent.
          const parent = ref.path.slice(0, ref.path.lastIndexOf("/"));
          const leaf = ref.path.slice(ref.path.lastIndexOf("/") + 1);
          return (await client.kvList(parent, ctx.signal)).includes(leaf) ? {} : undefined;
        }),
      async write(ref, value, ctx, options = {}) {
        const client = clientFor(ctx);
        const signal = ctx.signal === undefined ? {} : { signal: ctx.signal };
        try {
          const expected = options.expectedVersion;
          if (expected === undefined) {
            const version = await writeVaultKey(client, ref, value, ctx.signal);
            return version === undefined ? {} : { version };
          }
          const { version: kv } = await client.mountOf(ref.path, ctx.signal);
          if (kv === 1)
            throw new StrongboxError(
              "E_REF",
              `${ref.path} is on a KV version 1 mount, which cannot check-and-set`,
              { hint: "write without an expected version, or use a KV v2 mount" },
            );
          const data = { [ref.key as string]: value };
          const version =
            expected === 0
              ? await client.kvWrite(ref.path, data, { cas: 0, ...signal })
              : await client.kvPatch(ref.path, data, { cas: expected, ...signal });
          return version === undefined ? {} : { version };
        } finally {
          await client.close();
        }
      },
      async read(refs: readonly Ref[], ctx: ReadContext) {
        const client = clientFor(ctx);
        try {
          await client.session(ctx.signal); // a failed login fails the whole read, once
          // Asked in parallel with the reads, not before them; the same lookup names the
          // token for the audit (its accessor, never the token).
          const rootCheck: Promise<{ root: boolean; principal: Principal }> = vaultIdentity(
            client,
            ctx.signal,
          );
          const groups = new Map<string, Ref[]>();
          for (const ref of refs) {
            const id = `${ref.path}\0${ref.params.version ?? ""}`;
            groups.set(id, [...(groups.get(id) ?? []), ref]);
          }
          const results = new Map<Ref, ReadResult>();
          await Promise.all(
            [...groups.values()].map(async (group) => {
              const first = group[0] as Ref;
              try {
                if (first.params.version === "previous") {
                  const found = await readPrevious(client, group, ctx.signal);
                  const { root, principal } = await rootCheck;
                  for (const [ref, secret] of found)
                    results.set(
                      ref,
                      secret === undefined
                        ? noPrevious(ref)
                        : toResult(ref, secret, root, principal),
                    );
                  return;
                }
                const version =
                  first.params.version === undefined ? undefined : Number(first.params.version);
                const secret = await client.kvRead(first.path, {
                  ...(version === undefined ? {} : { version }),
                  ...(ctx.signal ? { signal: ctx.signal } : {}),
                });
                const { root, principal } = await rootCheck;
                for (const ref of group) results.set(ref, toResult(ref, secret, root, principal));
              } catch (error) {
                for (const ref of group)
                  results.set(ref, { status: "error", error: error as Error });
              }
            }),
          );
          return results;
        } finally {
          await client.close();
        }
      },
    };
  },
});

function toResult(
  ref: Ref,
  secret: { data: Readonly<Record<string, unknown>>; version?: number } | undefined,
  root: boolean,
  principal: Principal,
): ReadResult {
  const where = `${ref.path}${ref.params.version === undefined ? "" : ` version ${ref.params.version}`}`;
  if (secret === undefined)
    return {
      status: "absent",
      detail: `no secret at ${where}`,
      hint: `write it with \`bao kv put ${ref.path} ${ref.key}=…\``,
    };
  const key = ref.key as string;
  if (!Object.hasOwn(secret.data, key))
    return {
      status: "absent",
      detail: `the secret at ${where} has no key ${key}`,
      hint: `add it with \`bao kv patch ${ref.path} ${key}=…\``,
    };
  const raw = secret.data[key];
  const value = typeof raw === "string" ? raw : JSON.stringify(raw);
  return {
    status: "found",
    fetched: {
      value,
      ...(secret.version === undefined ? {} : { version: secret.version }),
      ...(root ? { rootCredential: true } : {}),
      principal,
    },
  };
}

/** The reference text of a Vault path (and key), for records of reads made outside a resolution. */
export function vaultRefText(path: string, key?: string): string {
  return formatRef({
    scheme: vaultProvider.scheme,
    path,
    ...(key === undefined ? {} : { key }),
    params: {},
  });
}

/**
 * Whether a schema ref points into Vault. The operations that exist only for
 * Vault (the setup plan, `secrets.ctmpl` generation, the three-layer check,
 * migration) read only these refs, and ask here rather than spell the scheme.
 */
export function isVaultRefText(text: string | undefined): text is string {
  return text !== undefined && refScheme(text) === vaultProvider.scheme;
}

/**
 * Each ref's previous value (`?version=previous`): the key's value in the
 * newest older version where it differed (see `previousVersionOf`), read per
 * key, since other keys' writes make versions of the same path. Undefined for
 * a key with no readable previous value.
 */
async function readPrevious(
  client: Parameters<typeof vaultKeyedVersions>[0],
  group: readonly Ref[],
  signal: AbortSignal | undefined,
): Promise<Map<Ref, { data: Readonly<Record<string, unknown>>; version: number } | undefined>> {
  const first = group[0] as Ref;
  const keys = group.map((ref) => ref.key as string);
  const versions = await vaultKeyedVersions(client, first.path, signal, previousOfKeysKnown(keys));
  return new Map(
    group.map((ref) => {
      const number = previousVersionOf(ref.key as string, versions);
      const found = versions.find((version) => version.version === number);
      return [
        ref,
        found?.values === undefined ? undefined : { data: found.values, version: found.version },
      ];
    }),
  );
}

function noPrevious(ref: Ref): ReadResult {
  return {
    status: "absent",
    detail: `no previous value of ${ref.key} at ${ref.path} (never rotated, or retired)`,
  };
}
