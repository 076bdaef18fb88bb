import { join } from "node:path";
import { type LockOptions, lockFile, sweepLeftovers } from "../fs/lock.js";

/**
 * Takes the store's inter-process lock, `<store>/.lock` (fs/lock.ts): throws
 * `E_STORE_LOCKED` naming the holder once `timeoutMs` has passed. Returns the
 * function that releases it.
 */
export function acquireLock(storeDir: string, options: LockOptions = {}): () => void {
  return lockFile(join(storeDir, ".lock"), "the store", options);
}

/**
 * Removes what killed writers left in the store (fs/lock.ts sweepLeftovers):
 * only a lock holder writes there, and the caller holds the lock. Called by
 * maintenance operations.
 */
export function sweepStoreLeftovers(storeDir: string, options: { secrets: boolean }): number {
  // Scanning secrets/ costs time in proportion to the number of secrets, so only
  // operations that are proportional anyway (rewrap) ask for it.
  return sweepLeftovers(options.secrets ? [storeDir, join(storeDir, "secrets")] : [storeDir]);
}
