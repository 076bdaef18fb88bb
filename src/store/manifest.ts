import { readFileSync } from "node:fs";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";
import { assertTrustedEntry } from "../security/trusted-path.js";
import { deriveOnce, hmac, macEquals } from "./crypto.js";
import { fromB64u, toB64u } from "./encoding.js";
import type { Keyring } from "./keyring.js";

/**
 * The version manifest (docs/store-format.md §6): one line per secret with
 * the number of versions the store has written for it, each line MACed on its
 * own under the integrity key. It catches what per-file MACs cannot: an older,
 * authentic secret file copied back (fewer versions than recorded) and a
 * secret file deleted by hand (a recorded secret with no file).
 *
 * One MAC per line, not one per file, so that git merges it line by line:
 * `init` marks the file `merge=union`, and a reader takes the highest mark
 * when a name has several lines and skips conflict markers, which makes even
 * an unresolved merge of this file harmless. The same rule lets a write
 * append one line instead of rewriting the file (a set costs one small
 * fsynced append, not a second atomic rewrite); the file is compacted when
 * stale lines outnumber live ones. A line counts when its MAC verifies,
 * whether or not the newline after it survived: a last line whose newline was
 * removed still holds its mark (dropping it would let an older file pass),
 * and a torn append (a crash mid-line) fails its MAC and is skipped, its mark
 * then lagging its file, which is fine.
 */
export const MANIFEST = "manifest.sbx";
const HEADER = "# strongbox-manifest/1: name, versions written, MAC; one line per secret";
const MARKER = /^(<{7}|={7}|>{7}|\|{7})( |$)/;

/** What the manifest says of one secret: its high-water mark, or that its line was edited. */
export type Mark = { readonly versions: number } | { readonly forged: true };

function lineKey(keyring: Keyring, integrityKey: Buffer): Buffer {
  return deriveOnce(integrityKey, "strongbox/v1/manifest", keyring.storeId);
}

function lineMac(key: Buffer, name: string, versions: number): Buffer {
  const nameBytes = Buffer.from(name, "utf8");
  const data = Buffer.alloc(4 + nameBytes.length + 8);
  data.writeUInt32BE(nameBytes.length, 0);
  nameBytes.copy(data, 4);
  data.writeBigUInt64BE(BigInt(versions), 4 + nameBytes.length);
  return hmac(key, data).subarray(0, 16);
}

const seenLines = new WeakMap<Buffer, Map<string, boolean>>();

/**
 * Lines already checked under the same keys, remembered: the manifest is
 * re-read on every write, and re-computing a MAC per line per write would
 * cost more than the write.
 */
function verified(line: string, keys: readonly Buffer[], check: () => boolean): boolean {
  const anchor = keys[0] as Buffer;
  let seen = seenLines.get(anchor);
  if (seen === undefined || keys.length > 1) {
    if (keys.length > 1) return check();
    seen = new Map();
    seenLines.set(anchor, seen);
  }
  const known = seen.get(line);
  if (known !== undefined) return known;
  const ok = check();
  if (seen.size > 100_000) seen.clear();
  seen.set(line, ok);
  return ok;
}

/** Reads the manifest of the store in `dir`; undefined when there is none. */
export function readManifest(dir: string, keyring: Keyring): Map<string, Mark> | undefined {
  return readManifestLines(dir, keyring)?.marks;
}

