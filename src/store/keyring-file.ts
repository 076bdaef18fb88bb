import { readFileSync } from "node:fs";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";
import { assertTrustedEntry } from "../security/trusted-path.js";
import { toB64u } from "./encoding.js";
import type { UnwrapContext } from "./key-wrapper.js";
import { openKeyring, peekKeyring } from "./keyring.js";
import { KEYRING, type StoreOptions } from "./types.js";

/** What a key wrapper needs to open the keyring `bytes` of the store in `options.dir`. */
export function unwrapContext(options: StoreOptions, bytes: Buffer): UnwrapContext {
  const file = join(options.dir, KEYRING);
  return {
    dir: options.dir,
    file,
    storeId: toB64u(peekKeyring(bytes, file).storeId),
    env: options.env,
    passphrase: options.passphrase,
    open: (key) => openKeyring(bytes, key, file),
  };
}

/** The keyring's bytes; `E_STORE_NOT_FOUND` when there is no store. */
export function readKeyring(path: string): Buffer {
  assertTrustedEntry(path, "the store's keyring");
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new StrongboxError(
        "E_STORE_NOT_FOUND",
        `no store at ${join(path, "..")}: ${KEYRING} is missing`,
        { hint: "run `strongbox init` to create one, or point --store at it" },
      );
    }
    throw error;
  }
}

/** How often an unlock starts again while the keyring keeps being replaced (rekeys are rare). */
const UNLOCK_ATTEMPTS = 4;

/**
 * Whether an unlock that failed on the keyring `bytes` should start again:
 * the file holds another keyring now. A reader takes no lock, and a rekey by
 * another process writes the keyring and what it is checked against (the key
 * file, this user's pin) one after the other, so a reader can hold an old
 * keyring and a new key file or pin. Read again, they match; a failure that
 * survives a keyring left alone is reported as it is.
 */
export function keyringReplaced(
  path: string,
  bytes: Buffer,
  error: unknown,
  attempt: number,
): boolean {
  if (!(error instanceof StrongboxError) || attempt >= UNLOCK_ATTEMPTS) return false;
  try {
    return !readKeyring(path).equals(bytes);
  } catch {
    return false;
  }
}
