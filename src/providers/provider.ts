import type { Principal } from "../audit/event.js";
import type { ErrorCode, Issue } from "../errors.js";
import type { Ref } from "../refs/ref.js";
import type { SourceKind } from "../schema/types.js";
import type { ReadScope } from "../security/read-guard.js";
import type { KeyedVersion } from "./key-versions.js";

/** What a provider needs from its caller: where relative paths start, and a way to stop. */
export interface ReadContext {
  /** The directory of the config file; relative paths in refs resolve against it. */
  readonly baseDir: string;
  /** The environment the process runs with (never read from `process.env` directly). */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  /**
   * The provider's own section of the config (its `config.key`, such as
   * `vault:` or `store:`), or undefined when the config has none. Each
   * provider reads its own settings; shared code carries none of them.
   */
  readonly config: (key: string) => unknown;
  /**
   * The environment runs in pure Vault mode: a remote provider must refuse
   * transport that could leak its credential (plain http, unverified TLS).
   */
  readonly strictTransport?: boolean;
  /** The environment being resolved; the store opens that environment's own store when it has one. */
  readonly environment?: string;
  /** Reports something the user should know that does not stop resolution (shown as a warning). */
  readonly warn?: (message: string) => void;
  /**
   * The environment's `credentialPrefix` at work (environments/scope.ts):
   * `processEnv` already holds its prefixed variables under their plain
   * names; `origin` names where one came from, for messages; with
   * `ambient: false` a provider ignores credentials found outside the
   * variables it was given (Vault's token helper file, `~/.vault-token`).
   */
  readonly credentials?: CredentialScope;
  /**
   * Where a provider that reads local files (`file://`) may read: the
   * project and the files the config names, never credentials or /proc
   * (security/read-guard.ts). Without it, the config's directory.
   */
  readonly reads?: ReadScope;
  /** Asked for the store's passphrase when the environment has none (the CLI prompts). */
  readonly passphrase?: () => string | Promise<string>;
}

/** An environment's own credentials: see `EnvironmentSpec.credentialPrefix`. */
export interface CredentialScope {
  readonly prefix: string;
  /** False when only the prefixed variables count (one process reading several environments). */
  readonly ambient: boolean;
  /** The variable a plain name was read from: `PRODUCTION_VAULT_TOKEN` for `VAULT_TOKEN` when the prefix gave it. */
  origin(name: string): string;
}

/** One value read from a source. `version` is set by sources that keep versions. */
export interface Fetched {
  readonly value: string;
  readonly version?: number;
  /** The value was read with an administrator (root) credential; policies may refuse that. */
  readonly rootCredential?: boolean;
  /** Who the source saw (auth method, role, token accessor), for the audit record. */
  readonly principal?: Principal;
}

/** The outcome of one ref in a batch: a value, absent, or an error for that ref alone. */
export type ReadResult =
  | { readonly status: "found"; readonly fetched: Fetched }
  | { readonly status: "absent"; readonly detail: string; readonly hint?: string }
  | { readonly status: "error"; readonly error: Error };

/**
 * A source of values. A provider reads in batches (a resolver asking for 40 keys
 * at 6 Vault paths makes 6 requests); writing, listing, history, deletion and
 * metadata are optional capability interfaces, checked with type guards
 * (`canWrite`, `canList`, `canHistory`, `canDelete`, `canDescribe`).
 */
export interface Provider {
  readonly scheme: string;
  /** The source kind environments name in their policy (`secrets.from`). */
  readonly kind: SourceKind;
  read(refs: readonly Ref[], ctx: ReadContext): Promise<ReadonlyMap<Ref, ReadResult>>;
}

/**
 * Optional capability: writes one value, as a new version where the source
 * keeps versions, keeping the other keys of a multi-key secret. With
 * `expectedVersion` the write is a check-and-set: it happens only if the
 * current version is that one (0: only if nothing is there yet), and a
 * conflict is an error whose code ends in `_CAS`, never a silent overwrite.
 */
export interface WriteCapability {
  write(
    ref: Ref,
    value: string,
    ctx: ReadContext,
    options?: { readonly expectedVersion?: number },
  ): Promise<{ readonly version?: number }>;
}

/** True when `provider` can write (see {@link WriteCapability}). */
export function canWrite(provider: Provider): provider is Provider & WriteCapability {
  return typeof (provider as Partial<WriteCapability>).write === "function";
}

/** One entry of a listing: a ref to a secret (or, with `folder`, to a level below). Never a value. */
export interface Listed {
  /** A ref to the secret as a whole (no `#KEY`), e.g. `vault://secret/app`. */
  readonly ref: string;
  /** A level of the hierarchy rather than a secret (Vault folders, store name prefixes). */
  readonly folder?: boolean;
}

