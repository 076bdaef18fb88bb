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
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
  try {
    const fd = openSync(temp, flags, mode);
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
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
