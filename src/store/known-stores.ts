import { readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { ensurePrivateDir, ioError, writeFileAtomic } from "../fs/atomic-write.js";
import { stateDir } from "../util/state-dir.js";
import { toB64u } from "./encoding.js";
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
}

/** How many older keys a pin remembers. */
const MAX_ANCESTORS = 64;

/** `$XDG_STATE_HOME/strongbox/known-stores.json`. */
export function knownStoresFile(env: Env): string {
  return join(stateDir(env), "known-stores.json");
}

function readKnown(file: string): KnownStores {
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
    return resolve(dir);
  }
}

/**
 * Checks that the master key that opened a team store descends from the one
 * this user pinned, pinning it on first use and following legitimate rekeys.
 * A store with another id where this user trusted one (a whole store put in
 * the place of the team's) is refused too. With `trust`, pins whatever the
 * store has now (after a person checked it). Throws `E_STORE_TAMPERED`.
 */
export function checkKnownStore(
  dir: string,
  keyring: Keyring,
  masterKey: Uint8Array,
  env: Env,
  options: { readonly trust?: boolean; readonly now?: () => Date } = {},
): { readonly lineage: string; readonly changed: boolean; readonly readOnly?: StrongboxError } {
  const current = lineageId(masterKey, keyring.storeId);
  checkGivenFingerprints(dir, keyring, current, env);
  const file = knownStoresFile(env);
  const known = readKnown(file);
  const id = toB64u(keyring.storeId);
  const place = placeOf(dir);
  const entry = known.stores[id];
  const pinned = entry?.lineage;
  if (pinned === current && entry?.dir === place) return { lineage: current, changed: false };
  const forward =
    pinned !== undefined && descends(keyring.lineage ?? [], keyring.storeId, pinned, current);
  if (options.trust !== true && !forward) {
    // A key this user moved on from: an older commit checked out, or a keyring rolled back.
    // Reading it is reading the past; writing would store new secrets under a key a
    // removed recipient may still hold. The pin stays where it is.
    if (entry !== undefined && (entry.ancestors ?? []).includes(current))
      return {
        lineage: current,
        changed: false,
        readOnly: new StrongboxError(
          "E_STORE_TAMPERED",
          `${join(dir, "keyring.sbx")}: this copy of the team store has an older master key than the one you trusted (a checkout of an older commit, or a keyring rolled back): it can be read, not written`,
          {
            hint: "write on the current commit (git checkout -); if the rollback is meant, run `strongbox recipients trust` after checking `git log -p -- keyring.sbx`",
          },
        ),
      };
    if (pinned !== undefined)
      throw replaced(
        dir,
        "this team store's keyring was replaced since you last opened it: its master key does not descend from the one you trusted (a rekey by a recipient signs the step; this one is not signed)",
      );
    if (
      pinned === undefined &&
      Object.entries(known.stores).some(([other, at]) => at.dir === place && other !== id)
    )
      throw replaced(
        dir,
        "this is not the team store you trusted here: the store in this directory has another id (a store made anew, or someone else's put in its place)",
      );
  }
  // One store per place: the one trusted now replaces whatever was pinned here before.
  for (const [other, at] of Object.entries(known.stores))
    if (at.dir === place && other !== id) delete known.stores[other];
  const ancestors = [
    ...(entry?.ancestors ?? []),
    ...(pinned !== undefined && pinned !== current ? [pinned] : []),
  ]
    .filter((key) => key !== current)
    .slice(-MAX_ANCESTORS);
  known.stores[id] = {
    ...pinEntry(current, place, options.now),
    ...(ancestors.length === 0 ? {} : { ancestors }),
  };
  writeKnown(file, known);
  return { lineage: current, changed: pinned !== undefined && pinned !== current };
}

/**
 * `STRONGBOX_STORE_FINGERPRINT`: pins given from outside, for a machine whose
 * home does not persist (a CI job): the store's key must be one of them or
 * descend from one through signed steps. Several may be given (comma-separated),
 * one per store; each is bound to its store, so it matches no other.
 */
function checkGivenFingerprints(dir: string, keyring: Keyring, current: string, env: Env): void {
  const given = (env.STRONGBOX_STORE_FINGERPRINT ?? "")
    .split(",")
    .map((text) => text.trim())
    .filter((text) => text !== "");
  if (given.length === 0) return;
  if (given.some((pin) => descends(keyring.lineage ?? [], keyring.storeId, pin, current))) return;
  throw new StrongboxError(
    "E_STORE_TAMPERED",
    `${join(dir, "keyring.sbx")}: the store's key is not the one STRONGBOX_STORE_FINGERPRINT names, nor descends from it`,
    {
      hint: "the keyring may have been replaced: compare `strongbox recipients fingerprint` on a trusted machine with the pinned value, and check `git log -p -- keyring.sbx`",
    },
  );
}

/** Pins a store its creator just made (`init`): the creator trusts what they made. */
export function pinNewStore(
  dir: string,
  storeId: Uint8Array,
  masterKey: Uint8Array,
  env: Env,
  now?: () => Date,
): void {
  const file = knownStoresFile(env);
  let known: KnownStores;
  try {
    known = readKnown(file);
  } catch {
    return; // a damaged pin file is reported on the next open, not by init
  }
  const place = placeOf(dir);
  for (const [other, entry] of Object.entries(known.stores))
    if (entry.dir === place) delete known.stores[other];
  known.stores[toB64u(storeId)] = pinEntry(lineageId(masterKey, storeId), place, now);
  writeKnown(file, known);
}

function pinEntry(lineage: string, dir: string, now: (() => Date) | undefined): KnownStore {
  return { lineage, dir, seen: (now?.() ?? new Date()).toISOString() };
}

function replaced(dir: string, why: string): StrongboxError {
  return new StrongboxError("E_STORE_TAMPERED", `${join(dir, "keyring.sbx")}: ${why}`, {
    hint: "someone with write access may have put in a keyring of their own, wrapped for your public keys, to read what you store next: store nothing, check `git log -p -- keyring.sbx` and `strongbox recipients list`; if the change is known and wanted, run `strongbox recipients trust`",
  });
}
