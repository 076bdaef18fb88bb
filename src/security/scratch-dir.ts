import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  type Stats,
  writeSync,
} from "node:fs";
import { isAbsolute, join } from "node:path";
import { StrongboxError } from "../errors.js";
import { ensurePrivateDir } from "../fs/atomic-write.js";
import { stateDir } from "../util/state-dir.js";
import { untrustedReason } from "./trusted-path.js";

type Env = Readonly<Record<string, string | undefined>>;

/** A private directory for one short-lived plaintext file, and the file in it. */
export interface Scratch {
  readonly dir: string;
  readonly file: string;
  /** `runtime` under $XDG_RUNTIME_DIR (memory, this login's), `state` under the state directory. */
  readonly place: "runtime" | "state";
  /** The directory as made (device and inode): the one read back must be the same. */
  readonly id?: { readonly dev: number; readonly ino: number };
}

const PREFIX = "edit-";

/**
 * Where a plaintext copy of a secret may sit while a person edits it:
 * `$XDG_RUNTIME_DIR/strongbox` when that variable names an absolute
 * directory that is this user's and open to no one else (as the XDG spec
 * requires: systemd's /run/user/UID, a tmpfs removed at logout) and that the
 * trusted-path rule accepts, else
 * `scratch/` in Strongbox's state directory (`~/.local/state/strongbox`,
 * already 0700 and the user's). Never the shared /tmp.
 */
export function scratchBase(env: Env): { base: string; place: Scratch["place"] } {
  const runtime = env.XDG_RUNTIME_DIR;
  // The XDG spec's own terms: owned by the user, 0700. A sticky shared
  // directory (/tmp, /dev/shm) passes the trusted-path rule but not this.
  if (runtime !== undefined && isAbsolute(runtime) && privateDirProblem(runtime) === undefined)
    if (untrustedReason(runtime, "$XDG_RUNTIME_DIR") === undefined)
      return { base: join(runtime, "strongbox"), place: "runtime" };
  return { base: join(stateDir(env), "scratch"), place: "state" };
}

/**
 * Makes a fresh directory (0700, its own per call, named for this process)
 * holding `name` with `bytes`, created 0600 with O_EXCL and O_NOFOLLOW, so
 * no other user can read it at any instant and nothing there is overwritten.
 * Leftovers of processes that no longer run (killed with SIGKILL mid-edit)
 * are removed first. The caller removes it with {@link removeScratch}.
 */
export function makeScratch(env: Env, name: string, bytes: Uint8Array): Scratch {
  const { base, place } = scratchBase(env);
  ensurePrivateDir(base);
  assertPrivateDir(base);
  sweepDead(base);
  const dir = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  const file = join(dir, name.replace(/[^A-Za-z0-9_.-]/g, "_") || "value");
  try {
    const made = assertPrivateDir(dir);
    const id = { dev: made.dev, ino: made.ino };
    const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
    const fd = openSync(file, flags, 0o600);
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    } finally {
      closeSync(fd);
    }
    return { dir, file, place, id };
  } catch (error) {
    removeScratch({ dir, file, place });
    if (error instanceof StrongboxError) throw error;
    throw new StrongboxError("E_IO", `cannot write the file to edit in ${dir}`, {
      hint: "check the directory is writable",
      cause: error,
    });
  }
}

/**
 * The file's bytes as the editor left it; refused when it is no longer a
 * regular file (a link there is not followed).
 */
export function readScratch(scratch: Scratch): Buffer {
  const now = assertPrivateDir(scratch.dir);
  if (scratch.id !== undefined && (now.dev !== scratch.id.dev || now.ino !== scratch.id.ino))
    throw unsafe(scratch.dir, "was replaced while the editor ran (another directory is there now)");
  const fd = openSync(scratch.file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile())
      throw new StrongboxError("E_UNSAFE_PATH", `${scratch.file} is no longer a regular file`);
    if (stats.uid !== process.getuid?.() && process.getuid !== undefined)
      throw unsafe(scratch.file, `belongs to uid ${stats.uid}, not to you`);
    const bytes = Buffer.alloc(stats.size);
    let offset = 0;
    while (offset < bytes.length) {
      const read = readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return bytes.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the directory and everything in it (the editor's swap and backup
 * files too), overwriting the file's bytes with zeros first. Never throws:
 * it runs on the way out of a failure.
 */
export function removeScratch(scratch: Scratch): void {
  try {
    const fd = openSync(scratch.file, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      const size = fstatSync(fd).size;
      if (size > 0) writeSync(fd, Buffer.alloc(size), 0, size, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    // gone already, or the editor replaced it: removal below is what counts
  }
  rmSync(scratch.dir, { recursive: true, force: true });
}

/** Removes the scratch directories of processes that are gone. */
function sweepDead(base: string): void {
  for (const entry of readdirSync(base)) {
    const pid = Number(/^edit-(\d+)-/.exec(entry)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    rmSync(join(base, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The one rule for every directory a plaintext copy sits in or under (the
 * runtime directory, the scratch base, the per-edit directory): a real
 * directory (no link), owned by this user, with no permission for group or
 * others. Why it fails, or undefined; on a system without POSIX owners
 * (Windows) only the first part holds.
 */
function privateDirProblem(path: string): string | undefined {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch {
    return "does not exist";
  }
  if (stats.isSymbolicLink() || !stats.isDirectory()) return "is not a plain directory";
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  if (stats.uid !== uid) return `belongs to uid ${stats.uid}, not to you (uid ${uid})`;
  if ((stats.mode & 0o077) !== 0)
    return `is open to others (mode ${(stats.mode & 0o7777).toString(8).padStart(4, "0")})`;
  return undefined;
}

/** {@link privateDirProblem} as a refusal; the directory's stats when it passes. */
function assertPrivateDir(path: string): Stats {
  const problem = privateDirProblem(path);
  if (problem !== undefined) throw unsafe(path, problem);
  return lstatSync(path);
}

function unsafe(path: string, problem: string): StrongboxError {
  return new StrongboxError(
    "E_UNSAFE_PATH",
    `${path} ${problem}: a secret being edited is not written there`,
    {
      hint: `it must be a directory of yours only (chmod 700, or remove it and Strongbox makes it); under a shared $XDG_RUNTIME_DIR, unset that variable`,
    },
  );
}
