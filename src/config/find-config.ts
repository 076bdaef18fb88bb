import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { StrongboxError } from "../errors.js";

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
 * or its parents, stopping at a git root. Throws `E_CONFIG` when there is none.
 */
export function findConfig(cwd: string, explicit?: string): string {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new StrongboxError("E_CONFIG", `config file ${path} does not exist`, {
        hint: "check the path given to --config",
      });
    }
    return path;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_NAMES) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
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
