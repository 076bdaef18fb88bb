import { type AwsClientOptions, sdkClientOptions } from "../aws/client.js";
import { awsError } from "../aws/errors.js";
import { StrongboxError } from "../errors.js";
import { importModule } from "../security/import-module.js";
import type { Store } from "../store/store.js";
import type { VaultClient } from "../vault/client.js";
import {
  type Created,
  isCasConflict,
  type RefBackend,
  refBackend,
  stillCreatesOwn,
} from "./provider-refs.js";

export type { RefBackend } from "./provider-refs.js";

/*
 * The backends below keep values with a client or store the caller already
 * holds, and keep the rows' metadata; {@link providerRefs} keeps them in any
 * provider that can write, made from the environment like a resolution's.
 */

/**
 * Values in Vault/OpenBao KV (v1 or v2, detected), one secret per id under
 * `mount`, the value in `field`. On KV v2 each write is a new version and the
 * secret carries custom metadata (which row, which service) for operators.
 */
export function vaultRefs(
  client: VaultClient,
  options: { mount?: string; field?: string } = {},
): RefBackend {
  const mount = (options.mount ?? "secret").replace(/^\/+|\/+$/g, "");
  const field = options.field ?? "value";
  const full = (path: string) => `${mount}/${path}`;
  return refBackend("vault", {
    async write(path, value, metadata, signal) {
      const v2 = (await client.mountOf(full(path), signal)).version === 2;
      // Metadata first, so that a failure leaves no value behind. A policy
      // that grants `data/` but not `metadata/` (seed 002's) keeps the
      // metadata beside the value instead, as that seed's own secrets do.
      const beside = v2 ? await writeMetadata(client, full(path), metadata, signal) : {};
      const data: Record<string, string> = { ...beside, [field]: value };
      await client.kvWrite(full(path), data, signal === undefined ? {} : { signal });
    },
    async read(path, signal) {
      const secret = await client.kvRead(full(path), signal === undefined ? {} : { signal });
      const value = secret?.data[field];
      return typeof value === "string" ? value : undefined;
    },
    async remove(path, signal) {
      if ((await client.mountOf(full(path), signal)).version !== 2)
        return client.kvDelete(full(path), undefined, signal);
      try {
        await client.kvDeleteAll(full(path), signal);
      } catch (error) {
        // A policy with `delete` on `data/` only: the value is deleted (not
        // served; an operator with `undelete` could bring it back), not destroyed.
        if (!isDenied(error)) throw error;
        await client.kvDelete(full(path), undefined, signal);
      }
    },
    create: (path, value, metadata, signal) =>
      createInVault(client, full(path), field, value, metadata, signal),
    discard: (path, created, signal) => discardInVault(client, full(path), created, signal),
  });
}

