import { existsSync } from "node:fs";
import { StrongboxError } from "../errors.js";
import type { StoreCore } from "./core.js";
import {
  checkSecretName,
  MAX_VALUE_BYTES,
  openVersion,
  type SecretMeta,
  sealSecretFile,
  sealVersion,
} from "./secret-file.js";
import { notFound } from "./secret-reads.js";

/**
 * Stores a new version of `name` (metadata merged into the existing, except
 * `expires`, which belongs to the value it was set with). Returns its version
 * number. With `expectedVersion` it is a check-and-set under the store lock:
 * `E_STORE_CAS` unless the current version is that one (0: the secret must not exist yet).
 */
export function setSecret(
  core: StoreCore,
  name: string,
  value: Uint8Array,
  meta: SecretMeta,
  options: { expectedVersion?: number },
): number {
  checkSecretName(name);
  if (value.length > MAX_VALUE_BYTES) {
    throw new StrongboxError("E_INVALID", `${name}: the value is larger than 1 MiB`, {
      hint: "store large files elsewhere and keep a reference",
    });
  }
  return core.write(name, "write", (file) => {
    if (options.expectedVersion !== undefined && options.expectedVersion !== file.versions.length)
      throw new StrongboxError(
        "E_STORE_CAS",
        `${name}: check-and-set expected version ${options.expectedVersion}, but the store holds ${file.versions.length}`,
        { hint: "someone changed the secret meanwhile; read it again and retry" },
      );
    const version = file.versions.length + 1;
    const record = sealVersion(core.keyring, name, version, value, core.random(32), core.stamp());
    // An expiry belongs to a value: a new value does not inherit the old one's.
    const { expires: _expired, ...kept } = file.meta;
    return { name, meta: { ...kept, ...meta }, versions: [...file.versions, record] };
  });
}

/** Marks `name` deleted with a tombstone version, history kept. Returns its version number. */
export function deleteSecret(core: StoreCore, name: string): number {
  checkSecretName(name);
  return core.write(name, "delete", (file) => {
    if (file.versions.length === 0) throw notFound(name);
    return {
      ...file,
      versions: [
        ...file.versions,
        { version: file.versions.length + 1, ...core.stamp(), state: "deleted" as const },
      ],
    };
  });
}

/**
 * Destroys every value of `name` and the metadata it held. A purge keeps the
 * count: the file is rewritten as tombstones only, one more than the store
 * had written, so the manifest's mark never goes down and an older copy of
 * the file (which has fewer versions) is refused as a rollback, even after
 * the name is set again (its numbering continues past the purge).
 */
export function purgeSecret(core: StoreCore, name: string): void {
  checkSecretName(name);
  const release = core.lock();
  try {
    const mark = core.freshMarks()?.get(name);
    let held = 0;
    try {
      held = core.readFresh(name)?.versions.length ?? 0;
    } catch (error) {
      // A file out of step with its mark (or gone) is what a purge is for; the mark still counts.
      if (!(error instanceof StrongboxError)) throw error;
    }
    const written = Math.max(held, mark !== undefined && "versions" in mark ? mark.versions : 0);
    if (written === 0 && !existsSync(core.path(name))) throw notFound(name);
    const stamp = core.stamp();
    const versions = Array.from({ length: written + 1 }, (_, index) => ({
      version: index + 1,
      ...stamp,
      state: "deleted" as const,
    }));
    core.commit(
      name,
      sealSecretFile({ name, meta: {}, versions }, core.keyring),
      versions.length,
      "purge",
    );
  } finally {
    release();
  }
}

/**
 * Destroys older versions of `name` (a rotation's retired values): their
 * ciphertext leaves the file and each becomes a tombstone, so neither a read
 * nor a rollback can reach it. The current version cannot be destroyed this
 * way (`remove` is for that). Returns the versions destroyed.
 */
export function destroyVersions(
  core: StoreCore,
  name: string,
  versions: readonly number[],
): number[] {
  checkSecretName(name);
  const destroyed: number[] = [];
  core.write(name, "destroy", (file) => {
    if (file.versions.length === 0) throw notFound(name);
    return {
      ...file,
      versions: file.versions.map((version) => {
        if (!versions.includes(version.version) || version.state === "deleted") return version;
        if (version.version === file.versions.length)
          throw new StrongboxError(
            "E_USAGE",
            `${name}: version ${version.version} is the current one and cannot be destroyed`,
            { hint: "rotate first, or remove the secret" },
          );
        destroyed.push(version.version);
        const { version: number, createdAt, createdBy } = version;
        return { version: number, createdAt, createdBy, state: "deleted" as const };
      }),
    };
  });
  return destroyed;
}

/** Makes version `to` current again by copying it into a new version. */
export function rollbackSecret(core: StoreCore, name: string, to: number): number {
  checkSecretName(name);
  return core.write(name, "rollback", (file) => {
    const source = file.versions[to - 1];
    if (source === undefined || source.state === "deleted") {
      throw new StrongboxError("E_STORE_NOT_FOUND", `${name} has no live version ${to}`, {
        hint: `see \`strongbox history ${name}\``,
      });
    }
    const plain = core.withKeyFor(source, () =>
      openVersion(core.keyring, name, source, core.path(name)),
    );
    const version = file.versions.length + 1;
    return {
      ...file,
      versions: [
        ...file.versions,
        sealVersion(core.keyring, name, version, plain, core.random(32), core.stamp()),
      ],
    };
  });
}
