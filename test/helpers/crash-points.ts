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

/** The calls that change something on disk; fsync is not one (a kill before it or after it leaves the same files). */
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

/** Whether an openSync call creates or truncates (flags as a number or a string). */
function creates(flags: unknown): boolean {
  if (typeof flags === "number")
    return (flags & (constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND)) !== 0;
  return typeof flags === "string" && /^[wa]/.test(flags);
}

/**
 * Arms the crash point: the `at`-th mutating call from now on kills the
 * process before it runs (0: never). Returns a function that tells how many
 * mutating calls were made so far. `exempt` fds (stdout) are not counted.
 */
export function armCrashPoint(at: number, exempt: ReadonlySet<number> = new Set([1, 2])): () => number {
  let count = 0;
  const step = () => {
    count++;
    if (count === at) process.kill(process.pid, "SIGKILL");
  };
  const target = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of MUTATING) {
    const real = target[name];
    if (typeof real !== "function") continue;
    target[name] = (...args: unknown[]) => {
      if (!(name === "writeSync" && typeof args[0] === "number" && exempt.has(args[0]))) step();
      return real(...args);
    };
  }
  const realOpen = target.openSync as (...args: unknown[]) => unknown;
  target.openSync = (...args: unknown[]) => {
    if (creates(args[1])) step();
    return realOpen(...args);
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
 * Runs `read` (synchronous up to its first await, or async) with `between`
 * run once, just before `read`'s `at`-th file-system call (0: never): a
 * writer that gets in between two of a reader's reads, at a chosen point
 * instead of by chance. Returns how many calls `read` made. Calls `between`
 * makes itself are not counted. The real functions are back afterwards.
 */
export async function interleave<T>(
  at: number,
  between: () => void,
  read: () => Promise<T>,
): Promise<{ value: T; calls: number }> {
  const target = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  const real = new Map(READING.map((name) => [name, target[name]] as const));
  let calls = 0;
  let inside = false;
  for (const [name, fn] of real) {
    const wrapper = (...args: unknown[]) => {
      if (!inside && ++calls === at) {
        inside = true;
        try {
          between();
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
    return { value: await read(), calls };
  } finally {
    for (const [name, fn] of real) target[name] = fn as (...args: unknown[]) => unknown;
    syncBuiltinESMExports();
  }
}
