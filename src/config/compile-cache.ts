import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** What a compile step produced: the text to cache and every file it read. */
export interface Compiled {
  readonly text: string;
  readonly inputs: readonly string[];
}

interface Meta {
  readonly tool: string;
  readonly inputs: ReadonlyArray<{ path: string; mtimeMs: number; size: number }>;
}

/** Bumped when the compiled form changes, so stale caches are never used. */
const CACHE_FORMAT = "strongbox-config-cache-1";

/** Where compiled configs are kept: `STRONGBOX_CACHE_DIR`, else the XDG cache directory. */
export function cacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env.STRONGBOX_CACHE_DIR;
  if (explicit !== undefined && explicit !== "") return explicit;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "strongbox");
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
  const key = createHash("sha256").update(source).digest("hex").slice(0, 24);
  const outPath = join(dir, `${key}${extension}`);
  const metaPath = join(dir, `${key}.meta.json`);
  if (isFresh(metaPath)) return { path: outPath };
  const compiled = await compile();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(outPath, compiled.text);
    const meta: Meta = { tool: CACHE_FORMAT, inputs: compiled.inputs.map(stamp) };
    writeAtomic(metaPath, JSON.stringify(meta));
    return { path: outPath };
  } catch {
    return { text: compiled.text };
  }
}

function isFresh(metaPath: string): boolean {
  try {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as Meta;
    if (meta.tool !== CACHE_FORMAT || meta.inputs.length === 0) return false;
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