/** {@link RefBackend.create} on Vault: `cas: 0` on KV v2; checked, then written, on KV v1 (no CAS there). */
async function createInVault(
  client: VaultClient,
  path: string,
  field: string,
  value: string,
  metadata: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<Created | undefined> {
  const opts = signal === undefined ? {} : { signal };
  if ((await client.mountOf(path, signal)).version !== 2) {
    if ((await client.kvRead(path, opts)) !== undefined) return undefined;
    await client.kvWrite(path, { [field]: value }, opts);
    return {};
  }
  let first: number | undefined;
  try {
    first = await client.kvWrite(path, { [field]: value }, { cas: 0, ...opts });
  } catch (error) {
    if (isCasConflict(error)) return undefined;
    throw error;
  }
  const versions = first === undefined ? [] : [first];
  try {
    // Metadata after the value here: written first it would replace another row's.
    const beside = await writeMetadata(client, path, metadata, signal);
    if (Object.keys(beside).length > 0) {
      const next = await client.kvWrite(
        path,
        { ...beside, [field]: value },
        { cas: first ?? 0, ...opts },
      );
      if (next !== undefined) versions.push(next);
    }
  } catch (error) {
    await discardInVault(client, path, { versions }, signal);
    throw error;
  }
  return { versions };
}

/**
 * {@link RefBackend.discard} on Vault: destroys the versions the create wrote
 * (soft-deletes them when `destroy` is denied); the metadata goes too only
 * when nobody wrote after them, so the id can be created again.
 */
async function discardInVault(
  client: VaultClient,
  path: string,
  created: Created,
  signal?: AbortSignal,
): Promise<void> {
  const versions = created.versions ?? [];
  if ((await client.mountOf(path, signal)).version !== 2 || versions.length === 0)
    return client.kvDelete(path, undefined, signal);
  try {
    await client.kvDestroy(path, versions, signal);
  } catch (error) {
    if (!isDenied(error)) throw error;
    return softDiscard(client, path, versions, signal);
  }
  try {
    const current = (await client.kvMetadata(path, signal))?.current_version;
    if (typeof current === "number" && stillCreatesOwn(created, current))
      await client.kvDeleteAll(path, signal);
  } catch (error) {
    if (!isDenied(error)) throw error;
  }
}

/**
 * Where `destroy` is denied: soft-deletes the versions the create wrote, by
 * `delete/` or, under a policy with `delete` on `data/` only (seed 002's), by
 * deleting the current version, but only while the current version is still
 * the create's own (a later writer's version is theirs).
 */
async function softDiscard(
  client: VaultClient,
  path: string,
  versions: readonly number[],
  signal?: AbortSignal,
): Promise<void> {
  try {
    return await client.kvDelete(path, versions, signal);
  } catch (error) {
    if (!isDenied(error)) throw error;
  }
  const current = await client.kvRead(path, signal === undefined ? {} : { signal });
  if (current?.version !== undefined && stillCreatesOwn({ versions }, current.version))
    await client.kvDelete(path, undefined, signal);
}

const isDenied = (error: unknown) =>
  error instanceof StrongboxError && error.code === "E_VAULT_DENIED";

/** Writes custom metadata; returns what could not be written there (all of it when denied). */
async function writeMetadata(
  client: VaultClient,
  path: string,
  metadata: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<Readonly<Record<string, string>>> {
  if (Object.keys(metadata).length === 0) return {};
  try {
    await client.kvWriteMetadata(path, { custom_metadata: metadata }, signal);
    return {};
  } catch (error) {
    if (isDenied(error)) return metadata;
    throw error;
  }
}

/**
 * Values in the encrypted store, one secret per id (development, single
 * hosts). Store names are stricter than Vault paths (no `=` or `+`, which
 * base64 keys hold), so a path segment outside the store's grammar is kept
 * as `b64.<base64url of it>`; the mapping is one-to-one.
 */
export function storeRefs(store: Store): RefBackend {
  return refBackend("store", {
    async write(path, value) {
      store.set(storeName(path), Buffer.from(value, "utf8"));
    },
    async read(path) {
      return store.get(storeName(path))?.value.toString("utf8");
    },
    async remove(path) {
      store.remove(storeName(path), { purge: true });
    },
    async create(path, value) {
      const name = storeName(path);
      // A purged name keeps its count but no value (every version deleted, none sealed): free again.
      const history = historyOf(store, name);
      if (history.some((v) => v.state !== "deleted" || v.kid !== undefined)) return undefined;
      try {
        const version = store.set(
          name,
          Buffer.from(value, "utf8"),
          {},
          { expectedVersion: history.length },
        );
        return { versions: [version] };
      } catch (error) {
        if (isCasConflict(error)) return undefined;
        throw error;
      }
    },
    async discard(path, created) {
      const name = storeName(path);
      // A later writer's version is theirs: then only the create's own versions go.
      if (stillCreatesOwn(created, historyOf(store, name).at(-1)?.version))
        store.remove(name, { purge: true });
      else store.destroyVersions(name, created.versions ?? []);
    },
  });
}

function historyOf(store: Store, name: string): ReturnType<Store["history"]> {
  try {
    return store.history(name);
  } catch (error) {
    if (error instanceof StrongboxError && error.code === "E_STORE_NOT_FOUND") return [];
    throw error;
  }
}

const STORE_PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The store name of a ref path. */
export function storeName(path: string): string {
  return path
    .split("/")
    .map((part) =>
      STORE_PART.test(part) && !part.startsWith("b64.")
        ? part
        : `b64.${Buffer.from(part, "utf8").toString("base64url")}`,
    )
    .join("/");
}

/** Where the Secrets Manager client connects; the AWS SDK's defaults fill the rest. */
export interface AwsSecretsOptions extends AwsClientOptions {
  /** A prefix for secret names, e.g. `prod/` (default none). */
  readonly prefix?: string;
}

type SecretsManager = typeof import("@aws-sdk/client-secrets-manager");

/**
 * Values in AWS Secrets Manager, one secret per id, named by the path (with
 * `prefix`); the custom metadata becomes the secret's tags. Refs are
 * `aws-sm:<path>`; a pure source, like Vault.
 */
export function awsSecretsRefs(options: AwsSecretsOptions = {}): RefBackend {
  let connected:
    | Promise<{ sdk: SecretsManager; client: InstanceType<SecretsManager["SecretsManagerClient"]> }>
    | undefined;
  const connect = () => {
    connected ??= importModule<SecretsManager>("@aws-sdk/client-secrets-manager").then((sdk) => ({
      sdk,
      client: new sdk.SecretsManagerClient(sdkClientOptions(options)),
    }));
    return connected;
  };
  const name = (path: string) => `${options.prefix ?? ""}${path}`;
  const missing = (error: unknown) =>
    (error as { name?: string }).name === "ResourceNotFoundException";
  const abort = (signal?: AbortSignal) => (signal === undefined ? {} : { abortSignal: signal });
  const deleteSecret = async (path: string, signal?: AbortSignal) => {
    const { sdk, client } = await connect();
    try {
      await client.send(
        new sdk.DeleteSecretCommand({ SecretId: name(path), ForceDeleteWithoutRecovery: true }),
        abort(signal),
      );
    } catch (error) {
      if (!missing(error)) throw awsError(error, name(path), "AWS Secrets Manager");
    }
  };
  const currentVersionId = async (path: string, signal?: AbortSignal) => {
    const { sdk, client } = await connect();
    try {
      const { VersionIdsToStages } = await client.send(
        new sdk.DescribeSecretCommand({ SecretId: name(path) }),
        abort(signal),
      );
      const stages = Object.entries(VersionIdsToStages ?? {});
      return stages.find(([, labels]) => labels.includes("AWSCURRENT"))?.[0];
    } catch (error) {
      if (missing(error)) return undefined;
      throw awsError(error, name(path), "AWS Secrets Manager");
    }
  };
  return refBackend("aws-sm", {
    async write(path, value, metadata, signal) {
      const { sdk, client } = await connect();
      const Tags = Object.entries(metadata).map(([Key, Value]) => ({ Key, Value }));
      try {
        try {
          await client.send(
            new sdk.PutSecretValueCommand({ SecretId: name(path), SecretString: value }),
            abort(signal),
          );
        } catch (error) {
          if (!missing(error)) throw error;
          await client.send(
            new sdk.CreateSecretCommand({ Name: name(path), SecretString: value, Tags }),
            abort(signal),
          );
        }
      } catch (error) {
        throw awsError(error, name(path), "AWS Secrets Manager");
      }
    },
    async read(path, signal) {
      const { sdk, client } = await connect();
      try {
        return (
          await client.send(new sdk.GetSecretValueCommand({ SecretId: name(path) }), abort(signal))
        ).SecretString;
      } catch (error) {
        if (missing(error)) return undefined;
        throw awsError(error, name(path), "AWS Secrets Manager");
      }
    },
    remove: (path, signal) => deleteSecret(path, signal),
    async create(path, value, metadata, signal) {
      const { sdk, client } = await connect();
      const Tags = Object.entries(metadata).map(([Key, Value]) => ({ Key, Value }));
      try {
        // CreateSecret alone: it fails when the name is taken, so it never adds a version to another's.
        const { VersionId } = await client.send(
          new sdk.CreateSecretCommand({ Name: name(path), SecretString: value, Tags }),
          abort(signal),
        );
        return VersionId === undefined ? {} : { versionIds: [VersionId] };
      } catch (error) {
        if ((error as { name?: string }).name === "ResourceExistsException") return undefined;
        throw awsError(error, name(path), "AWS Secrets Manager");
      }
    },
    async discard(path, created, signal) {
      // Secrets Manager deletes no single version: while a later writer's is
      // current, the create's own stays behind as AWSPREVIOUS rather than take theirs.
      if (stillCreatesOwn(created, await currentVersionId(path, signal)))
        await deleteSecret(path, signal);
    },
  });
}
