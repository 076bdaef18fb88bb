import { join } from "node:path";
import { StrongboxError } from "../errors.js";
import type { Keyring } from "./keyring.js";
import { descends } from "./lineage.js";
import type { Env } from "./pin-file.js";

/** Whether `STRONGBOX_STORE_FINGERPRINT` pins stores from outside (then no first use is trusted or refused here). */
export function hasGivenFingerprints(env: Env): boolean {
  return givenFingerprints(env).length > 0;
}

/** The pins of `STRONGBOX_STORE_FINGERPRINT`, comma-separated. */
export function givenFingerprints(env: Env): string[] {
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
export function checkGivenFingerprints(
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
