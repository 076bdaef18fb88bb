import { StrongboxError } from "../errors.js";
import {
  canDelete,
  canDescribe,
  canRetire,
  canWrite,
  type DeleteCapability,
  type Provider,
  type ReadContext,
  type WriteCapability,
} from "../providers/provider.js";
import { providerFor } from "../providers/registry.js";
import type { Ref } from "../refs/ref.js";

/** Where {@link secretRefs} keeps values: one secret per id. */
export interface RefBackend {
  /** The ref scheme: `vault`, `store`. */
  readonly scheme: string;
  /** True for a source pure Vault mode accepts. */
  readonly pure: boolean;
  write(
    path: string,
    value: string,
    metadata: Readonly<Record<string, string>>,
    signal?: AbortSignal,
  ): Promise<void>;
  /** The value at `path`, or undefined when there is none. */
  read(path: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Removes the secret with every version. */
  remove(path: string, signal?: AbortSignal): Promise<void>;
  /**
   * Writes the first value at `path` only if no secret is there (not even a
   * deleted version): a check-and-set the source enforces where it can (KV v2
   * `cas: 0`, the store's expected version 0, Secrets Manager's CreateSecret).
   * `undefined` when a secret is there; nothing is written then.
   */
  create(
    path: string,
    value: string,
    metadata: Readonly<Record<string, string>>,
    signal?: AbortSignal,
  ): Promise<Created | undefined>;
  /** Takes back what {@link RefBackend.create} wrote (those versions only), never a value written by another. */
  discard(path: string, created: Created, signal?: AbortSignal): Promise<void>;
}

/** What {@link RefBackend.create} wrote: the versions, where the source numbers them. */
export interface Created {
  readonly versions?: readonly number[];
  /** The source's own ids of them where it does not number versions (AWS Secrets Manager's VersionId). */
  readonly versionIds?: readonly string[];
}

/** True for a failed check-and-set: `E_VAULT_CAS`, `E_STORE_CAS`, every provider's `*_CAS`. */
export function isCasConflict(error: unknown): boolean {
  return error instanceof StrongboxError && error.code.endsWith("_CAS");
}

/**
 * A backend for `scheme` from its three operations; whether pure mode
 * accepts it is the provider registry's word for the scheme, so no backend
 * repeats it ({@link vaultRefs}, {@link storeRefs} and {@link awsSecretsRefs}
 * are made this way).
 */
export function refBackend(
  scheme: string,
  operations: Pick<RefBackend, "write" | "read" | "remove" | "create" | "discard">,
): RefBackend {
  return {
    scheme,
    pure: providerFor(scheme)?.pure === true,
    write: operations.write,
    read: operations.read,
    remove: operations.remove,
    create: operations.create,
    discard: operations.discard,
  };
}

/** Options of {@link providerRefs}. */
export interface ProviderRefsOptions {
  /** The environment the provider reads its address and credentials from (never `process.env` itself). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The config's sections by key (`vault:`, `aws:`, `store:`), as a provider reads them. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Where relative paths start (default: the working directory). */
  readonly baseDir?: string;
  /** Refuse transport that could leak a credential (pure mode's rule). */
  readonly strictTransport?: boolean;
  /** Put before every path, e.g. `secret/app/` for Vault's mount and folder. */
  readonly prefix?: string;
  /** The key inside the secret (`#KEY`), for schemes whose refs need one (`vault`: e.g. `value`). */
  readonly key?: string;
}

type KeepingProvider = Provider & WriteCapability & DeleteCapability;

/**
 * Values kept by any provider that can write and delete (`vault`,
 * `aws-sm`, `aws-ssm`, `azure-kv`, `store`, …), one secret per id at
 * `<scheme>://<prefix><path>[#key]`: the provider registry decides how, and
 * whether pure mode accepts it. A provider keeps no custom metadata, so the
 * row metadata {@link secretRefs} passes is not kept here (vaultRefs and
 * awsSecretsRefs keep it). `E_USAGE` for a scheme no provider claims, or
 * one that cannot write and delete.
 */
export function providerRefs(scheme: string, options: ProviderRefsOptions): RefBackend {
  const definition = providerFor(scheme);
  if (definition === undefined)
    throw new StrongboxError("E_USAGE", `no provider "${scheme}" to keep values in`, {
      hint: "name a provider scheme such as vault, aws-sm or store",
    });
  let made: Promise<KeepingProvider> | undefined;
  const provider = () => {
    made ??= definition.create().then((created) => {
      if (!canWrite(created) || !canDelete(created))
        throw new StrongboxError(
          "E_USAGE",
          `${definition.words} cannot keep values for data (it cannot write and delete)`,
          { hint: "use a secret manager Strongbox writes to, such as vault or aws-sm" },
        );
      return created;
    });
    return made;
  };
  const refOf = (path: string): Ref => {
    const ref: Ref = {
      scheme,
      path: `${options.prefix ?? ""}${path}`,
      params: {},
      ...(options.key === undefined ? {} : { key: options.key }),
    };
    definition.validateRef(ref, `the data ref ${scheme}:${path}`);
    return ref;
  };
  const contextFor = (signal?: AbortSignal) => readContext(options, signal);
  return refBackend(scheme, {
    async write(path, value, _metadata, signal) {
      await (await provider()).write(refOf(path), value, contextFor(signal));
    },
    async read(path, signal) {
      const ref = refOf(path);
      const result = (await (await provider()).read([ref], contextFor(signal))).get(ref);
      if (result?.status === "error") throw result.error;
      return result?.status === "found" ? result.fetched.value : undefined;
    },
    async remove(path, signal) {
      await (await provider()).remove(refOf(path), contextFor(signal), { destroy: true });
    },
    async create(path, value, _metadata, signal) {
      try {
        const { version } = await (await provider()).write(refOf(path), value, contextFor(signal), {
          expectedVersion: 0,
        });
        return version === undefined ? {} : { versions: [version] };
      } catch (error) {
        if (isCasConflict(error)) return undefined;
        throw error;
      }
    },
    discard: async (path, created, signal) =>
      discardCreated(await provider(), refOf(path), created, contextFor(signal)),
  });
}

/**
 * The one undo rule of a create (vaultRefs' discardInVault asks it too): the
 * rest of a secret (its metadata, the id itself) goes with the create's own
 * versions only while the current version is still one of them; a later
 * writer's version is theirs. A source that numbers no versions has no later
 * writer to tell apart: the create's expected version 0 held, so all of it is
 * the create's.
 */
export function stillCreatesOwn(created: Created, current: number | string | undefined): boolean {
  const own = [...(created.versions ?? []).map(String), ...(created.versionIds ?? [])];
  return own.length === 0 || (current !== undefined && own.includes(String(current)));
}

/** {@link RefBackend.discard} through a provider: the whole secret while {@link stillCreatesOwn}, else only the create's versions. */
async function discardCreated(
  provider: KeepingProvider,
  ref: Ref,
  created: Created,
  ctx: ReadContext,
): Promise<void> {
  const current = canDescribe(provider)
    ? (await provider.metadata(ref, ctx))?.currentVersion
    : undefined;
  if (!canDescribe(provider) || stillCreatesOwn(created, current))
    return provider.remove(ref, ctx, { destroy: true });
  // A later writer's version is current: take back the create's own versions only.
  if (canRetire(provider)) await provider.retire(ref, created.versions ?? [], ctx);
}

/** The read context a provider is called with, from {@link ProviderRefsOptions}. */
function readContext(options: ProviderRefsOptions, signal?: AbortSignal): ReadContext {
  return {
    baseDir: options.baseDir ?? process.cwd(),
    processEnv: options.env,
    config: (key) => options.config?.[key],
    ...(options.strictTransport === undefined ? {} : { strictTransport: options.strictTransport }),
    ...(signal === undefined ? {} : { signal }),
  };
}
