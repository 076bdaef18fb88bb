import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";

export interface LockOptions {
  /** Give up after this many milliseconds (10 s by default). */
  readonly timeoutMs?: number;
}

/** Made on first wait, not at load: a V8 startup snapshot (the single executable's) has no SharedArrayBuffer. */
let sleeper: Int32Array | undefined;

/**
 * Takes an inter-process lock: `path` created with O_EXCL holding
 * `pid host time`. A lock held by a dead process on this host is stale and is
 * broken. Waits with a short back-off, then throws `E_STORE_LOCKED` naming the
 * holder (`label` names what it guards). Returns the function that releases it.
 */
export function lockFile(path: string, label: string, options: LockOptions = {}): () => void {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const me = `${process.pid} ${hostname()} ${new Date().toISOString()}\n`;
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(path, me)) return () => releaseLock(path, me);
    const holder = readHolder(path);
    // Broken: try again at once. Being broken by another process: wait like for any holder.
    if (
      holder !== undefined &&
      holder.host === hostname() &&
      !isAlive(holder.pid) &&
      breakStaleLock(path, holder.raw)
    )
      continue;
    if (Date.now() >= deadline) {
      throw new StrongboxError(
        "E_STORE_LOCKED",
        `${label} is locked by process ${holder?.pid ?? "?"} on ${holder?.host ?? "?"} since ${holder?.since ?? "?"}`,
        {
          hint: `wait for it to finish; if that process is gone, remove ${path}`,
        },
      );
    }
    sleeper ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleeper, 0, 0, Math.min(5 + attempt * 5, 50));
  }
}

/**
 * Creates the lock with its content in one atomic step: the content goes to a
 * private temp file that is then hard-linked to `.lock` (link fails if `.lock`
 * exists). An O_EXCL create followed by a write could leave an empty lock if
 * the process died between the two, and an empty lock names no holder to
 * check, so it could never be recognised as stale.
 */
function tryCreate(path: string, content: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    const fd = openSync(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw lockError(path, error);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
  }
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  readonly raw: string;
}

function readHolder(path: string): Holder | undefined {
  try {
    const raw = readFileSync(path, "utf8");
    const [pid, host, since] = raw.trim().split(" ");
    if (pid === undefined || host === undefined) return undefined;
    return { pid: Number(pid), host, since: since ?? "?", raw };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes a stale lock, one breaker at a time. Reading the lock and then
 * unlinking it is two steps: two processes breaking the same stale lock could
 * otherwise both read it, one unlink it, a third create a fresh lock, and the
 * second unlink that fresh one, leaving two holders (a crash test with four
 * writers killed at random found it). Under the `.break` guard, a lock that
 * still holds the stale content can change only by being broken, so the read
 * and the unlink cannot be separated by anyone. A guard left by a breaker that
 * died is itself broken the same way (a much narrower window, left open).
 */
function breakStaleLock(path: string, raw: string): boolean {
  const guard = `${path}.break`;
  const me = `${process.pid} ${hostname()} ${new Date().toISOString()}\n`;
  if (!tryCreate(guard, me)) {
    const holder = readHolder(guard);
    if (holder !== undefined && holder.host === hostname() && !isAlive(holder.pid)) {
      try {
        if (readFileSync(guard, "utf8") === holder.raw) unlinkSync(guard);
      } catch {
        // gone already
      }
    }
    // Someone else is breaking it; the caller waits and tries again.
    return false;
  }
  try {
    if (readFileSync(path, "utf8") === raw) unlinkSync(path);
  } catch {
    // gone already
  } finally {
    releaseLock(guard, me);
  }
  return true;
}

function releaseLock(path: string, me: string): void {
  try {
    if (readFileSync(path, "utf8") === me) unlinkSync(path);
  } catch {
    // already released or broken as stale
  }
}

function lockError(path: string, error: unknown): StrongboxError {
  return new StrongboxError(
    "E_IO",
    `cannot create the lock ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    {
      hint: "check the store directory is writable",
    },
  );
}

/**
 * Removes, from each of `dirs`, what killed writers left behind: temp files of
 * interrupted atomic writes (fs/atomic-write.ts names them `*.tmp-*`) and the
 * temp files of locks (`.lock.<pid>.*`) whose process is dead. Only for
 * directories whose writes all happen under a lock the caller holds: a temp
 * file there is then never one a live writer is still filling.
 */
export function sweepLeftovers(dirs: readonly string[]): number {
  let removed = 0;
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const lockTemp = /^\.lock\.(\d+)\./.exec(entry);
      const stale = entry.includes(".tmp-") || (lockTemp !== null && !isAlive(Number(lockTemp[1])));
      if (!stale) continue;
      try {
        unlinkSync(join(dir, entry));
        removed++;
      } catch {
        // already gone
      }
    }
  }
  return removed;
}
