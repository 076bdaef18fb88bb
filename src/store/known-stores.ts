import { readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { StrongboxError } from "../errors.js";
import { ensurePrivateDir, ioError, writeFileAtomic } from "../fs/atomic-write.js";
import { assertTrusted, assertTrustedEntry } from "../security/trusted-path.js";
import { stateDir } from "../util/state-dir.js";
import { toB64u } from "./encoding.js";
import { environmentOf } from "./environments.js";
import type { Keyring } from "./keyring.js";
import { descends, lineageId } from "./lineage.js";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The team stores this user has opened, each with the lineage key of the
 * master key it had then (lineage.ts): trust on first use, as SSH's
 * known_hosts. A later open whose master key does not descend from the pinned
 * one is a replaced keyring. The file holds public keys and paths only.
 */
interface KnownStores {
  readonly format: "strongbox-known-stores/1";
  readonly stores: Record<string, KnownStore>;
}

interface KnownStore {
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
const MAX_ANCESTORS = 64;

/** `$XDG_STATE_HOME/strongbox/known-stores.json`. */
export function knownStoresFile(env: Env): string {
  return join(stateDir(env), "known-stores.json");
}

function readKnown(file: string): KnownStores {
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

function writeKnown(file: string, known: KnownStores): void {
  try {
    ensurePrivateDir(join(file, ".."));
    writeFileAtomic(file, Buffer.from(`${JSON.stringify(known, null, 2)}\n`));
  } catch {
    // A read-only home (a container) cannot keep pins: the store still opens, as on first use.
  }
}

/** The store's directory as pinned: its real path, so a symlink or `..` names the same place. */
function placeOf(dir: string): string {
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
function roleOf(dir: string): string {
  return environmentOf(dir)?.name ?? "";
}

/** The role a pin was made in (pins from before roles: from the place they name). */
function pinnedRole(entry: KnownStore): string {
  return entry.role ?? roleOf(entry.dir);
}

function describeRole(role: string): string {
  return role === "" ? "a root store" : `the store of environment ${role}`;
}

/** The pin that names `place`, other than `id`'s (a displaced pin names no place). */
function occupantOf(
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

/** What the check of a team store against the pins may be told by its caller. */
export interface KnownStoreOptions {
  /** Pin whatever the store has now, after a person checked it (`strongbox recipients trust`). */
  readonly trust?: boolean;
  readonly now?: () => Date;
  /**
   * The store is an environment's own (`<store>/envs/NAME`): never trusted on
   * first use unless `endorsed` (its root store's keyring names it, environments.ts).
   */
  readonly environment?: string;
  /** The root store's keyring endorses this environment store's id and key. */
  readonly endorsed?: boolean;
  /** Why the root store could not be asked (it did not open for this user), for the refusal. */
  readonly rootProblem?: string;
  /**
   * The project the store belongs to (its config's directory), when the store's
   * place came from a config: a store first seen in a project that already
   * has a pinned store elsewhere (a moved store path) is not trusted on first use.
   */
  readonly project?: string;
  /** Told what the user should know: a first-use pin, a CI pin that names an older key. */
  readonly notice?: (message: string) => void;
}

/**
 * Checks that the master key that opened a team store descends from the one
 * this user pinned, pinning it on first use and following legitimate rekeys.
 * Refused: a key that does not descend (a replaced keyring, `E_STORE_TAMPERED`),
 * a key this user moved on from (a copy from before a rekey, `E_STORE_KEY_ROLLBACK`),
 * a store with another id where this user trusted one (`E_STORE_TAMPERED`), and
 * a store first seen where nothing vouches for it: an environment store its
 * root store does not endorse, or a new store in a project that has one
 * elsewhere (`E_STORE_UNTRUSTED`). With `trust`, pins whatever the store has now.
 */
export function checkKnownStore(
  dir: string,
  keyring: Keyring,
  masterKey: Uint8Array,
  env: Env,
  options: KnownStoreOptions = {},
): { readonly lineage: string; readonly changed: boolean } {
  const current = lineageId(masterKey, keyring.storeId);
  const given = givenFingerprints(env);
  checkGivenFingerprints(dir, keyring, current, given, options.notice);
  const file = knownStoresFile(env);
  const known = readKnown(file);
  const id = toB64u(keyring.storeId);
  const place = placeOf(dir);
  const entry = known.stores[id];
  const pinned = entry?.lineage;
  // Every key the store's own (authenticated) lineage names is one it moved on from.
  const ancestors = [
    ...new Set([
      ...(entry?.ancestors ?? []),
      ...(keyring.lineage ?? []).map((link) => link.key),
      ...(pinned !== undefined && pinned !== current ? [pinned] : []),
    ]),
  ]
    .filter((key) => key !== current)
    .slice(-MAX_ANCESTORS);
  const project = options.project === undefined ? entry?.project : placeOf(options.project);
  const role = roleOf(dir);
  if (
    pinned === current &&
    entry?.dir === place &&
    entry.displaced === undefined &&
    entry.role === role &&
    entry.project === project &&
    ancestors.length === (entry.ancestors ?? []).length
  )
    return { lineage: current, changed: false };
  if (options.trust !== true) {
    // A key this user moved on from: a checkout of an older commit, or a keyring put back
    // by someone removed since, who still holds that key and may have written values under
    // it. Neither read nor written, wherever it turns up: what it holds is what a removed
    // teammate could forge.
    if (entry !== undefined && (entry.ancestors ?? []).includes(current))
      throw rolledBack(dir, current, pinned as string);
    // A place keeps the store trusted there, and a store keeps its role: a pinned store
    // copied into another's place (staging's into production's, an environment's into the
    // root's, one project's into another's) is not that store, however well its key checks.
    const occupant = occupantOf(known, place, id);
    if (occupant !== undefined && entry !== undefined)
      throw untrusted(
        dir,
        `this is not the store you trusted here: it is ${describeRole(pinnedRole(entry))} you trusted in ${entry.dir}, copied or moved into the place of ${describeRole(pinnedRole(occupant[1]))} (someone who can read that one would read what you store here)`,
        role === "" ? "" : `--env ${role}`,
      );
    if (entry !== undefined && pinnedRole(entry) !== role)
      throw untrusted(
        dir,
        `this store is ${describeRole(pinnedRole(entry))} you trusted in ${entry.dir}; here it stands in the place of ${describeRole(role)}`,
        role === "" ? "" : `--env ${role}`,
      );
    // A store trusted here before another was trusted in its place by hand.
    if (entry?.displaced !== undefined && entry.dir === place)
      throw untrusted(
        dir,
        `another store was trusted in this place (${entry.displaced}) after this one: it is the older store put back`,
        role === "" ? "" : `--env ${role}`,
      );
  }
  const forward =
    pinned !== undefined && descends(keyring.lineage ?? [], keyring.storeId, pinned, current);
  if (options.trust !== true && !forward) {
    if (pinned !== undefined)
      throw replaced(
        dir,
        "this team store's keyring was replaced since you last opened it: its master key does not descend from the one you trusted (a rekey by a recipient signs the step; this one is not signed)",
      );
    if (occupantOf(known, place, id) !== undefined)
      throw replaced(
        dir,
        "this is not the team store you trusted here: the store in this directory has another id (a store made anew, or someone else's put in its place)",
      );
    // A first use. A pin given from outside (CI) already decided; otherwise something must vouch.
    if (given.length === 0) refuseUnvouched(dir, id, place, project, known, options);
  }
  displaceAt(known, place, id, options.now);
  known.stores[id] = {
    ...pinEntry(current, place, options.now),
    role,
    ...(project === undefined ? {} : { project }),
    ...(ancestors.length === 0 ? {} : { ancestors }),
  };
  writeKnown(file, known);
  if (pinned === undefined && options.trust !== true)
    options.notice?.(
      `first use of the team store in ${dir}: pinned its key ${current}${options.endorsed === true ? " (its root store endorses it)" : ""}; from now on a keyring not descending from it is refused`,
    );
  return { lineage: current, changed: pinned !== undefined && pinned !== current };
}

/**
 * A store first seen, with nothing a person or the team's keys said about it,
 * is trusted on first use only where nothing else was trusted before: an
 * environment store needs its root store's endorsement, and a project that
 * has a pinned store elsewhere does not take a new one silently.
 */
function refuseUnvouched(
  dir: string,
  id: string,
  place: string,
  project: string | undefined,
  known: KnownStores,
  options: KnownStoreOptions,
): void {
  if (options.environment !== undefined) {
    if (options.endorsed === true) return;
    throw untrusted(
      dir,
      `the store of environment ${options.environment} is new to you and its root store does not endorse it${options.rootProblem === undefined ? "" : ` (the root store did not open for you: ${options.rootProblem})`}: anyone who can push can make one for the team's public recipients and plant values there (and read what you store in it next)`,
      `--env ${options.environment}`,
    );
  }
  if (project === undefined) return;
  // The project's own environment stores (inside this one's envs/) are not "elsewhere".
  const inside = `${join(place, "envs")}${sep}`;
  const elsewhere = Object.entries(known.stores).find(
    ([other, at]) =>
      at.project === project && other !== id && at.dir !== place && !at.dir.startsWith(inside),
  );
  if (elsewhere !== undefined)
    throw untrusted(
      dir,
      `this project's team store was in ${elsewhere[1].dir}; the store here is new to you (a moved store path, or one someone else made)`,
      "",
    );
}

/** Whether `STRONGBOX_STORE_FINGERPRINT` pins stores from outside (then no first use is trusted or refused here). */
export function hasGivenFingerprints(env: Env): boolean {
  return givenFingerprints(env).length > 0;
}

/** Whether this user has no pin for the store `storeId` (a damaged pin file counts as pinned: the check reports it). */
export function isFirstUse(storeId: Uint8Array, env: Env): boolean {
  try {
    return readKnown(knownStoresFile(env)).stores[toB64u(storeId)] === undefined;
  } catch {
    return false;
  }
}

/** The pins of `STRONGBOX_STORE_FINGERPRINT`, comma-separated. */
function givenFingerprints(env: Env): string[] {
  return (env.STRONGBOX_STORE_FINGERPRINT ?? "")
    .split(",")
    .map((text) => text.trim())
    .filter((text) => text !== "");
}

/**
 * `STRONGBOX_STORE_FINGERPRINT`: pins given from outside, for a machine whose
 * home does not persist (a CI job): the store's key must be one of them or
 * descend from one through signed steps. Several may be given (comma-separated),
 * one per store; each is bound to its store, so it matches no other. A pin that
 * names an older key of the store still accepts a copy rolled back to that key,
 * and nothing in the old copy can tell: the user is told to move the pin on.
 */
function checkGivenFingerprints(
  dir: string,
  keyring: Keyring,
  current: string,
  given: readonly string[],
  notice: ((message: string) => void) | undefined,
): void {
  if (given.length === 0) return;
  if (given.includes(current)) return;
  if (given.some((pin) => descends(keyring.lineage ?? [], keyring.storeId, pin, current))) {
    notice?.(
      `STRONGBOX_STORE_FINGERPRINT names an older key of the store in ${dir}, from before a rekey; set it to ${current}: until then a copy rolled back to the older key is accepted`,
    );
    return;
  }
  throw new StrongboxError(
    "E_STORE_TAMPERED",
    `${join(dir, "keyring.sbx")}: the store's key is not the one STRONGBOX_STORE_FINGERPRINT names, nor descends from it (a replaced keyring, or one rolled back to before a rekey)`,
    {
      hint: "the keyring may have been replaced or rolled back: compare `strongbox recipients fingerprint` on a trusted machine with the pinned value, and check `git log -p -- keyring.sbx`",
    },
  );
}

/**
 * After this user re-keyed a team store: their pin moves to the new key at
 * once (the old one becomes an ancestor), so a copy rolled back to the key a
 * removed recipient holds is refused for them too, not only for teammates
 * who opened the store since. A pin file that cannot be read is left for the
 * next open to report: the rekey itself is done.
 */
export function followOwnRekey(
  options: {
    readonly dir: string;
    readonly env: Env;
    readonly knownStore?: boolean;
    readonly project?: string | undefined;
    readonly now?: (() => Date) | undefined;
  },
  keyring: Keyring,
  masterKey: Uint8Array,
): void {
  if (options.knownStore === false) return;
  try {
    checkKnownStore(options.dir, keyring, masterKey, options.env, {
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.project === undefined ? {} : { project: options.project }),
    });
  } catch {
    // reported by the next open
  }
}

/**
 * A store this process already had open changed key under it (another
 * process re-keyed it, or a copy was put in its place): the new key passes
 * the same check as a new open, so a rolled-back or replaced keyring is
 * refused here too rather than followed. Throws as {@link checkKnownStore}.
 */
export function followNewKey(
  options: {
    readonly dir: string;
    readonly env: Env;
    readonly knownStore?: boolean;
    readonly project?: string | undefined;
    readonly notice?: ((message: string) => void) | undefined;
  },
  keyring: Keyring,
  masterKey: Uint8Array,
): void {
  if (options.knownStore === false) return;
  const environment = environmentOf(options.dir)?.name;
  checkKnownStore(options.dir, keyring, masterKey, options.env, {
    ...(environment === undefined ? {} : { environment }),
    ...(options.project === undefined ? {} : { project: options.project }),
    ...(options.notice === undefined ? {} : { notice: options.notice }),
  });
}

/** Pins a store its creator just made (`init`): the creator trusts what they made. */
export function pinNewStore(
  dir: string,
  storeId: Uint8Array,
  masterKey: Uint8Array,
  env: Env,
  options: { readonly now?: (() => Date) | undefined; readonly project?: string | undefined } = {},
): void {
  const file = knownStoresFile(env);
  let known: KnownStores;
  try {
    known = readKnown(file);
  } catch {
    return; // a damaged pin file is reported on the next open, not by init
  }
  const place = placeOf(dir);
  const id = toB64u(storeId);
  displaceAt(known, place, id, options.now);
  known.stores[id] = {
    ...pinEntry(lineageId(masterKey, storeId), place, options.now),
    role: roleOf(dir),
    ...(options.project === undefined ? {} : { project: placeOf(options.project) }),
  };
  writeKnown(file, known);
}

/**
 * One store per place: the one trusted now takes the place, and the pin that
 * named it is kept as displaced, never deleted, so the keys that store moved
 * on from still refuse its older copies (a rollback) wherever they turn up.
 */
function displaceAt(
  known: KnownStores,
  place: string,
  id: string,
  now: (() => Date) | undefined,
): void {
  for (const [other, at] of Object.entries(known.stores))
    if (at.dir === place && other !== id && at.displaced === undefined)
      known.stores[other] = { ...at, displaced: (now?.() ?? new Date()).toISOString() };
}

function pinEntry(lineage: string, dir: string, now: (() => Date) | undefined): KnownStore {
  return { lineage, dir, seen: (now?.() ?? new Date()).toISOString() };
}

function rolledBack(dir: string, current: string, pinned: string): StrongboxError {
  return new StrongboxError(
    "E_STORE_KEY_ROLLBACK",
    `${join(dir, "keyring.sbx")}: this copy of the team store is rolled back to a master key from before a rekey (${current}; you follow ${pinned}): a teammate removed since still holds that key, so its values may be theirs; it is neither read nor written`,
    {
      hint: "check out the current store (`git checkout origin/HEAD -- .strongbox`, or `git log -p -- keyring.sbx` to see who put the old one back); to read past values on purpose, use `strongbox diff --store-rev REV`; if going back is meant, run `strongbox recipients trust`",
    },
  );
}

function untrusted(dir: string, why: string, flag: string): StrongboxError {
  return new StrongboxError("E_STORE_UNTRUSTED", `${join(dir, "keyring.sbx")}: ${why}`, {
    hint: `store nothing and check who made it (\`git log -p -- ${dir}\`, \`strongbox recipients list${flag === "" ? "" : ` ${flag}`}\`); if it is the team's, run \`strongbox recipients trust${flag === "" ? "" : ` ${flag}`}\``,
  });
}

function replaced(dir: string, why: string): StrongboxError {
  return new StrongboxError("E_STORE_TAMPERED", `${join(dir, "keyring.sbx")}: ${why}`, {
    hint: "someone with write access may have put in a keyring of their own, wrapped for your public keys, to read what you store next: store nothing, check `git log -p -- keyring.sbx` and `strongbox recipients list`; if the change is known and wanted, run `strongbox recipients trust`",
  });
}
