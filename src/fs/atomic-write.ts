import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { StrongboxError } from "../errors.js";

/**
 * Writes `bytes` to `path` so that a crash at any instant leaves either the old
 * file or the new one: a fresh temp file in the same directory (O_EXCL and
 * O_NOFOLLOW, mode 0600 from creation), fsync, rename over the target, fsync
 * the directory. The temp file is removed on any error.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, mode = 0o600): void {
  const dir = dirname(path);
  const temp = join(dir, `${basename(path)}.tmp-${randomBytes(6).toString("hex")}`);
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
  let fd: number | undefined;
  try {
    fd = openSync(temp, flags, mode);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
    syncDirectory(dir);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // the temp file was renamed or never created
    }
    throw ioError(path, error);
  }
}

/**
 * Replaces several files as nearly at once as a file system allows: each new
 * file is written to a fresh temp file beside its target (O_EXCL, O_NOFOLLOW,
 * mode 0600, fsynced) before the first rename, so an error while writing
 * (a full disk, a quota) leaves every target as it was and no temp file
 * behind. Only the renames that follow, which do not allocate, remain
 * between the first file changed and the last; each directory is fsynced once.
 */
export function writeFilesAtomic(files: ReadonlyArray<readonly [string, Uint8Array]>): void {
  const staged: Array<readonly [temp: string, path: string]> = [];
  try {
    for (const [path, bytes] of files) {
      const temp = join(dirname(path), `${basename(path)}.tmp-${randomBytes(6).toString("hex")}`);
      staged.push([temp, path]);
      writeStaged(temp, bytes);
    }
    for (const [temp, path] of staged) renameSync(temp, path);
  } catch (error) {
    for (const [temp] of staged) {
      try {
        unlinkSync(temp);
      } catch {
        // renamed, or never created
      }
    }
    throw ioError(staged.at(-1)?.[1] ?? "", error);
  }
  for (const dir of new Set(staged.map(([, path]) => dirname(path)))) syncDirectory(dir);
}

/** Writes `bytes` to a new file `temp` (never an existing one, never through a link), fsynced. */
function writeStaged(temp: string, bytes: Uint8Array, mode = 0o600): void {
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
  const fd = openSync(temp, flags, mode);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `path` holding `bytes` only if nothing is there yet, in one atomic
 * step: a fsynced temp file hard-linked to the target (the link fails if it
 * exists). Returns false when another writer got there first; the caller then
 * reads theirs. For files made on first use by whichever process comes first
 * (a key two processes would otherwise each make, the later rename silently
 * replacing the key the earlier one already signed with).
 */
export function createFileExclusive(path: string, bytes: Uint8Array, mode = 0o600): boolean {
  const dir = dirname(path);
  const temp = join(dir, `${basename(path)}.tmp-${randomBytes(6).toString("hex")}`);
  try {
    writeStaged(temp, bytes, mode);
    linkSync(temp, path);
    syncDirectory(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw ioError(path, error);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
  }
}

/** fsync a directory so a rename in it survives a power cut. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `dir` (and parents) with mode 0700 whatever the umask, and refuses a
 * path that is a symlink, so the store cannot be redirected elsewhere.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stats = lstatSync(dir);
  if (stats.isSymbolicLink() || !stats.isDirectory()) {
    throw new StrongboxError("E_IO", `${dir} is not a plain directory`, {
      hint: "the store refuses symlinked directories; use the real path",
    });
  }
}

export function ioError(path: string, error: unknown): StrongboxError {
  if (error instanceof StrongboxError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? "error";
  return new StrongboxError("E_IO", `cannot write ${path}: ${code}`, {
    hint: "check the directory exists and is writable",
    cause: error,
  });
}
