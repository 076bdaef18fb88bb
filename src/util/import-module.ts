import { createRequire } from "node:module";
import { join } from "node:path";

/**
 * Set by the npm package's launcher (src/cli/launcher.ts) for the CLI bundle it
 * runs through V8's code cache: an `import()` inside that script fails once its
 * code comes from the cache (Node keeps the loader callback outside the cached
 * code), so the launcher, an ordinary module, does the importing for it.
 */
declare const __strongboxImport: ((specifier: string) => Promise<unknown>) | undefined;
/** Set by the single-executable build, which has no node_modules of its own. */
declare const __STRONGBOX_BINARY__: boolean | undefined;

let projectDir: string | undefined;

/**
 * Where the single executable looks for optional packages: beside the config
 * it loaded (the project's node_modules), not the working directory, which
 * may be any subdirectory (or someone else's checkout).
 */
export function setProjectDir(dir: string): void {
  projectDir = dir;
}

/**
 * `import(specifier)` of a module outside the bundle (an optional package, a
 * compiled config, a built-in loaded late), however this code was started.
 */
export function importModule<T>(specifier: string): Promise<T> {
  if (typeof __strongboxImport === "function") return __strongboxImport(specifier) as Promise<T>;
  if (typeof __STRONGBOX_BINARY__ === "boolean" && __STRONGBOX_BINARY__) {
    // A Node 20 executable has no loader for import() of a file outside it: require().
    return Promise.resolve().then(() => {
      const required = createRequire(join(projectDir ?? process.cwd(), "package.json"))(
        specifier,
      ) as Record<string, unknown>;
      return { ...required, default: required } as T;
    });
  }
  return import(specifier) as Promise<T>;
}
