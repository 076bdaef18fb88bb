import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { StoreCore } from "./core.js";
import { toB64u } from "./encoding.js";
import type { EnvironmentEndorsement, Keyring } from "./keyring.js";
import { descends } from "./lineage.js";
import { KEYRING } from "./types.js";

/**
 * Environment stores (`<store>/envs/NAME`, made by `init --env`) vouched for
 * by their root store. Anyone who can push can make such a store for the
 * team's public recipients, so a reader never trusts one on first use by
 * itself (known-stores.ts): the root store's keyring, authenticated by the
 * root's master key, lists each environment store it endorses with the store
 * id and the lineage key it had then. The environment store's key must be
 * that key or descend from it (its own signed rekeys), so a store someone
 * else made, or put in the endorsed one's place, is not taken.
 */

/** Where an environment store's root store is, and the environment's name; undefined for any other store. */
export function environmentOf(
  dir: string,
): { readonly root: string; readonly name: string } | undefined {
  const name = basename(dir);
  const envs = dirname(dir);
  if (basename(envs) !== "envs" || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name)) return undefined;
  const root = dirname(envs);
  return existsSync(join(root, KEYRING)) ? { root, name } : undefined;
}

/** Whether the root keyring endorses the environment store `name` as it is now (its id, and its key or a descendant). */
export function endorses(
  root: Keyring,
  name: string,
  store: Keyring,
  currentLineage: string,
): boolean {
  const endorsement = root.environments?.[name];
  return (
    endorsement !== undefined &&
    endorsement.storeId === toB64u(store.storeId) &&
    descends(store.lineage ?? [], store.storeId, endorsement.lineage, currentLineage)
  );
}

/**
 * Records in the root store's keyring that it endorses environment store
 * `name` with this id and lineage key (resealed under the root's master key,
 * under its lock; recorded first as a trust of that store's key).
 */
export function endorseEnvironment(
  core: StoreCore,
  name: string,
  endorsement: EnvironmentEndorsement,
): void {
  // Through the one audited path: the trust is on record before the keyring changes.
  core.change(
    {
      action: "keyring-trust",
      outcome: "ok",
      environment: name,
      fingerprint: endorsement.lineage,
    },
    (writer) =>
      core.sealKeyring(writer, {
        ...core.keyring,
        environments: { ...(core.keyring.environments ?? {}), [name]: endorsement },
      }),
    { secrets: false },
  );
}
