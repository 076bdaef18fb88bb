import { readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { ensurePrivateDir, ioError, writeFileAtomic } from "../fs/atomic-write.js";
import { assertTrusted, assertTrustedEntry } from "../security/trusted-path.js";
import { stateDir } from "../util/state-dir.js";
import { toB64u } from "./encoding.js";
import { environmentOf } from "./environments.js";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The team stores this user has opened, each with the lineage key of the
 * master key it had then (lineage.ts): trust on first use, as SSH's
 * known_hosts. A later open whose master key does not descend from the pinned
 * one is a replaced keyring. The file holds public keys and paths only.
 */
export interface KnownStores {
  readonly format: "strongbox-known-stores/1";
  readonly stores: Record<string, KnownStore>;
}

export interface KnownStore {
  lineage: string;
  dir: string;
  seen: string;
  /** Keys this user followed the store away from (a checkout of an older commit has one). */
  ancestors?: string[];
  /** The project (config directory) the store was opened for, when its place came from a config. */
  project?: string;
  /**
   * What the store is to this user: the name of the environment whose store it is
   * (`<root>/envs/NAME`), or "" for a root or stand-alone store. A store keeps its
   * role: found in another role's place, it is not taken. Absent in pins from
   * before roles: derived from the pinned place.
   */
  role?: string;
  /**
   * When another store was trusted in this one's place: the pin is kept (its
   * key and the keys it moved on from are this store's history), but no
   * longer names the place.
   */
  displaced?: string;
}

/** How many older keys a pin remembers. */
export const MAX_ANCESTORS = 64;

/** `$XDG_STATE_HOME/strongbox/known-stores.json`. */
export function knownStoresFile(env: Env): string {
  return join(stateDir(env), "known-stores.json");
}

export function readKnown(file: string): KnownStores {
  // Pins decide which keyrings are trusted: someone who can rewrite them decides instead.
  assertTrusted(join(file, ".."), "the known-stores directory");
  assertTrustedEntry(file, "the known-stores file");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { format: "strongbox-known-stores/1", stores: {} };
    throw ioError(file, error);
  }
  try {
    const parsed = JSON.parse(text) as KnownStores;
    if (
      parsed.format === "strongbox-known-stores/1" &&
      typeof parsed.stores === "object" &&
      parsed.stores !== null &&
      Object.values(parsed.stores).every(isKnownStore)
    )
      return { format: parsed.format, stores: { ...parsed.stores } };
  } catch {
    // reported below
  }
  // A damaged pin file must not quietly become "first use" for every store.
  throw new StrongboxError("E_STORE_FORMAT", `${file} is not a known-stores file`, {
    hint: "restore it from a backup, or delete it to trust every store anew on its next open",
  });
}

function isKnownStore(value: unknown): value is KnownStore {
  const entry = value as Partial<KnownStore> | null;
  return (
    typeof entry === "object" &&
    entry !== null &&
    typeof entry.lineage === "string" &&
    typeof entry.dir === "string" &&
    (entry.project === undefined || typeof entry.project === "string") &&
    (entry.role === undefined || typeof entry.role === "string") &&
    (entry.displaced === undefined || typeof entry.displaced === "string") &&
    (entry.ancestors === undefined ||
      (Array.isArray(entry.ancestors) && entry.ancestors.every((key) => typeof key === "string")))
  );
}

export function writeKnown(file: string, known: KnownStores): void {
  try {
    ensurePrivateDir(join(file, ".."));
    writeFileAtomic(file, Buffer.from(`${JSON.stringify(known, null, 2)}\n`));
  } catch {
    // A read-only home (a container) cannot keep pins: the store still opens, as on first use.
  }
}

/** The store's directory as pinned: its real path, so a symlink or `..` names the same place. */
export function placeOf(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    // A place that is gone is named through its nearest existing parent, as it was pinned.
    const parent = dirname(resolve(dir));
    return parent === resolve(dir) ? parent : join(placeOf(parent), basename(dir));
  }
}

/**
 * The role of the store in `dir`: the environment's name for `<root>/envs/NAME`
 * (with a root store there), "" otherwise. Read from the place itself, so no
 * caller can open an environment's store in another role.
 */
export function roleOf(dir: string): string {
  return environmentOf(dir)?.name ?? "";
}

/** The role a pin was made in (pins from before roles: from the place they name). */
export function pinnedRole(entry: KnownStore): string {
  return entry.role ?? roleOf(entry.dir);
}

export function describeRole(role: string): string {
  return role === "" ? "a root store" : `the store of environment ${role}`;
}

/** The pin that names `place`, other than `id`'s (a displaced pin names no place). */
export function occupantOf(
  known: KnownStores,
  place: string,
  id: string,
): [string, KnownStore] | undefined {
  return Object.entries(known.stores).find(
    ([other, at]) => other !== id && at.dir === place && at.displaced === undefined,
  );
}

/**
 * Whether this user pinned a store in `dir` (which may be gone): an
 * environment's place whose store was deleted must not quietly become
 * another store's (directory.ts).
 */
export function isPinnedPlace(dir: string, env: Env): boolean {
  const place = placeOf(dir);
  try {
    return occupantOf(readKnown(knownStoresFile(env)), place, "") !== undefined;
  } catch {
    return true; // a damaged pin file: refuse rather than guess
  }
}

/** Whether this user has no pin for the store `storeId` (a damaged pin file counts as pinned: the check reports it). */
export function isFirstUse(storeId: Uint8Array, env: Env): boolean {
  try {
    return readKnown(knownStoresFile(env)).stores[toB64u(storeId)] === undefined;
  } catch {
    return false;
  }
}

/**
 * One store per place: the one trusted now takes the place, and the pin that
 * named it is kept as displaced, never deleted, so the keys that store moved
 * on from still refuse its older copies (a rollback) wherever they turn up.
 */
export function displaceAt(
  known: KnownStores,
  place: string,
  id: string,
  now: (() => Date) | undefined,
): void {
  for (const [other, at] of Object.entries(known.stores))
    if (at.dir === place && other !== id && at.displaced === undefined)
      known.stores[other] = { ...at, displaced: (now?.() ?? new Date()).toISOString() };
}

export function pinEntry(lineage: string, dir: string, now: (() => Date) | undefined): KnownStore {
  return { lineage, dir, seen: (now?.() ?? new Date()).toISOString() };
}
