import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";

export interface LockOptions {
  /** Give up after this many milliseconds (10 s by default). */
  readonly timeoutMs?: number;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Takes the store's inter-process lock: `.lock` created with O_EXCL holding
 * `pid host time`. A lock held by a dead process on this host is stale and is
 * broken. Waits with a short back-off, then throws `E_STORE_LOCKED` naming the
 * holder. Returns the function that releases it.
 */
export function acquireLock(storeDir: string, options: LockOptions = {}): () => void {
  const path = join(storeDir, ".lock");
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const me = `${process.pid} ${hostname()} ${new Date().toISOString()}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      writeSync(fd, me);
      closeSync(fd);
      return () => releaseLock(path, me);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw lockError(path, error);
    }
    const holder = readHolder(path);
    if (holder !== undefined && holder.host === hostname() && !isAlive(holder.pid)) {
      breakStaleLock(path, holder.raw);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new StrongboxError(
        "E_STORE_LOCKED",
        `the store is locked by process ${holder?.pid ?? "?"} on ${holder?.host ?? "?"} since ${holder?.since ?? "?"}`,
        {
          hint: `wait for it to finish; if that process is gone, remove ${path}`,
        },
      );
    }
    Atomics.wait(sleeper, 0, 0, Math.min(5 + attempt * 5, 50));
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

/** Removes a stale lock only if it is still the same stale lock (another process may have broken it first). */
function breakStaleLock(path: string, raw: string): void {
  try {
    if (readFileSync(path, "utf8") === raw) unlinkSync(path);
  } catch {
    // gone already
  }
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
