import { StrongboxError } from "../errors.js";
import { keyFileCandidates, keyFilePath, promoteNewKeyFile } from "../security/key-file.js";
import type { UnwrapContext, Unwrapped } from "./key-wrapper.js";
import { parseMasterKey, readKeyFile } from "./master-key.js";

/**
 * The master key itself, from `STRONGBOX_MASTER_KEY` or the store's key file
 * (finishing an interrupted rekey): a `key` store's only way in, and a
 * recipients store's `master-key` recipient until it is removed.
 */
export function unwrapFromKeyFile(ctx: UnwrapContext): Unwrapped {
  const fromEnv = ctx.env.STRONGBOX_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== "") {
    const key = parseMasterKey(fromEnv, "STRONGBOX_MASTER_KEY");
    return { keyring: ctx.open(key), key, origin: "env" };
  }
  const keyFile = keyFilePath(ctx.storeId, ctx.env);
  const candidates = keyFileCandidates(keyFile);
  if (candidates.length === 0)
    throw new StrongboxError("E_STORE_KEY", `no master key for the store in ${ctx.dir}`, {
      hint: `set STRONGBOX_MASTER_KEY, or put the key file at ${keyFile} (STRONGBOX_KEY_FILE names another)`,
    });
  let lastError: unknown;
  for (const candidate of candidates) {
    const key = readCandidate(candidate, keyFile);
    try {
      const keyring = ctx.open(key);
      if (candidate !== keyFile) promoteNewKeyFile(keyFile);
      return { keyring, key, origin: "key-file" };
    } catch (error) {
      lastError = error;
      if (!(error instanceof StrongboxError && error.code === "E_STORE_WRONG_KEY")) throw error;
    }
  }
  throw lastError;
}

/** A candidate key file's key; a `.new` that another process promoted meanwhile is read where it went. */
function readCandidate(candidate: string, keyFile: string): Buffer {
  try {
    return readKeyFile(candidate);
  } catch (error) {
    if (candidate === keyFile || (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return readKeyFile(keyFile);
  }
}
