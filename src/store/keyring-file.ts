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
    changed: () => {
      const now = readKeyring(file);
      return now.equals(bytes) ? undefined : unwrapContext(options, now);
    },
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
