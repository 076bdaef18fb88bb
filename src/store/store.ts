import { StrongboxError } from "../errors.js";
import { type SecretEntry, setSecrets } from "./batch-write.js";
import { resolveConflict } from "./conflict.js";
import type { StoreCore } from "./core.js";
import { toB64u } from "./encoding.js";
import { rekey, rewrap, rotateKey } from "./key-operations.js";
import type { MasterKeyOrigin } from "./key-wrapper.js";
import { lineageId } from "./lineage.js";
import type { ScryptParams } from "./master-key.js";
import {
  addRecipient,
  listRecipients,
  type RecipientOptions,
  rekeyRecipients,
  removeRecipient,
} from "./recipients/operations.js";
import type { Stanza } from "./recipients/stanzas.js";
import type { SecretMeta, VersionWire } from "./secret-file.js";
import { keyUsage, listSecrets, readSecret, secretHistory } from "./secret-reads.js";
import {
  deleteSecret,
  destroyVersions,
  purgeSecret,
  rollbackSecret,
  setSecret,
} from "./secret-writes.js";
import type { SecretInfo } from "./types.js";

export type { SecretEntry } from "./batch-write.js";
export type { InitOptions, SecretInfo, StoreOptions } from "./types.js";

/**
 * An open, unlocked store: reading and writing secrets. Reads take no lock;
 * every write takes the store lock. Open one with `openStore` (open.ts).
 */
export class Store {
  readonly #core: StoreCore;

  constructor(core: StoreCore) {
    this.#core = core;
  }

  /** Where this process's master key came from. */
  get origin(): MasterKeyOrigin {
    return this.#core.origin;
  }

  /** The store id (base64url), which names its default key file. */
  get id(): string {
    return toB64u(this.#core.keyring.storeId);
  }

  /** The data key new values are encrypted with. */
  get activeKey(): number {
    return this.#core.keyring.active;
  }

  /**
   * The current value of `name`, or a given version. Returns undefined when the
   * secret does not exist or its latest version is a tombstone. Throws
   * `E_STORE_EXPIRED` past its `expires` time.
   */
  get(
    name: string,
    version?: number,
  ): { value: Buffer; version: number; meta: SecretMeta } | undefined {
    return readSecret(this.#core, name, version);
  }

  /**
   * Stores a new version of `name` (metadata merged into the existing, except
   * `expires`, which belongs to the value it was set with).
   * Returns its version number. With `expectedVersion` it is a check-and-set
   * under the store lock: `E_STORE_CAS` unless the current version is that
   * one (0: the secret must not exist yet).
   */
  set(
    name: string,
    value: Uint8Array,
    meta: SecretMeta = {},
    options: { expectedVersion?: number } = {},
  ): number {
    return setSecret(this.#core, name, value, meta, options);
  }

  /**
   * Stores a new version of each of several secrets as one change, whole or
   * not at all: every check runs for every secret first, then the audit
   * records of all are written in one batch, then the files (see
   * batch-write.ts). `meta` applies to each. Returns the new versions, in order.
   */
  setMany(
    entries: readonly SecretEntry[],
    meta: SecretMeta = {},
  ): Array<{ name: string; version: number }> {
    return setSecrets(this.#core, entries, meta);
  }

  /**
   * Marks `name` deleted with a tombstone version (history kept), or with
   * `purge` destroys every value and the metadata it held, keeping the count
   * (see secret-writes.ts purgeSecret).
   */
  remove(name: string, options: { purge?: boolean } = {}): number | undefined {
    if (options.purge !== true) return deleteSecret(this.#core, name);
    purgeSecret(this.#core, name);
    return undefined;
  }

  /**
   * Destroys older versions of `name` (a rotation's retired values): their
   * ciphertext leaves the file and each becomes a tombstone, so neither a read
   * nor a rollback can reach it. The current version cannot be destroyed this
   * way (`remove` is for that). Returns the versions destroyed.
   */
  destroyVersions(name: string, versions: readonly number[]): number[] {
    return destroyVersions(this.#core, name, versions);
  }

  /** Makes version `to` current again by copying it into a new version. */
  rollback(name: string, to: number): number {
    return rollbackSecret(this.#core, name, to);
  }

  /** Every version of `name`: number, time, author, state, key. Never a value. */
  history(name: string): readonly Omit<VersionWire, "salt" | "ct">[] {
    return secretHistory(this.#core, name);
  }

  /**
   * Every secret's metadata, sorted by name. Reads and authenticates every
   * secret file; one that cannot be read (a merge conflict, tampering) is
   * listed with its problem instead of failing the whole list.
   */
  list(): SecretInfo[] {
    return listSecrets(this.#core);
  }

  /** How many live records each data key protects, for `list --keys` and rotation decisions. */
  keyUsage(): Map<number, number> {
    return keyUsage(this.#core);
  }

  /**
   * Ends a git merge conflict in one secret's file by keeping one side. Both
   * sides are authentic files (the conflict markers only interleave them),
   * so the chosen one is verified like any file and written back as it was.
   * A side with fewer versions than the store wrote (its manifest mark, or the
   * other side) is refused with `E_STORE_ROLLBACK` unless `allowRollback`.
   */
  resolve(
    name: string,
    side: "ours" | "theirs",
    options: { readonly allowRollback?: boolean } = {},
  ): number {
    return resolveConflict(this.#core, name, side, options);
  }

  /** Adds a data key and makes it active; old versions stay readable. Returns the new key id. */
  rotateKey(): number {
    return rotateKey(this.#core);
  }

  /** Re-encrypts every live version under the active data key and retires the others (see key-operations.ts). */
  rewrap(): number {
    return rewrap(this.#core);
  }

  /** Changes the master key and revokes the old one (see key-operations.ts). */
  rekey(options: { passphrase?: string; scrypt?: ScryptParams } = {}): { keyFile?: string } {
    if (this.#core.keyring.master.kind === "recipients")
      throw new StrongboxError("E_USAGE", "this store has recipients: use rekeyRecipients()", {
        hint: "strongbox rekey wraps the new key for every recipient",
      });
    return rekey(this.#core, options);
  }

  /** Who can open the store (a store from before recipients: its master key or passphrase). */
  recipients(): Stanza[] {
    return listRecipients(this.#core);
  }

  /**
   * The store's key fingerprint: the public lineage key of its current master
   * key (lineage.ts), safe to publish. A CI job pins it with
   * `STRONGBOX_STORE_FINGERPRINT`; it stays valid across signed rekeys.
   */
  fingerprint(): string {
    return lineageId(this.#core.masterKey, this.#core.keyring.storeId);
  }

  /** Wraps the master key for one more recipient (see recipients/operations.ts). */
  addRecipient(recipient: string, options: RecipientOptions = {}): Promise<Stanza> {
    return addRecipient(this.#core, recipient, options);
  }

  /** Removes a recipient and re-keys; returns the secrets it could read, to rotate. */
  removeRecipient(
    who: string,
    options: RecipientOptions = {},
  ): Promise<{ removed: Stanza; exposed: string[] }> {
    return removeRecipient(this.#core, who, options);
  }

  /** A new master key, wrapped again for every recipient. */
  rekeyRecipients(options: RecipientOptions = {}): Promise<void> {
    return rekeyRecipients(this.#core, options);
  }
}
