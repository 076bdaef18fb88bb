import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { StrongboxError } from "../../errors.js";
import type { ConfigSpec } from "../../schema/types.js";
import { peekEndorsements } from "../../store/keyring.js";
import { isPinnedPlace } from "../../store/pin-file.js";
import { KEYRING } from "../../store/types.js";

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
  return environment === undefined ? dir : environmentStoreOrRoot(dir, environment, env);
}

/**
 * The store environment `name` uses inside the project's store `dir`: its own
 * (`envs/NAME`) when it has one, else the root store — but only when the
 * environment never had one. A store the root keyring endorses for `name`,
 * or one this user pinned in that place, that is now gone (deleted, or moved
 * away) is `E_STORE_UNTRUSTED`: falling back would read the root's values as
 * the environment's and write the environment's secrets where the root's
 * recipients read them.
 */
export function environmentStoreOrRoot(
  dir: string,
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const own = environmentStore(dir, name);
  if (existsSync(join(own, KEYRING))) return own;
  if (rootNames(dir, name) || isPinnedPlace(own, env))
    throw new StrongboxError(
      "E_STORE_UNTRUSTED",
      `${own}: environment ${name} has a store of its own (its root store endorses it, or you opened it before), but its keyring is gone; its values are not taken from the root store instead`,
      {
        hint: `restore it from git (\`git checkout -- ${own}\`; \`git log --stat -- ${own}\` shows who removed it); an environment's store is not retired by deleting it`,
      },
    );
  return dir;
}

/** Whether the root store's keyring (unauthenticated: only to refuse) names environment `name`. */
function rootNames(dir: string, name: string): boolean {
  const file = join(dir, KEYRING);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return false; // no root store: nothing to fall back to either
  }
  try {
    return Object.hasOwn(peekEndorsements(bytes, file), name);
  } catch {
    return true; // a damaged root keyring does not open anyway: refuse rather than guess
  }
}

/** Where environment `name`'s own store is kept inside the project's store. */
export function environmentStore(dir: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name))
    throw new StrongboxError("E_USAGE", `"${name.slice(0, 40)}" is not an environment name`, {
      hint: "environment names are letters, digits, _ and -",
    });
  return join(dir, "envs", name);
}
