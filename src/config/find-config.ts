import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { assertTrusted } from "../security/trusted-path.js";

/** Config file names, in the order they are looked for. */
export const CONFIG_NAMES = [
  "strongbox.config.ts",
  "strongbox.config.mts",
  "strongbox.config.js",
  "strongbox.config.mjs",
  "strongbox.config.yaml",
  "strongbox.config.yml",
] as const;

/**
 * Finds the config: `explicit` when given, else the first known name in `cwd`
 * or its parents. The search stops at the repository root (a `.git` directory
 * or file) and never climbs to the home directory or above it, so a config
 * someone left in `/tmp` or `/home` is never executed for a project below it.
 * The config found must be owned by this user (or root) and not replaceable
 * by others (see trusted-path.ts). Throws `E_CONFIG` when there is none.
 */
export function findConfig(cwd: string, explicit?: string, home: string = homedir()): string {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new StrongboxError("E_CONFIG", `config file ${path} does not exist`, {
        hint: "check the path given to --config",
      });
    }
    assertTrusted(path, "config file");
    return path;
  }
  const stop = resolve(home);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (dir !== resolve(cwd) && (dir === stop || isAbove(dir, stop))) break;
    for (const name of CONFIG_NAMES) {
      const path = join(dir, name);
      if (existsSync(path)) {
        assertTrusted(path, "config file");
        return path;
      }
    }
    if (existsSync(join(dir, ".git")) || dirname(dir) === dir) break;
  }
  throw new StrongboxError(
    "E_CONFIG",
    `no strongbox.config.ts or strongbox.config.yaml in ${cwd} or its parents`,
    {
      hint: "create one (see README.md), or pass --config PATH",
    },
  );
}

/** True when `dir` is a proper ancestor of `path`. */
function isAbove(dir: string, path: string): boolean {
  return path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

/**
 * The config when there is one, for commands that also work without (store
 * commands, `set --to`): `explicit` must exist; a search that finds nothing
 * usable (none, or one refused as unsafe, which is then never run) gives
 * undefined, and the command goes on without a config.
 */
export function findConfigIfAny(cwd: string, explicit?: string): string | undefined {
  if (explicit !== undefined) return findConfig(cwd, explicit);
  try {
    return findConfig(cwd);
  } catch {
    return undefined;
  }
}