/**
 * Optional capability: the secrets one level under `under`, a path prefix in
 * the scheme's own syntax (`secret/app/` for Vault, `VAULT/` for Key Vault,
 * `/app/` for Parameter Store, `""` for all of the store). Names only.
 */
export interface ListCapability {
  list(under: string, ctx: ReadContext): Promise<readonly Listed[]>;
}

/** One version of a secret, as its source keeps it. Never a value. */
export interface VersionInfo {
  /** A number where the source numbers versions, else its id. */
  readonly version: number | string;
  readonly createdAt?: string;
  readonly state: "live" | "deleted" | "destroyed" | "disabled";
  /** The version a read without `?version=` returns. */
  readonly current: boolean;
  /** Labels the source attaches (AWS stages such as AWSCURRENT and AWSPREVIOUS). */
  readonly labels?: readonly string[];
}

/** Optional capability: every version of the secret a ref points into, oldest first. */
export interface HistoryCapability {
  history(ref: Ref, ctx: ReadContext): Promise<readonly VersionInfo[]>;
}

/**
 * Optional capability: deletes the secret a ref points into (for Vault KV the
 * whole path with all its keys, as `bao kv delete` does). Soft where the
 * source can undo it (a tombstone, a recovery window, soft delete); with
 * `destroy`, for good (store purge, KV v2 metadata delete, no recovery
 * window, Key Vault purge), so the name can be used again at once.
 */
export interface DeleteCapability {
  remove(ref: Ref, ctx: ReadContext, options?: { readonly destroy?: boolean }): Promise<void>;
}

/** What a source records about a secret besides its value. */
export interface SecretMetadata {
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly currentVersion?: number | string;
  /** The source's own labels: Vault custom metadata, AWS and Azure tags, the store's meta fields. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Optional capability: a secret's metadata, read without its value where the source allows. */
export interface MetadataCapability {
  metadata(ref: Ref, ctx: ReadContext): Promise<SecretMetadata | undefined>;
}

/** A provider of a secret manager that has every capability: what the remote providers and the store build. */
export type FullProvider = Provider &
  WriteCapability &
  ListCapability &
  HistoryCapability &
  DeleteCapability &
  MetadataCapability;

/**
 * Optional capability: retires older versions of a secret, as a rotation does
 * after its soak: destroyed where the source can (the store, Vault KV v2),
 * else taken out of reach (AWS: the AWSPREVIOUS stage removed; Key Vault:
 * the version disabled). Never the current version.
 */
export interface RetireCapability {
  retire(ref: Ref, versions: readonly (number | string)[], ctx: ReadContext): Promise<void>;
}

/**
 * Optional capability of a source whose paths hold several keys (Vault KV):
 * the path's versions, newest (current) first and contiguous, each key's
 * value given as a digest (equal exactly when the values are), a version that
 * cannot be read without values. Finishing a rotation asks it so that retiring
 * one key's old values keeps what the path's other keys still need.
 */
export interface KeyHistoryCapability {
  keyHistory(ref: Ref, ctx: ReadContext): Promise<readonly KeyedVersion[]>;
}

/** True when `provider` knows its paths' versions per key (see {@link KeyHistoryCapability}). */
export function canKeyHistory(provider: Provider): provider is Provider & KeyHistoryCapability {
  return typeof (provider as Partial<KeyHistoryCapability>).keyHistory === "function";
}

/** True when `provider` can retire old versions (see {@link RetireCapability}). */
export function canRetire(provider: Provider): provider is Provider & RetireCapability {
  return typeof (provider as Partial<RetireCapability>).retire === "function";
}

/** True when `provider` can list (see {@link ListCapability}). */
export function canList(provider: Provider): provider is Provider & ListCapability {
  return typeof (provider as Partial<ListCapability>).list === "function";
}

/** True when `provider` keeps a readable history (see {@link HistoryCapability}). */
export function canHistory(provider: Provider): provider is Provider & HistoryCapability {
  return typeof (provider as Partial<HistoryCapability>).history === "function";
}

/** True when `provider` can delete (see {@link DeleteCapability}). */
export function canDelete(provider: Provider): provider is Provider & DeleteCapability {
  return typeof (provider as Partial<DeleteCapability>).remove === "function";
}

/** True when `provider` reports metadata (see {@link MetadataCapability}). */
export function canDescribe(provider: Provider): provider is Provider & MetadataCapability {
  return typeof (provider as Partial<MetadataCapability>).metadata === "function";
}

/** One line of `strongbox doctor`: how a provider (or another local check) stands; never a value. */
export interface HealthCheck {
  readonly check: string;
  readonly status: "ok" | "warn" | "fail" | "skip";
  readonly detail: string;
  readonly hint?: string;
}

/** What a provider's health check is given. */
export interface HealthContext {
  /** The project's config (its provider sections are read from it). */
  readonly config: unknown;
  /** The process environment: where the provider's address and credentials are. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether some variable of the config reads from this provider's scheme. */
  readonly used: boolean;
}

/**
 * How a provider plugs in: everything about its scheme lives here, so adding
 * a provider is its folder plus one registry line. Shared code (policy,
 * environments, the schema check, the resolver) asks the registry, never
 * names a scheme.
 */
export interface ProviderDefinition {
  readonly scheme: string;
  /** The source kind environments name in their policy (`secrets.from`). */
  readonly kind: SourceKind;
  /** One line for `docs` and errors, e.g. `store://NAME`. */
  readonly syntax: string;
  /** The source in words, for messages: "Vault", "the encrypted store". */
  readonly words: string;
  /**
   * The built-in environments whose default policy lets secrets come from
   * this kind (globs as in `environments:`), e.g. `["local", "ci", "pr-*"]`.
   */
  readonly defaultIn: readonly string[];
  /**
   * Error codes that mean "not now" rather than "not there": outside pure
   * mode, a variable may fall back past them to a literal source.
   */
  readonly transient?: readonly ErrorCode[];
  /**
   * An environment whose only secret source is this kind runs in this
   * provider's pure mode (production's pure Vault mode): no fall-back past
   * an unreachable source, no administrator credentials, no insecure
   * transport. Only remote secret managers claim it.
   */
  readonly pure?: boolean;
  /**
   * Variables that hold this provider's own credentials: like Vault's, they
   * are scrubbed from every process Strongbox starts and never expanded,
   * templated or migrated (see security/credentials.ts).
   */
  readonly credentials?: readonly string[];
  /**
   * Files and directories where this provider's SDK finds credentials when
   * no variable names them (`~/` is the home directory), or `$NAME` for the
   * place a variable names (`$AZURE_CONFIG_DIR`, relative to the working
   * directory): no template, ref or config value reads them (see
   * security/read-guard.ts).
   */
  readonly credentialFiles?: readonly string[];
  /**
   * Variables that choose where the provider connects (address, namespace,
   * region, endpoint, tenant): an environment's `credentialPrefix` scopes
   * them with the credentials, so its token goes only to its own server.
   */
  readonly connection?: readonly string[];
  /** The provider's top-level config key and its check (problems listed, never thrown). */
  readonly config?: {
    readonly key: string;
    validate(value: unknown): Issue[];
  };
  /**
   * For a source that keeps versions: the ref of the version before the
   * current one (the value a rotation's overlap keeps readable), such as
   * `store://NAME?version=previous` or `aws-sm://NAME#KEY?stage=AWSPREVIOUS`.
   * Reading it is "absent" once the previous version is retired.
   */
  previousRef?(ref: Ref): Ref;
  /** Throws `E_REF` (naming `context`) when `ref` is not valid for this scheme. */

