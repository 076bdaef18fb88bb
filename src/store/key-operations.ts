import { StrongboxError } from "../errors.js";
import { promoteNewKeyFile, writeKeyFile } from "../security/key-file.js";
import type { StoreCore } from "./core.js";
import { toB64u } from "./encoding.js";
import { type NewMaster, newMaster } from "./key-wrapper.js";
import { type Keyring, type MasterRecord, nextKeyId } from "./keyring.js";
import { endorse } from "./lineage.js";
import type { ScryptParams } from "./master-key.js";
import { openVersion, sealSecretFile, sealVersion } from "./secret-file.js";
import { now } from "./types.js";

// The store's key operations: new data keys, re-encryption, a new master key.
// Each takes the store lock through the core and leaves a store that opens
// at every instant, crash or not.

/** Adds a data key and makes it active; old versions stay readable. Returns the new key id. */
export function rotateKey(core: StoreCore): number {
  return core.withLockedKeyring("rotate-key", (keyring) => {
    const kid = nextKeyId(keyring);
    const dataKeys = new Map(keyring.dataKeys);
    dataKeys.set(kid, { key: core.random(32), createdAt: now(core.options) });
    return { keyring: { ...keyring, dataKeys, active: kid }, result: kid };
  });
}

/**
 * Re-encrypts every live version under the active data key, one atomic file
 * write per secret, then retires every other data key: its material leaves
 * the keyring, and a record still under it (an old copy put back) is
 * refused. A crash before the last step leaves the old keys in place, so
 * every file stays readable.
 */
export function rewrap(core: StoreCore): number {
  return core.change(
    { action: "rewrap", outcome: "ok" },
    (writer) => {
      let count = 0;
      const names = core.names();
      for (const [index, name] of names.entries()) {
        core.options.onProgress?.("rewrapping", index + 1, names.length);
        const file = core.readFresh(name);
        if (file === undefined) continue;
        const versions = file.versions.map((version) => {
          if (version.state === "deleted" || version.kid === core.keyring.active) return version;
          count++;
          const plain = core.withKeyFor(version, () =>
            openVersion(core.keyring, name, version, core.path(name)),
          );
          const { createdAt, createdBy } = version;
          return sealVersion(core.keyring, name, version.version, plain, core.random(32), {
            createdAt,
            createdBy,
          });
        });
        writer.secret(name, sealSecretFile({ ...file, versions }, core.keyring));
      }
      const retiredAt = now(core.options);
      const retiredKeys = new Map(core.keyring.retiredKeys ?? []);
      for (const [kid, entry] of core.keyring.dataKeys)
        if (kid !== core.keyring.active)
          retiredKeys.set(kid, { createdAt: entry.createdAt, retiredAt });
      const active = core.keyring.dataKeys.get(core.keyring.active);
      const keyring: Keyring = {
        ...core.keyring,
        dataKeys: new Map(active === undefined ? [] : [[core.keyring.active, active]]),
        retiredKeys,
        manifest: true,
      };
      core.sealKeyring(writer, keyring);
      return count;
    },
    { secrets: true },
  );
}

/**
 * Changes the master key and revokes the old one: whoever kept the old key
 * and an old copy of the keyring (git history) must not read what is stored
 * afterwards, nor forge a secret file. So besides re-wrapping the keyring,
 * a rekey starts a new data key (new values are out of the old key's reach)
 * and a new integrity key, under which every secret file and the manifest
 * are authenticated again. That costs one small write per secret, no
 * re-encryption; `rewrap` afterwards re-encrypts old values and retires the
 * data keys the old master key could unwrap.
 *
 * Crash safety: the new key goes to `<key file>.new` before the keyring is
 * written, and the keyring keeps the previous integrity key until every
 * file is authenticated again, so the store opens at every instant.
 */
export function rekey(
  core: StoreCore,
  options: {
    passphrase?: string;
    scrypt?: ScryptParams;
    /** A new master key already wrapped for its recipients (recipient stores wrap asynchronously). */
    prepared?: NewMaster;
    /** The audit record's action and recipient (a recipient removed is a rekey too). */
    action?: "rekey" | "recipient-rm";
    recipient?: string;
    /** The master record `prepared` was made from; the rekey is refused if it changed since. */
    basedOn?: MasterRecord;
  } = {},
): { keyFile?: string } {
  const random = (size: number) => core.random(size);
  const { master, key, keyFile } =
    options.prepared ??
    newMaster(
      options.passphrase === undefined
        ? { kind: "key" }
        : {
            kind: "passphrase",
            passphrase: options.passphrase,
            ...(options.scrypt === undefined ? {} : { scrypt: options.scrypt }),
          },
      { storeId: toB64u(core.keyring.storeId), env: core.options.env, random },
    );
  const basedOn = options.basedOn;
  const event = {
    action: options.action ?? "rekey",
    outcome: "ok",
    ...(options.recipient === undefined ? {} : { recipient: options.recipient }),
  } as const;
  core.change(
    event,
    (writer) => {
      const current = core.keyring;
      const kid = nextKeyId(current);
      const dataKeys = new Map(current.dataKeys);
      dataKeys.set(kid, { key: random(32), createdAt: now(core.options) });
      const rotating: Keyring = {
        ...current,
        // The old master key endorses the new one, so readers who pinned the old one follow.
        lineage: [...(current.lineage ?? []), endorse(core.masterKey, key, current.storeId)],
        master,
        dataKeys,
        active: kid,
        integrityKey: random(32),
        previousIntegrityKey: current.integrityKey,
      };
      if (keyFile !== undefined) writeKeyFile(`${keyFile}.new`, key);
      core.sealKeyring(writer, rotating, key);
      if (keyFile !== undefined) promoteNewKeyFile(keyFile);
      core.finishIntegrityRotation(writer);
    },
    {
      secrets: true,
      ...(basedOn === undefined ? {} : { check: () => refuseChangedMaster(core, basedOn) }),
    },
  );
  return keyFile === undefined ? {} : { keyFile };
}

/**
 * Replaces the keyring's master record with the same master key (a recipient
 * added: the key is wrapped for one more; nothing else changes).
 */
export function setMasterRecord(
  core: StoreCore,
  master: MasterRecord,
  audit: { action: "recipient-add"; recipient: string },
  basedOn: MasterRecord,
): void {
  core.change(
    { action: audit.action, outcome: "ok", recipient: audit.recipient },
    (writer) => core.sealKeyring(writer, { ...core.keyring, master, manifest: true }),
    { secrets: false, check: () => refuseChangedMaster(core, basedOn) },
  );
}

/**
 * A recipient change is prepared (wrapped, perhaps by a remote service) before
 * the lock is taken; if someone else changed the recipients meanwhile, writing
 * ours would silently undo theirs.
 */
function refuseChangedMaster(core: StoreCore, basedOn: MasterRecord): void {
  if (JSON.stringify(core.keyring.master) !== JSON.stringify(basedOn))
    throw new StrongboxError(
      "E_STORE_LOCKED",
      `the store's recipients changed while this change was being prepared`,
      { hint: "run the command again; it will start from the current recipients" },
    );
}
