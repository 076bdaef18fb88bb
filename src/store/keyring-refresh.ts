import { join } from "node:path";
import { StrongboxError } from "../errors.js";
import type { StoreCore } from "./core.js";
import { wrapperFor } from "./key-wrapper.js";
import { type Keyring, openKeyring, peekKeyring } from "./keyring.js";
import { keyringReplaced, readKeyring, unwrapContext } from "./keyring-file.js";
import { followNewKey } from "./known-stores.js";
import { acquireLock } from "./store-lock.js";
import { KEYRING } from "./types.js";

/**
 * Takes the store lock, then makes sure this process writes with the
 * keyring as it is now: another process may have rotated, rewrapped or
 * re-keyed since this one opened the store, and writing under a retired
 * data key or a replaced integrity key would produce a file the store then
 * refuses. The keyring's bytes decide (a small read; timestamps and inode
 * numbers can hide a rewrite), and it is opened again only when they changed.
 */
export function lockStore(core: StoreCore): () => void {
  const release = acquireLock(
    core.options.dir,
    core.options.lockTimeoutMs === undefined ? {} : { timeoutMs: core.options.lockTimeoutMs },
  );
  try {
    const bytes = readKeyring(join(core.options.dir, KEYRING));
    if (core.keyringSeen === undefined || !bytes.equals(core.keyringSeen)) {
      core.keyring = reloadKeyring(core);
      core.keyringSeen = bytes;
    }
  } catch (error) {
    release();
    throw error;
  }
  return release;
}

/**
 * Re-reads the keyring. If another process re-keyed the store since this one
 * opened it, the key is read again from where it came from (not possible
 * for a passphrase, which would need asking again).
 */
export function reloadKeyring(core: StoreCore): Keyring {
  const path = join(core.options.dir, KEYRING);
  for (let attempt = 1; ; attempt++) {
    const bytes = readKeyring(path);
    try {
      return reloadFrom(core, path, bytes);
    } catch (error) {
      if (!keyringReplaced(path, bytes, error, attempt)) throw error;
    }
  }
}

function reloadFrom(core: StoreCore, path: string, bytes: Buffer): Keyring {
  try {
    return openKeyring(bytes, core.masterKey, path);
  } catch (error) {
    if (!(error instanceof StrongboxError && error.code === "E_STORE_WRONG_KEY")) throw error;
    const { master } = peekKeyring(bytes, path);
    const wrapper = wrapperFor(master, path);
    if (wrapper.unwrapAgain === undefined)
      // A passphrase would have to be asked again; a recipient's key is unwrapped
      // asynchronously (age, Transit, KMS), which a synchronous write cannot wait for.
      throw new StrongboxError(
        "E_STORE_KEY",
        `the store in ${core.options.dir} was re-keyed by another process since this one opened it`,
        { hint: "open it again (run the command again, or restart the process)" },
      );
    const unlocked = wrapper.unwrapAgain(master, unwrapContext(core.options, bytes));
    // A long-running process follows a new key only as a new open would (known-stores.ts).
    if (master.kind === "recipients") followNewKey(core.options, unlocked.keyring, unlocked.key);
    unlocked.key.copy(core.masterKey);
    return unlocked.keyring;
  }
}

/** Reloads the keyring; true when its integrity key changed (a rekey by another process). */
export function rekeyedElsewhere(core: StoreCore): boolean {
  const before = core.keyring.integrityKey;
  core.keyring = reloadKeyring(core);
  if (core.keyring.integrityKey.equals(before)) return false;
  core.cache.clear();
  core.marks = undefined;
  return true;
}
