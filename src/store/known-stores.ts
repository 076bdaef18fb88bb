import { join, sep } from "node:path";
import { StrongboxError } from "../errors.js";
import { toB64u } from "./encoding.js";
import { environmentOf } from "./environments.js";
import { checkGivenFingerprints, givenFingerprints } from "./given-fingerprints.js";
import type { Keyring } from "./keyring.js";
import { descends, lineageId } from "./lineage.js";
import {
  describeRole,
  displaceAt,
  type Env,
  type KnownStore,
  type KnownStores,
  knownStoresFile,
  MAX_ANCESTORS,
  occupantOf,
  pinEntry,
  pinnedRole,
  placeOf,
  readKnown,
  roleOf,
  writeKnown,
} from "./pin-file.js";

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
  const entry = known.stores[id];
  const seen: Seen = {
    dir,
    id,
    place: placeOf(dir),
    role: roleOf(dir),
    project: options.project === undefined ? entry?.project : placeOf(options.project),
    current,
    entry,
    ancestors: ancestorsOf(entry, keyring, current),
  };
  if (pinHolds(seen)) return { lineage: current, changed: false };
  if (options.trust !== true) {
    refuseMisplaced(seen, known);
    refuseUnfollowed(seen, keyring, known, given.length > 0, options);
  }
  pin(file, known, seen, options, given.length > 0);
  const pinned = entry?.lineage;
  return { lineage: current, changed: pinned !== undefined && pinned !== current };
}

/** A store as this open found it, beside its pin (if any). */
interface Seen {
  readonly dir: string;
  /** The store id (base64url), which keys its pin. */
  readonly id: string;
  /** Its real path (pin-file.ts placeOf). */
  readonly place: string;
  /** The role its place gives it (pin-file.ts roleOf). */
  readonly role: string;
  readonly project: string | undefined;
  /** The lineage key of the master key that opened it. */
  readonly current: string;
  readonly entry: KnownStore | undefined;
  /** The keys it moved on from, the pin's and its own lineage's, at most MAX_ANCESTORS. */
  readonly ancestors: string[];
}

/** Every key the store's own (authenticated) lineage names is one it moved on from. */
function ancestorsOf(entry: KnownStore | undefined, keyring: Keyring, current: string): string[] {
  const pinned = entry?.lineage;
  return [
    ...new Set([
      ...(entry?.ancestors ?? []),
      ...(keyring.lineage ?? []).map((link) => link.key),
      ...(pinned !== undefined && pinned !== current ? [pinned] : []),
    ]),
  ]
    .filter((key) => key !== current)
    .slice(-MAX_ANCESTORS);
}

/** The pin already says all of it: same key, place, role, project and ancestors. */
function pinHolds(seen: Seen): boolean {
  const entry = seen.entry;
  return (
    entry?.lineage === seen.current &&
    entry.dir === seen.place &&
    entry.displaced === undefined &&
    entry.role === seen.role &&
    entry.project === seen.project &&
    seen.ancestors.length === (entry.ancestors ?? []).length
  );
}

/**
 * A key this user moved on from, or a pinned store out of its place or role.
 * A key moved on from is a checkout of an older commit, or a keyring put back
 * by someone removed since, who still holds that key and may have written values under
 * it. Neither read nor written, wherever it turns up: what it holds is what a removed
 * teammate could forge.
 */
function refuseMisplaced(seen: Seen, known: KnownStores): void {
  const { dir, entry, role } = seen;
  if (entry === undefined) return;
  if ((entry.ancestors ?? []).includes(seen.current))
    throw rolledBack(dir, seen.current, entry.lineage);
  const flag = role === "" ? "" : `--env ${role}`;
  // A place keeps the store trusted there, and a store keeps its role: a pinned store
  // copied into another's place (staging's into production's, an environment's into the
  // root's, one project's into another's) is not that store, however well its key checks.
  const occupant = occupantOf(known, seen.place, seen.id);
  if (occupant !== undefined)
    throw untrusted(
      dir,
      `this is not the store you trusted here: it is ${describeRole(pinnedRole(entry))} you trusted in ${entry.dir}, copied or moved into the place of ${describeRole(pinnedRole(occupant[1]))} (someone who can read that one would read what you store here)`,
      flag,
    );
  if (pinnedRole(entry) !== role)
    throw untrusted(
      dir,
      `this store is ${describeRole(pinnedRole(entry))} you trusted in ${entry.dir}; here it stands in the place of ${describeRole(role)}`,
      flag,
    );
  // A store trusted here before another was trusted in its place by hand.
  if (entry.displaced !== undefined && entry.dir === seen.place)
    throw untrusted(
      dir,
      `another store was trusted in this place (${entry.displaced}) after this one: it is the older store put back`,
      flag,
    );
}

/**
 * A key that does not descend from the pinned one through signed steps, a
 * store with another id in a pinned place, or a first use nothing vouches for.
 */
function refuseUnfollowed(
  seen: Seen,
  keyring: Keyring,
  known: KnownStores,
  pinsGiven: boolean,
  options: KnownStoreOptions,
): void {
  const pinned = seen.entry?.lineage;
  if (
    pinned !== undefined &&
    descends(keyring.lineage ?? [], keyring.storeId, pinned, seen.current)
  )
    return;
  if (pinned !== undefined)
    throw replaced(
      seen.dir,
      "this team store's keyring was replaced since you last opened it: its master key does not descend from the one you trusted (a rekey by a recipient signs the step; this one is not signed)",
    );
  if (occupantOf(known, seen.place, seen.id) !== undefined)
    throw replaced(
      seen.dir,
      "this is not the team store you trusted here: the store in this directory has another id (a store made anew, or someone else's put in its place)",
    );
  // A first use. A pin given from outside (CI) already decided; otherwise something must vouch.
  if (!pinsGiven) refuseUnvouched(seen.dir, seen.id, seen.place, seen.project, known, options);
}

/**
 * Pins what was seen (the place taken from any other pin), telling the user
 * of a first use. Not when `STRONGBOX_STORE_FINGERPRINT` pinned the store
 * from outside (`pinsGiven`, CI): the key was checked against that pin, not
 * trusted on first use, and a notice saying otherwise would be false.
 */
function pin(
  file: string,
  known: KnownStores,
  seen: Seen,
  options: KnownStoreOptions,
  pinsGiven: boolean,
): void {
  displaceAt(known, seen.place, seen.id, options.now);
  known.stores[seen.id] = {
    ...pinEntry(seen.current, seen.place, options.now),
    role: seen.role,
    ...(seen.project === undefined ? {} : { project: seen.project }),
    ...(seen.ancestors.length === 0 ? {} : { ancestors: seen.ancestors }),
  };
  writeKnown(file, known);
  if (seen.entry === undefined && options.trust !== true && !pinsGiven)
    options.notice?.(
      `first use of the team store in ${seen.dir}: pinned its key ${seen.current}${options.endorsed === true ? " (its root store endorses it)" : ""}; from now on a keyring not descending from it is refused`,
    );
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
