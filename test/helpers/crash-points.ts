// Deterministic crash points for the store crash tests, without a hook in the
// product: the worker process replaces node:fs's mutating calls (and pushes the
// change into every ES module's named imports), counts them, and SIGKILLs
// itself just before the Nth. Sweeping N from 1 until the operation completes
// stops it between every pair of changes it makes on disk, which a kill at a
// random moment (load-dependent) reaches only by luck.
//
// A SIGKILL is a process crash: what was written stays in the page cache. The
// states a power cut adds (data not yet fsynced lost) are not modelled here.
import fs, { constants } from "node:fs";
import { syncBuiltinESMExports } from "node:module";

/**
 * The calls that change what a reader of the store can see. Not counted: fsync
 * (a kill before it or after it leaves the same files) and the writes into a
 * new temp file (opened O_EXCL: named `*.tmp-*` or a lock's temp, which no
 * reader opens and the next writer sweeps), whose rename or link is counted.
 */
const MUTATING = [
  "writeSync",
  "writeFileSync",
  "appendFileSync",
  "renameSync",
  "unlinkSync",
  "linkSync",
  "symlinkSync",
  "mkdirSync",
  "rmSync",
  "rmdirSync",
  "ftruncateSync",
  "truncateSync",
  "copyFileSync",
  "chmodSync",
] as const;

/** Whether an openSync call creates or truncates a named file (flags as a number or a string). */
function changesNamedFile(flags: unknown): boolean {
  if (typeof flags === "number")
    return (
      (flags & constants.O_EXCL) === 0 && (flags & (constants.O_CREAT | constants.O_TRUNC)) !== 0
    );
  return typeof flags === "string" && /^[wa]/.test(flags) && !flags.includes("x");
}

function isNewTemp(flags: unknown): boolean {
  return typeof flags === "number"
    ? (flags & constants.O_EXCL) !== 0
    : typeof flags === "string" && flags.includes("x");
}

/**
 * Arms the crash point: the `at`-th mutating call from now on kills the
 * process before it runs (0: never). Returns a function that tells how many
 * mutating calls were made so far. Writes to stdout and stderr are not counted.
 */
export function armCrashPoint(at: number): () => number {
  let count = 0;
  const uncounted = new Set([1, 2]);
  const step = () => {
    count++;
    if (count === at) process.kill(process.pid, "SIGKILL");
  };
  const target = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of MUTATING) {
    const real = target[name];
    if (typeof real !== "function") continue;
    target[name] = (...args: unknown[]) => {
      if (!(name === "writeSync" && uncounted.has(args[0] as number))) step();
      return real(...args);
    };
  }
  const realOpen = target.openSync as (...args: unknown[]) => unknown;
  target.openSync = (...args: unknown[]) => {
    if (changesNamedFile(args[1])) step();
    const fd = realOpen(...args);
    if (isNewTemp(args[1])) uncounted.add(fd as number);
    return fd;
  };
  const realClose = target.closeSync as (...args: unknown[]) => unknown;
  target.closeSync = (...args: unknown[]) => {
    if ((args[0] as number) > 2) uncounted.delete(args[0] as number);
    return realClose(...args);
  };
  syncBuiltinESMExports();
  return () => count;
}

/** The calls a reader makes to see the store. */
const READING = [
  "readFileSync",
  "readSync",
  "statSync",
  "lstatSync",
  "fstatSync",
  "existsSync",
  "readdirSync",
  "realpathSync",
  "accessSync",
  "openSync",
] as const;

/**
 * Runs `read` with each of `writers` run once, just before `read`'s
 * file-system call number `at` (counting from 1): writers that get in between
 * a reader's reads at chosen points instead of by chance. Returns how many
 * calls `read` made, and how many writers ran (one whose point `read` never
 * reached did not). Calls the writers make are not counted; the real
 * functions are back afterwards.
 */
export async function interleave<T>(
  writers: ReadonlyArray<{ readonly at: number; readonly run: () => void }>,
  read: () => Promise<T>,
): Promise<{ value: T; calls: number; ran: number }> {
  const target = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  const real = new Map(READING.map((name) => [name, target[name]] as const));
  let calls = 0;
  let ran = 0;
  let inside = false;
  for (const [name, fn] of real) {
    const wrapper = (...args: unknown[]) => {
      if (!inside) {
        calls++;
        inside = true;
        try {
          for (const writer of writers)
            if (writer.at === calls) {
              writer.run();
              ran++;
            }
        } finally {
          inside = false;
        }
      }
      return (fn as (...args: unknown[]) => unknown)(...args);
    };
    // realpathSync.native and the like stay reachable.
    target[name] = Object.assign(wrapper, fn);
  }
  syncBuiltinESMExports();
  try {
    return { value: await read(), calls, ran };
  } finally {
    for (const [name, fn] of real) target[name] = fn as (...args: unknown[]) => unknown;
    syncBuiltinESMExports();
  }
}

/**
 * Makes fsync a no-op until the returned function is called. A process kill
 * keeps what the page cache holds, and a reader in another process sees a
 * write without it, so neither sweep here can observe an fsync: skipping them
 * keeps the sweeps fast on a busy disk. (Durability across a power cut is
 * what fsync is for, and is not what these tests check.)
 */
export function skipFsync(): () => void {
  const target = fs as unknown as Record<string, unknown>;
  const real = { fsyncSync: target.fsyncSync, fdatasyncSync: target.fdatasyncSync };
  target.fsyncSync = () => undefined;
  target.fdatasyncSync = () => undefined;
  syncBuiltinESMExports();
  return () => {
    Object.assign(target, real);
    syncBuiltinESMExports();
  };
}

/** Runs `fn` with fsync a no-op (see skipFsync). */
export async function withoutFsync<T>(fn: () => Promise<T>): Promise<T> {
  const back = skipFsync();
  try {
    return await fn();
  } finally {
    back();
  }
}
