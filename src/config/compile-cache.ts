import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { assertTrusted } from "../security/trusted-path.js";

/** What a compile step produced: the text to cache and every file it read. */
export interface Compiled {
  readonly text: string;
  readonly inputs: readonly string[];
}

interface Meta {
  readonly tool: string;
  readonly source: string;
  readonly inputs: ReadonlyArray<{ path: string; mtimeMs: number; size: number }>;
}

/** Bumped when the compiled form changes, so stale caches are never used. */
const CACHE_FORMAT = "strongbox-config-cache-1";

/** Where compiled configs are kept: `STRONGBOX_CACHE_DIR`, else the XDG cache directory. */
export function cacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env.STRONGBOX_CACHE_DIR;
  if (explicit !== undefined && explicit !== "") return explicit;
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "strongbox");
}

/**
 * Returns the path of a compiled form of `source`, compiling only when the source
 * or anything it imported changed (by mtime and size). A cache hit costs one small
 * read and one stat per input, which keeps `strongbox run` near plain `node` start-up.
 * When the cache cannot be written, the compiled text is returned instead of a path.
 */
export async function cachedCompile(
  source: string,
  extension: string,
  dir: string,
  compile: () => Promise<Compiled>,
): Promise<{ path: string } | { text: string }> {
  const key = cacheKey(source);
  const outPath = join(dir, `${key}${extension}`);
  const metaPath = join(dir, `${key}.meta.json`);
  // The cache holds code that will be run: someone else's cache is someone else's code.
  assertTrusted(dir, "the config cache");
  if (isFresh(metaPath, source)) {
    assertTrusted(outPath, "the compiled config");
    return { path: outPath };
  }
  const compiled = await compile();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(outPath, compiled.text);
    const meta: Meta = { tool: CACHE_FORMAT, source, inputs: compiled.inputs.map(stamp) };
    writeAtomic(metaPath, JSON.stringify(meta));
    return { path: outPath };
  } catch {
    return { text: compiled.text };
  }
}

function isFresh(metaPath: string, source: string): boolean {
  try {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as Meta;
    if (meta.tool !== CACHE_FORMAT || meta.source !== source || meta.inputs.length === 0)
      return false;
    return meta.inputs.every((input) => {
      const now = stamp(input.path);
      return now.mtimeMs === input.mtimeMs && now.size === input.size;
    });
  } catch {
    return false;
  }
}

function stamp(path: string): { path: string; mtimeMs: number; size: number } {
  const stats = statSync(path);
  return { path, mtimeMs: stats.mtimeMs, size: stats.size };
}

function writeAtomic(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, path);
}

/**
 * A file name for `source`: two FNV-1a hashes with different seeds. Not a
 * security boundary (the meta file records the full source and is checked), so
 * a cheap hash spares loading node:crypto on every run.
 */
function cacheKey(source: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x811c9dc5) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}
