/**
 * The npm package's `strongbox` command. It runs the CLI (CommonJS scripts:
 * `cli.cjs`, the dispatcher, and the `cli-*.cjs` chunks it and the commands
 * share, see scripts/bundle.mjs) through V8's code cache, so a start loads
 * only the chunks the command it runs needs and does not parse and compile
 * them again: the role `module.enableCompileCache` plays on Node 22, which
 * Node 20 lacks.
 *
 * One cache file per command and per bundle build, in the cache directory the
 * config compiler uses, holding the cache of each chunk that command loaded
 * (src/cli/code-cache-file.ts). V8 rejects a cache made by another V8 or with
 * other flags, but of the source it checks only the length, not the content: a
 * cache made for any script of the same length is accepted and its code runs
 * in place of the chunk's. So the file name (the dispatcher's length and mtime)
 * only keeps builds apart; what keeps out someone else's code is that a cache
 * is read only from a file and directory no one else could have written
 * (readTrusted). A rejected or missing cache is rewritten when the command
 * ends, and anything wrong with the directory only costs the speed-up.
 *
 * Kept small on purpose: everything here runs before the cache can help.
 *
 * A chunk's `require("./cli-….cjs")` is served here, from this directory, one
 * instance per chunk (one StrongboxError class for all); every other specifier
 * is resolved from here, beside the bundle, as it would be from the bundle
 * itself; a compiled config is imported by URL.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { cacheDir } from "../config/compile-cache.js";
import { assertTrusted, statOrUndefined } from "../security/trusted-path.js";
import { decodeCaches, encodeCaches } from "./code-cache-file.js";

/** What the CLI bundle exports. */
interface CliBundle {
  runProcess(): void;
}

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, "cli.cjs");
/** A chunk of this build, as the chunks name each other. */
const CHUNK = /^\.\/(cli-[A-Za-z0-9_-]+\.cjs)$/;

runCached();

function runCached(): void {
  const source = readFileSync(bundle, "utf8");
  const cacheFile = cachePath(source.length);
  const read = cacheFile === undefined ? undefined : readTrusted(cacheFile);
  const caches = (read === undefined ? undefined : decodeCaches(read)) ?? new Map<string, Buffer>();
  const scripts = new Map<string, Script>();
  const loaded = new Map<string, { exports: unknown }>();
  let stale = false;
  const outside = createRequire(bundle);
  const importer = (specifier: string) => import(specifier);
  const chunkRequire = (specifier: string): unknown => {
    const chunk = CHUNK.exec(specifier)?.[1];
    return chunk === undefined ? outside(specifier) : load(chunk);
  };
  const load = (name: string, text?: string): unknown => {
    const known = loaded.get(name);
    if (known !== undefined) return known.exports;
    const file = join(here, name);
    const cachedData = caches.get(name);
    // The wrapper Node puts around a CommonJS module, plus the importer the bundle uses for
    // modules outside it: an import() in the script itself fails once its code is cached.
    const script = new Script(
      `(function (exports, require, module, __filename, __dirname, __strongboxImport) {${text ?? readFileSync(file, "utf8")}\n})`,
      { filename: file, ...(cachedData === undefined ? {} : { cachedData }) },
    );
    if (cachedData === undefined || script.cachedDataRejected === true) stale = true;
    scripts.set(name, script);
    // Registered before it runs, as Node does: a chunk that requires one still running gets its exports.
    const module = { exports: {} as unknown };
    loaded.set(name, module);
    (script.runInThisContext() as (...args: unknown[]) => void)(
      module.exports,
      chunkRequire,
      module,
      file,
      here,
      importer,
    );
    return module.exports;
  };
  const cli = load("cli.cjs", source) as CliBundle;
  if (cacheFile !== undefined)
    // At exit each cache holds every function this command compiled, not only the top level;
    // written when a chunk it loaded had none, or V8 refused the one it had.
    process.once("exit", () => {
      if (stale) writeCache(cacheFile, scripts);
    });
  cli.runProcess();
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

function writeCache(file: string, scripts: ReadonlyMap<string, Script>): void {
  try {
    const dir = dirname(file);
    // Checked before anything is created in it, and again once it exists.
    assertTrusted(nearestExisting(dir), "the code cache directory");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    assertTrusted(dir, "the code cache directory");
    const temp = `${file}.${process.pid}.tmp`;
    const caches = new Map([...scripts].map(([name, script]) => [name, script.createCachedData()]));
    writeFileSync(temp, encodeCaches(caches), { mode: 0o600 });
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
