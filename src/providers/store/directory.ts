import { resolve } from "node:path";
import type { ConfigSpec } from "../../schema/types.js";

/**
 * The store of a project: `STRONGBOX_STORE_DIR`, else the config's
 * `store.path`, else `.strongbox` beside the config.
 */
export function storeDirectory(
  config: { readonly store?: ConfigSpec["store"] | undefined },
  baseDir: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const explicit = env.STRONGBOX_STORE_DIR;
  if (explicit !== undefined && explicit !== "") return resolve(baseDir, explicit);
  return resolve(baseDir, config.store?.path ?? ".strongbox");
}
