/**
 * The npm package's `strongbox` command. It runs the CLI bundle (one CommonJS
 * script, `cli.cjs`) through V8's code cache, so a start does not parse and
 * compile the same 600 KB again: the role `module.enableCompileCache` plays
 * on Node 22, which Node 20 lacks.
 *
 * One cache file per command and per bundle build, in the cache directory the
 * config compiler uses. V8 rejects a cache made by another V8 or with other
 * flags, but of the source it checks only the length, not the content: a
 * cache made for any script of the same length is accepted and its code runs
 * in place of the bundle's. So the file name (the bundle's length and mtime)
 * only keeps builds apart; what keeps out someone else's code is that a cache
 * is read only from a file and directory no one else could have written
 * (readTrusted). A rejected or missing cache is rewritten when the command
 * ends, and anything wrong with the directory only costs the speed-up.
 *
 * Kept small on purpose: everything here runs before the cache can help.
 *
 * Specifiers the bundle imports are resolved from here, beside the bundle, as
 * they would be from the bundle itself; a compiled config is imported by URL.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { cacheDir } from "../config/compile-cache.js";
import { assertTrusted, statOrUndefined } from "../security/trusted-path.js";

/** What the CLI bundle exports. */
interface CliBundle {
  runProcess(): void;
}

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, "cli.cjs");

runCached();

function runCached(): void {
  const source = readFileSync(bundle, "utf8");
  const cacheFile = cachePath(source.length);
  const cachedData = cacheFile === undefined ? undefined : readTrusted(cacheFile);
  // The wrapper Node puts around a CommonJS module, plus the importer the bundle uses for
  // modules outside it: an import() in the script itself fails once its code is cached.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname, __strongboxImport) {${source}\n})`,
    { filename: bundle, ...(cachedData === undefined ? {} : { cachedData }) },
  );
  const module = { exports: {} as Partial<CliBundle> };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    here,
    (specifier: string) => import(specifier),
  );
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true))
    // At exit the cache holds every function this command compiled, not only the top level.
    process.once("exit", () => writeCache(cacheFile, script));
  (module.exports as CliBundle).runProcess();
}

/** The cache file for this command and this build of the bundle, or undefined without a usable directory. */
function cachePath(sourceLength: number): string | undefined {
  try {
    const dir = join(cacheDir(process.env), "v8");
    const built = statSync(bundle);
    const command = /^[a-z][a-z-]{0,31}$/.test(process.argv[2] ?? "") ? process.argv[2] : "main";
    const build = `${process.version}-${process.arch}-${sourceLength}-${Math.trunc(built.mtimeMs)}`;
    return join(dir, `${build}-${command}.bin`);
  } catch {
    return undefined;
  }
}

/**
 * V8 runs the code in a cache it accepts, and it accepts any cache for a
 * script of the same length: the ownership rule on the file and its
 * directories is the whole boundary, so one that someone else could have
 * written is not read.
 */
function readTrusted(file: string): Buffer | undefined {
  try {
    assertTrusted(file, "the code cache");
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCache(file: string, script: Script): void {
  try {
    const dir = dirname(file);
    // Checked before anything is created in it, and again once it exists.
    assertTrusted(nearestExisting(dir), "the code cache directory");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    assertTrusted(dir, "the code cache directory");
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    // A cache that cannot be written costs the next start its speed-up, nothing else.
  }
}

function nearestExisting(path: string): string {
  for (let dir = path; ; dir = dirname(dir)) {
    if (statOrUndefined(dir) !== undefined || dirname(dir) === dir) return dir;
  }
}
