import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { StrongboxError } from "../../errors.js";
import type { ConfigSpec } from "../../schema/types.js";

/**
 * The store of a project: `STRONGBOX_STORE_DIR`, else the config's
 * `store.path`, else `.strongbox` beside the config. With an `environment`
 * that has a store of its own (`<store>/envs/<environment>/`, made by
 * `strongbox init --env`), that one: its own recipients, so production's
 * secrets open only for production's identities.
 */
export function storeDirectory(
  config: { readonly store?: ConfigSpec["store"] | undefined },
  baseDir: string,
  env: Readonly<Record<string, string | undefined>>,
  environment?: string,
): string {
  const explicit = env.STRONGBOX_STORE_DIR;
  const dir =
    explicit !== undefined && explicit !== ""
      ? resolve(baseDir, explicit)
      : resolve(baseDir, config.store?.path ?? ".strongbox");
  if (environment === undefined) return dir;
  const own = environmentStore(dir, environment);
  return existsSync(join(own, "keyring.sbx")) ? own : dir;
}

/** Where environment `name`'s own store is kept inside the project's store. */
export function environmentStore(dir: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name))
    throw new StrongboxError("E_USAGE", `"${name.slice(0, 40)}" is not an environment name`, {
      hint: "environment names are letters, digits, _ and -",
    });
  return join(dir, "envs", name);
}
