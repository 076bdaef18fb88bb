import { existsSync, realpathSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { homedir } from "node:os";
import { basename, dirname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { packagePath } from "../package-root.js";
import { missingPackageError, optionalPackage } from "./optional-packages.js";
import { assertTrusted } from "./trusted-path.js";

/**
 * Set by the npm package's launcher (src/cli/launcher.ts) for the CLI bundle it
 * runs through V8's code cache: an `import()` inside that script fails once its
 * code comes from the cache (Node keeps the loader callback outside the cached
 * code), so the launcher, an ordinary module, does the importing for it.
 */
declare const __strongboxImport: ((specifier: string) => Promise<unknown>) | undefined;
/** Set by the single-executable build, which has no node_modules of its own. */
declare const __STRONGBOX_BINARY__: boolean | undefined;

const IN_BINARY = typeof __STRONGBOX_BINARY__ === "boolean" && __STRONGBOX_BINARY__;

let projectDir: string | undefined;

/**
 * Where the project's packages are looked for: beside the config that was
 * loaded, not the working directory, which may be any subdirectory (or
 * someone else's checkout).
 */
export function setProjectDir(dir: string): void {
  projectDir = dir;
}

/**
 * `import(specifier)` of a module outside the bundle (an optional package, a
 * compiled config, a built-in loaded late), however this code was started.
 * A package (a bare specifier) is loaded only from the directories
 * {@link packageRoots} names, and only when its directory passes the
 * ownership rule (trusted-path.ts): never from whatever `node_modules` an
 * ancestor directory, `NODE_PATH` or the home directory happens to hold.
 */
export async function importModule<T>(specifier: string): Promise<T> {
  if (isBuiltin(specifier) || /^(file|data):/.test(specifier)) return load<T>(specifier);
  const found = findPackage(specifier);
  // Resolved as Node would from this package: the same directory was found first (see ownRoots).
  if (found.own && !IN_BINARY) return load<T>(specifier);
  const entry = createRequire(join(dirname(found.root), "strongbox-resolve.js")).resolve(specifier);
  const real = realpathSync(entry);
  if (!real.startsWith(`${found.real}${sep}`))
    throw notFound(specifier, `it resolves to ${real}, outside ${found.dir}`);
  // The same check as a config's imports (untrustedModule): the resolved file's whole real path.
  assertTrusted(real, `the module ${specifier}`);
  return load<T>(IN_BINARY ? real : pathToFileURL(real).href);
}

/** Loads what the caller resolved (or a built-in, a file or data URL), however this code was started. */
function load<T>(specifier: string): Promise<T> {
  if (typeof __strongboxImport === "function") return __strongboxImport(specifier) as Promise<T>;
  // The declaration itself, not IN_BINARY: the executable's build folds it, so its chunks hold no
  // import() of a computed name (scripts/build-binary.mjs refuses a build whose chunks do).
  if (typeof __STRONGBOX_BINARY__ === "boolean" && __STRONGBOX_BINARY__) {
    // A Node 20 executable has no loader for import() of a file outside it: require().
    return Promise.resolve().then(() => {
      const path = specifier.startsWith("file:") ? fileURLToPath(specifier) : specifier;
      const required = createRequire(isBuiltin(path) ? process.execPath : path)(path) as Record<
        string,
        unknown
      >;
      return { ...required, default: required } as T;
    });
  }
  return import(specifier) as Promise<T>;
}

/** Where a package was found. */
interface Found {
  /** The `node_modules` directory it is in. */
  readonly root: string;
  /** The package's directory, and its real path. */
  readonly dir: string;
  readonly real: string;
  /** In Strongbox's own installation (its dependencies), not the project's. */
  readonly own: boolean;
}

function findPackage(specifier: string): Found {
  const name = packageName(specifier);
  const roots = packageRoots();
  for (const { root, own } of roots) {
    const dir = join(root, name);
    if (!existsSync(dir)) continue;
    // The package's directory and every directory and link on the way to its real path.
    assertTrusted(dir, `the package directory of ${name}`);
    return { root, dir, real: realpathSync(dir), own };
  }
  // One message for every optional package, in the npm package and the single executable alike.
  const optional = optionalPackage(name);
  if (optional !== undefined)
    throw missingPackageError(optional, resolve(projectDir ?? process.cwd()), (other) =>
      roots.some(({ root }) => existsSync(join(root, other))),
    );
  throw notFound(specifier, `not in ${roots.map((r) => r.root).join(", ") || "any project"}`);
}

/** `@scope/name` or `name`, without a subpath. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/**
 * The `node_modules` directories packages are loaded from, in order:
 *
 * 1. Strongbox's own installation (the npm package, not the single
 *    executable): from this module's directory up to the package's root, then
 *    the `node_modules` the package itself sits in (where npm, yarn and pnpm
 *    put its dependencies). Never above that.
 * 2. The project's: `node_modules` in the config's directory and each parent
 *    up to the repository root (the nearest directory with `.git`), never the
 *    home directory or above it; outside a repository, the config's directory
 *    alone. Without a config, the working directory stands for it.
 *
 * `NODE_PATH`, `~/.node_modules` and every other ancestor are not consulted.
 */
export function packageRoots(): Array<{ root: string; own: boolean }> {
  const roots = IN_BINARY ? [] : ownRoots().map((root) => ({ root, own: true }));
  for (const root of projectRoots(projectDir ?? process.cwd()))
    if (!roots.some((known) => known.root === root)) roots.push({ root, own: false });
  return roots;
}

function ownRoots(): string[] {
  // Where import() resolves from (this module's directory), up to the package's root.
  const here = dirname(fileURLToPath(import.meta.url));
  const top = resolve(packagePath(""));
  const roots: string[] = [];
  for (let dir = here; ; dir = dirname(dir)) {
    if (basename(dir) !== "node_modules") roots.push(join(dir, "node_modules"));
    if (dir === top || dirname(dir) === dir) break;
  }
  // Installed as a dependency: the node_modules holding it (or its @scope) holds its dependencies.
  const parent = dirname(top);
  const holder = basename(parent).startsWith("@") ? dirname(parent) : parent;
  if (basename(holder) === "node_modules") roots.push(holder);
  return roots;
}

function projectRoots(start: string): string[] {
  const home = resolve(homedir());
  const dirs: string[] = [];
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (dirs.length > 0 && (dir === home || home.startsWith(`${dir}${sep}`) || dir === sep)) break;
    dirs.push(dir);
    if (existsSync(join(dir, ".git")))
      return dirs.filter((d) => basename(d) !== "node_modules").map((d) => join(d, "node_modules"));
    if (dirname(dir) === dir) break;
  }
  return [join(resolve(start), "node_modules")];
}

/** As Node reports a package it cannot find, so callers that explain a missing package still do. */
function notFound(specifier: string, where: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}': ${where}`), {
    code: "MODULE_NOT_FOUND",
  });
}

/**
 * Why a file that a config imports from a package (bundled by esbuild, which
 * looks through every ancestor's node_modules as Node does) may not be used,
 * or undefined when it may: it must lie in one of the project's
 * `node_modules` ({@link packageRoots}, Strongbox's own installation
 * excluded: a config's imports are the project's), and its package directory
 * must pass the ownership rule.
 */
/**
 * The one ownership check for code Strongbox loads from a package (optional
 * packages, a TypeScript config's imports and every file bundled with it):
 * the file's whole real path, each directory and link on the way (the
 * package directory, its `lib/`…), passes the ownership rule. Returns why
 * not, or undefined.
 */
export function untrustedModule(real: string, what: string): string | undefined {
  try {
    assertTrusted(real, what);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

export function configImportProblem(specifier: string, file: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return undefined; // esbuild reports a file it cannot read
  }
  const roots = projectRoots(projectDir ?? process.cwd());
  const inside = roots.some((root) => {
    try {
      return real.startsWith(`${realpathSync(root)}${sep}`);
    } catch {
      return false;
    }
  });
  if (!inside)
    return `the package ${specifier} resolves to ${real}, outside the project's node_modules (${roots.join(", ")}); install it in the project`;
  return untrustedModule(real, `the package ${specifier}`);
}