/** The marks and how many lines hold them, to know when compaction pays. */
export function readManifestLines(
  dir: string,
  keyring: Keyring,
): { marks: Map<string, Mark>; lines: number } | undefined {
  let text: string;
  assertTrustedEntry(join(dir, MANIFEST), "the store's manifest");
  try {
    text = readFileSync(join(dir, MANIFEST), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const keys = [keyring.integrityKey, keyring.previousIntegrityKey]
    .filter((key): key is Buffer => key !== undefined)
    .map((key) => lineKey(keyring, key));
  const marks = new Map<string, Mark>();
  const all = text.split("\n");
  // The text after the last newline ("" when the file ends with one): a torn append, or a
  // whole line whose newline was cut off; only its MAC tells, so it is never "forged".
  const last = all.length - 1;
  let lines = 0;
  for (const [index, line] of all.entries()) {
    const torn = index === last;
    if (line === "" || line.startsWith("#") || MARKER.test(line)) continue;
    const [name, count, mac, ...rest] = line.split(" ");
    const versions = Number(count);
    if (
      name === undefined ||
      mac === undefined ||
      rest.length > 0 ||
      !Number.isSafeInteger(versions)
    )
      continue;
    let tag: Buffer;
    try {
      tag = fromB64u(mac, "mac", MANIFEST);
    } catch {
      if (!torn) marks.set(name, { forged: true });
      continue;
    }
    const ok = verified(line, keys, () =>
      keys.some((key) => macEquals(lineMac(key, name, versions), tag)),
    );
    if (torn && !ok) continue;
    lines++;
    const earlier = marks.get(name);
    if (!ok) marks.set(name, { forged: true });
    else if (earlier === undefined || ("versions" in earlier && earlier.versions < versions))
      marks.set(name, { versions });
  }
  return { marks, lines };
}

/** One mark's line, for appending to the manifest (audited-change.ts writes it). */
export function markLine(keyring: Keyring, name: string, versions: number): string {
  const key = lineKey(keyring, keyring.integrityKey);
  return `${name} ${versions} ${toB64u(lineMac(key, name, versions))}\n`;
}

/** The manifest with `marks` (names sorted, one MACed line each), for audited-change.ts to write. */
export function manifestBytes(keyring: Keyring, marks: ReadonlyMap<string, number>): Buffer {
  const key = lineKey(keyring, keyring.integrityKey);
  const lines = [...marks]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, versions]) => `${name} ${versions} ${toB64u(lineMac(key, name, versions))}`);
  return Buffer.from(`${[HEADER, ...lines].join("\n")}\n`);
}

/** The versions of every secret the manifest vouches for (forged lines dropped), for rewriting it. */
export function markCounts(marks: ReadonlyMap<string, Mark> | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [name, mark] of marks ?? []) if ("versions" in mark) counts.set(name, mark.versions);
  return counts;
}

/**
 * Throws when a secret file disagrees with its mark: fewer versions than the
 * store wrote (an older copy put back), no file for a recorded secret
 * (deleted by hand), or a manifest line edited by hand. A file ahead of its
 * mark is fine: a crash between the two writes, or a merge, leaves it so.
 */
export function checkMark(
  name: string,
  mark: Mark | undefined,
  fileVersions: number | undefined,
  path: string,
): void {
  if (mark === undefined) return;
  if ("forged" in mark)
    throw new StrongboxError(
      "E_STORE_TAMPERED",
      `${MANIFEST}: the line for secret ${name} was changed outside Strongbox`,
      { hint: "restore the manifest from git; its lines are written only by Strongbox" },
    );
  if (fileVersions === undefined)
    throw new StrongboxError(
      "E_STORE_ROLLBACK",
      `secret ${name} was deleted outside Strongbox: ${path} is gone, but the store wrote ${mark.versions} version${mark.versions === 1 ? "" : "s"} of it`,
      {
        hint: `restore it from git (\`git checkout -- ${path}\`), or remove it for good with \`strongbox rm ${name} --purge\``,
      },
    );
  if (fileVersions < mark.versions)
    throw new StrongboxError(
      "E_STORE_ROLLBACK",
      `secret ${name} was rolled back: ${path} holds ${fileVersions} version${fileVersions === 1 ? "" : "s"}, but the store wrote ${mark.versions}`,
      {
        hint: `an older copy of the file was put back; restore the current one from git, or make an old value current with \`strongbox rollback ${name} N\``,
      },
    );
}