  validateRef(ref: Ref, context: string): void;
  /**
   * Builds the provider; loaded lazily so a command pays only for the providers a
   * config uses. Throws `E_PROVIDER_UNAVAILABLE` where a provider is not built yet.
   */
  create(): Promise<Provider>;
  /**
   * Optional capability: a synchronous batch read, for sources that are local and
   * cheap (env, mounted files). `loadConfigSync()` can follow only these.
   */
  readSync?(refs: readonly Ref[], ctx: ReadContext): ReadonlyMap<Ref, ReadResult>;
  /**
   * Optional capability: whether the provider answers, for `strongbox doctor`
   * (its line is named `check`). Undefined when the project neither uses it nor
   * points at it, which doctor reports as skipped. Reads no secret value.
   */
  health?(context: HealthContext): Promise<HealthCheck | undefined>;
}

/** Registers nothing by itself; {@link defineProvider} only gives the definition a type. */
export function defineProvider(definition: ProviderDefinition): ProviderDefinition {
  return definition;
}

/**
 * For local sources read one ref at a time without waiting (env, mounted files):
 * builds both the batch `readSync` capability and the async provider from one
 * per-ref function, so the two can never disagree.
 */
export function defineLocalProvider(
  definition: Omit<ProviderDefinition, "create" | "readSync">,
  readOne: (ref: Ref, ctx: ReadContext) => ReadResult,
): ProviderDefinition {
  const readSync = (refs: readonly Ref[], ctx: ReadContext) =>
    new Map(refs.map((ref) => [ref, readOne(ref, ctx)] as const));
  return {
    ...definition,
    readSync,
    async create() {
      return {
        scheme: definition.scheme,
        kind: definition.kind,
        read: async (refs, ctx) => readSync(refs, ctx),
      };
    },
  };
}
