import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";
import { assertTrustedEntry } from "../security/trusted-path.js";
import type { Cached, StoreCore } from "./core.js";
import { rekeyedElsewhere } from "./keyring-refresh.js";
import { checkMark, MANIFEST, type Mark, readManifest } from "./manifest.js";
import { nameOfFile, openSecretFile, type SecretFile } from "./secret-file.js";

/** The names of the store's secrets, from its files' names, sorted. */
export function secretNames(core: StoreCore): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(core.options.dir, "secrets"));
  } catch {
    return [];
  }
  return entries.flatMap((entry) => nameOfFile(entry) ?? []).sort();
}

/**
 * The parsed file of `name`, reusing the cached parse while the file is
 * unchanged (same inode, size, mtime), checked against its manifest mark
 * whenever it is read anew.
 */
export function loadCached(
  core: StoreCore,
  name: string,
  wantVersion?: number,
): Cached | undefined {
  const path = core.path(name);
  // Taken before the file is read: a signature older than the bytes only costs a re-read.
  let signature: string | undefined;
  try {
    const stats = statSync(path, { bigint: true });
    signature = `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const cached = core.cache.get(name);
  // File systems stamp times coarsely and reuse inode numbers, so a rewritten file can
  // look unchanged; a version the cached copy lacks proves it stale.
  const lacksVersion =
    wantVersion !== undefined && (cached?.file.versions.length ?? 0) < wantVersion;
  if (cached !== undefined && cached.signature === signature && !lacksVersion) return cached;
  const file = readChecked(core, name, path);
  if (file === undefined) return undefined;
  const fresh = { signature: signature ?? "", file, plain: new Map<number, Buffer>() };
  // A file that was not there at the stat (created since) is not cached: it has no signature.
  if (signature !== undefined) core.cache.set(name, fresh);
  return fresh;
}

/** How often a read starts over when writers keep changing the store under it. */
const READ_ATTEMPTS = 3;

/**
 * The file of `name` (undefined when there is none), checked against its
 * mark. A reader takes no lock, so the one rule: a mark is compared only with
 * a file read after it. A writer renames a file before it raises its mark (and
 * lowers a mark, resolving a merge, before it renames), so a mark read first is
 * never ahead of the file read next, even for a secret being created. When
 * they still disagree, another process may have re-keyed the store (marks
 * under a key this process lacked) or lowered the mark since: the keyring and
 * the marks are read again, then the file again after them; only a
 * disagreement that survives is reported.
 */
function readChecked(core: StoreCore, name: string, path: string): SecretFile | undefined {
  for (let attempt = 1; ; attempt++) {
    const mark = currentMarks(core)?.get(name);
    const file = readFresh(core, name);
    try {
      checkMark(name, mark, file?.versions.length, path);
      return file;
    } catch (error) {
      if (!(error instanceof StrongboxError) || attempt >= READ_ATTEMPTS) throw error;
      if (!rekeyedElsewhere(core)) core.marks = undefined;
    }
  }
}

/** The manifest's marks, re-read when the file changed; throws when a store that had one lost it. */
export function currentMarks(core: StoreCore): Map<string, Mark> | undefined {
  const path = join(core.options.dir, MANIFEST);
  let signature = "none";
  try {
    const stats = statSync(path, { bigint: true });
    signature = `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (core.marks?.signature !== signature) core.marks = { signature, marks: freshMarks(core) };
  return core.marks.marks;
}

/** The manifest's marks as the file holds them now; throws when a store that had one lost it. */
export function freshMarks(core: StoreCore): Map<string, Mark> | undefined {
  const marks = readManifest(core.options.dir, core.keyring);
  if (marks === undefined && core.keyring.manifest === true) throw manifestMissing(core);
  return marks;
}

/** `E_STORE_TAMPERED` for a store that keeps a manifest and lost it. */
export function manifestMissing(core: StoreCore): StrongboxError {
  return new StrongboxError(
    "E_STORE_TAMPERED",
    `${join(core.options.dir, MANIFEST)} is missing, though this store keeps one`,
    {
      hint: "restore it from git; without it, a secret file rolled back or deleted by hand goes unnoticed",
    },
  );
}

/**
 * The secret file of `name` read and authenticated now (no cache), once more
 * after a rekey by another process. Undefined when there is none.
 */
export function readFresh(core: StoreCore, name: string): SecretFile | undefined {
  const path = core.path(name);
  let bytes: Buffer;
  assertTrustedEntry(path, "the secret file");
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return openSecretFile(bytes, core.keyring, name, path);
  } catch (error) {
    // Another process may have re-keyed the store since this one loaded the keyring:
    // the file is then authenticated under an integrity key this process has not seen.
    if (
      error instanceof StrongboxError &&
      error.code === "E_STORE_TAMPERED" &&
      rekeyedElsewhere(core)
    )
      return readFresh(core, name);
    if (error instanceof StrongboxError) throw error;
    throw new StrongboxError("E_STORE_TAMPERED", `${path}: the store file is damaged`, {
      hint: "restore it from git or a backup",
    });
  }
}
