import { readFileSync } from "node:fs";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";
import { writeFileAtomic } from "./atomic-write.js";
import { derive, hmac, macEquals } from "./crypto.js";
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
 * branches that set different secrets change different lines, and `init`
 * marks the file `merge=union` so even adjacent lines merge. A reader takes
 * the highest mark when a merge left two lines for one name, and skips
 * conflict markers, which makes an unresolved merge of this file harmless.
 */
export const MANIFEST = "manifest.sbx";
const HEADER = "# strongbox-manifest/1: name, versions written, MAC; one line per secret";
const MARKER = /^(<{7}|={7}|>{7}|\|{7})( |$)/;

/** What the manifest says of one secret: its high-water mark, or that its line was edited. */
export type Mark = { readonly versions: number } | { readonly forged: true };

const lineKeys = new WeakMap<Buffer, Buffer>();

function lineKey(keyring: Keyring, integrityKey: Buffer): Buffer {
  let key = lineKeys.get(integrityKey);
  if (key === undefined) {
    key = derive(integrityKey, "strongbox/v1/manifest", keyring.storeId);
    lineKeys.set(integrityKey, key);
  }
  return key;
}

function lineMac(key: Buffer, name: string, versions: number): Buffer {
  const nameBytes = Buffer.from(name, "utf8");
  const data = Buffer.alloc(4 + nameBytes.length + 8);
  data.writeUInt32BE(nameBytes.length, 0);
  nameBytes.copy(data, 4);
  data.writeBigUInt64BE(BigInt(versions), 4 + nameBytes.length);
  return hmac(key, data).subarray(0, 16);
}

/** Reads the manifest of the store in `dir`; undefined when there is none. */
export function readManifest(dir: string, keyring: Keyring): Map<string, Mark> | undefined {
  let text: string;
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
  for (const line of text.split("\n")) {
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
      marks.set(name, { forged: true });
      continue;
    }
    const ok = keys.some((key) => macEquals(lineMac(key, name, versions), tag));
    const earlier = marks.get(name);
    if (!ok) marks.set(name, { forged: true });
    else if (earlier === undefined || ("versions" in earlier && earlier.versions < versions))
      marks.set(name, { versions });
  }
  return marks;
}

/** Writes the manifest with `marks` (names sorted, one MACed line each), atomically. */
export function writeManifest(
  dir: string,
  keyring: Keyring,
  marks: ReadonlyMap<string, number>,
): void {
  const key = lineKey(keyring, keyring.integrityKey);
  const lines = [...marks]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, versions]) => `${name} ${versions} ${toB64u(lineMac(key, name, versions))}`);
  writeFileAtomic(join(dir, MANIFEST), Buffer.from(`${[HEADER, ...lines].join("\n")}\n`));
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
