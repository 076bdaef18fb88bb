import type { StoreWriter } from "./audited-change.js";
import type { StoreCore } from "./core.js";
import { manifestBytes, markCounts, readManifest } from "./manifest.js";
import { freshMarks, readFresh, secretNames } from "./secret-cache.js";
import { sealSecretFile } from "./secret-file.js";

/**
 * Completes a rekey's second half, also after a crash: every secret file
 * and the manifest are authenticated under the current integrity key, then
 * the keyring forgets the previous one. Call with the lock held, inside
 * an audited change (see {@link change}).
 */
export function finishIntegrityRotation(core: StoreCore, writer: StoreWriter): void {
  if (core.keyring.previousIntegrityKey === undefined) {
    ensureManifest(core, writer);
    return;
  }
  const counts = new Map<string, number>();
  const names = secretNames(core);
  for (const [index, name] of names.entries()) {
    const file = readFresh(core, name);
    if (file !== undefined) {
      writer.secret(name, sealSecretFile(file, core.keyring));
      counts.set(name, file.versions.length);
    }
    core.options.onProgress?.("re-authenticating", index + 1, names.length);
  }
  writer.manifest(manifestBytes(core.keyring, mergedCounts(core, counts)));
  const { previousIntegrityKey: _previous, ...rest } = core.keyring;
  core.sealKeyring(writer, { ...rest, manifest: true });
  core.cache.clear();
  core.marks = undefined;
}

/** Stores written before the manifest existed get one, from their files as they are. */
export function ensureManifest(core: StoreCore, writer: StoreWriter): void {
  if (readManifest(core.options.dir, core.keyring) !== undefined) return;
  writer.manifest(manifestBytes(core.keyring, countsFromFiles(core)));
}

/** The manifest's marks, raised to `counts` where a file is ahead (never lowered). */
export function mergedCounts(
  core: StoreCore,
  counts: ReadonlyMap<string, number>,
): Map<string, number> {
  const merged = markCounts(freshMarks(core));
  for (const [name, versions] of counts)
    merged.set(name, Math.max(versions, merged.get(name) ?? 0));
  return merged;
}

/** Each secret's version count, from its file as it is. */
export function countsFromFiles(core: StoreCore): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of secretNames(core)) {
    const file = readFresh(core, name);
    if (file !== undefined) counts.set(name, file.versions.length);
  }
  return counts;
}
