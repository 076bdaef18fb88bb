import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import type { AuditEvent } from "../audit/event.js";
import { StrongboxError } from "../errors.js";
import { assertTrustedEntry } from "../security/trusted-path.js";
import { auditedChange, type StoreEvent, type StoreWriter } from "./audited-change.js";
import { type MasterKeyOrigin, wrapperFor } from "./key-wrapper.js";
import { type Keyring, openKeyring, peekKeyring, sealKeyring } from "./keyring.js";
import { readKeyring, unwrapContext } from "./keyring-file.js";
import { followNewKey } from "./known-stores.js";
import {
  checkMark,
  MANIFEST,
  type Mark,
  manifestBytes,
  markCounts,
  markLine,
  readManifest,
  readManifestLines,
} from "./manifest.js";
import {
  fileNameOf,
  nameOfFile,
  openSecretFile,
  type SecretFile,
  sealSecretFile,
  type VersionWire,
} from "./secret-file.js";
import { acquireLock, sweepStoreLeftovers } from "./store-lock.js";
import { auditStoreEvent, KEYRING, now, type StoreOptions } from "./types.js";

/** A secret file as last read: its stat signature, parse, and the values opened so far. */
export interface Cached {
  readonly signature: string;
  readonly file: SecretFile;
  readonly plain: Map<number, Buffer>;
}

/**
 * The state and the primitives every store operation shares: the unlocked
 * keyring and master key, the lock (which is where a writer catches up with
 * the keyring), cached reads checked against the manifest, one-file writes
 * with their manifest marks, and the audit. `Store` (reading and writing
 * secrets) and key-operations.ts (rotate, rewrap, rekey) are built on it;
 * it is not part of the package's API.
 */
export class StoreCore {
  readonly options: StoreOptions;
  keyring: Keyring;
  readonly masterKey: Buffer;
  readonly cache = new Map<string, Cached>();
  marks: { signature: string; marks: Map<string, Mark> | undefined } | undefined;
  /** The keyring file's bytes when this process last read or wrote it (see lock). */
  keyringSeen: Buffer | undefined;
  /** Where this process's master key came from. */
  readonly origin: MasterKeyOrigin;
  constructor(options: StoreOptions, keyring: Keyring, masterKey: Buffer, origin: MasterKeyOrigin) {
    this.options = options;
    this.keyring = keyring;
    this.masterKey = masterKey;
    this.origin = origin;
  }

  /**
   * Completes a rekey's second half, also after a crash: every secret file
   * and the manifest are authenticated under the current integrity key, then
   * the keyring forgets the previous one. Call with the lock held, inside
   * an audited change (see {@link change}).
   */
  finishIntegrityRotation(writer: StoreWriter): void {
    if (this.keyring.previousIntegrityKey === undefined) {
      this.ensureManifest(writer);
      return;
    }
    const counts = new Map<string, number>();
    const names = this.names();
    for (const [index, name] of names.entries()) {
      const file = this.readFresh(name);
      if (file !== undefined) {
        writer.secret(name, sealSecretFile(file, this.keyring));
        counts.set(name, file.versions.length);
      }
      this.options.onProgress?.("re-authenticating", index + 1, names.length);
    }
    writer.manifest(manifestBytes(this.keyring, this.mergedCounts(counts)));
    const { previousIntegrityKey: _previous, ...rest } = this.keyring;
    this.sealKeyring(writer, { ...rest, manifest: true });
    this.cache.clear();
    this.marks = undefined;
  }

  /** Stores written before the manifest existed get one, from their files as they are. */
  ensureManifest(writer: StoreWriter): void {
    if (readManifest(this.options.dir, this.keyring) !== undefined) return;
    writer.manifest(manifestBytes(this.keyring, this.countsFromFiles()));
  }

  /** The manifest's marks, raised to `counts` where a file is ahead (never lowered). */
  mergedCounts(counts: ReadonlyMap<string, number>): Map<string, number> {
    const merged = markCounts(this.freshMarks());
    for (const [name, versions] of counts)
      merged.set(name, Math.max(versions, merged.get(name) ?? 0));
    return merged;
  }

  sealKeyring(writer: StoreWriter, keyring: Keyring, masterKey: Buffer = this.masterKey): void {
    const bytes = sealKeyring(keyring, masterKey, () => this.random(12));
    writer.keyring(bytes);
    this.keyring = keyring;
    this.keyringSeen = bytes;
    if (masterKey !== this.masterKey) masterKey.copy(this.masterKey);
  }

  /**
   * A change to the keyring or to every file (key operations, recipients),
   * through the one audited path: the lock, then `check` (which may refuse
   * while nothing is written), then the record, then leftovers swept and an
   * unfinished rekey finished, then `apply`.
   */
  change<T>(
    event: StoreEvent,
    apply: (writer: StoreWriter) => T,
    options: { readonly secrets: boolean; readonly check?: () => void },
  ): T {
    const release = this.lock();
    try {
      options.check?.();
      return auditedChange(this.options, event, (writer) => {
        sweepStoreLeftovers(this.options.dir, { secrets: options.secrets });
        this.finishIntegrityRotation(writer);
        return apply(writer);
      });
    } finally {
      release();
    }
  }

  withLockedKeyring<T>(
    action: AuditEvent["action"],
    change: (keyring: Keyring) => { keyring: Keyring; result: T },
  ): T {
    return this.change(
      { action, outcome: "ok" },
      (writer) => {
        const { keyring, result } = change(this.keyring);
        this.sealKeyring(writer, { ...keyring, manifest: true });
        return result;
      },
      { secrets: false },
    );
  }

  /**
   * One write of one secret file, with the lock held: the audit record is
   * written first (an access that cannot be recorded does not happen), then
   * the file, then its manifest mark (a crash in between leaves the mark
   * behind the file, which reads fine).
   */
  write(
    name: string,
    action: AuditEvent["action"],
    change: (file: SecretFile) => SecretFile,
  ): number {
    const release = this.lock();
    try {
      const existing = this.readFresh(name);
      if (existing === undefined) this.refuseCaseTwin(name);
      const next = change(existing ?? { name, meta: {}, versions: [] });
      const version = next.versions.length;
      this.commit(name, sealSecretFile(next, this.keyring), version, action);
      return version;
    } finally {
      release();
    }
  }

  /** Writes one secret file and its manifest mark through the audited path; with the lock held. */
  commit(name: string, bytes: Buffer, versions: number, action: AuditEvent["action"]): void {
    const read = readManifestLines(this.options.dir, this.keyring);
    if (read === undefined && this.keyring.manifest === true) throw this.manifestMissing();
    const counts = read === undefined ? this.countsFromFiles() : markCounts(read.marks);
    // A mark only rises after its file, and only falls (resolving a merge) before it, so a
    // reader never sees a mark ahead of the file it describes.
    const lowering = versions < (counts.get(name) ?? 0);
    counts.set(name, versions);
    auditedChange(
      this.options,
      { action, secret: name, version: versions, outcome: "ok" },
      (writer) => {
        if (lowering) writer.manifest(manifestBytes(this.keyring, counts));
        writer.secret(name, bytes);
        this.cache.delete(name);
        if (lowering) return;
        // Appending is the cheap path; rewrite when there is no manifest yet or stale lines pile up.
        if (read === undefined || read.lines > 2 * counts.size + 64)
          writer.manifest(manifestBytes(this.keyring, counts));
        else writer.appendManifest(markLine(this.keyring, name, versions));
      },
    );
  }

  countsFromFiles(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const name of this.names()) {
      const file = this.readFresh(name);
      if (file !== undefined) counts.set(name, file.versions.length);
    }
    return counts;
  }

  refuseCaseTwin(name: string): void {
    const twin = this.names().find(
      (other) => other !== name && other.toLowerCase() === name.toLowerCase(),
    );
    if (twin !== undefined) {
      throw new StrongboxError(
        "E_STORE_NAME",
        `${name} differs from the existing secret ${twin} only in letter case`,
        { hint: "use the existing name; case-insensitive file systems cannot hold both" },
      );
    }
  }

  /**
   * Takes the store lock, then makes sure this process writes with the
   * keyring as it is now: another process may have rotated, rewrapped or
   * re-keyed since this one opened the store, and writing under a retired
   * data key or a replaced integrity key would produce a file the store then
   * refuses. The keyring's bytes decide (a small read; timestamps and inode
   * numbers can hide a rewrite), and it is opened again only when they changed.
   */
  lock(): () => void {
    const release = acquireLock(
      this.options.dir,
      this.options.lockTimeoutMs === undefined ? {} : { timeoutMs: this.options.lockTimeoutMs },
    );
    try {
      const bytes = readKeyring(join(this.options.dir, KEYRING));
      if (this.keyringSeen === undefined || !bytes.equals(this.keyringSeen)) {
        this.keyring = this.reloadKeyring();
        this.keyringSeen = bytes;
      }
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /**
   * Re-reads the keyring. If another process re-keyed the store since this one
   * opened it, the key is read again from where it came from (not possible
   * for a passphrase, which would need asking again).
   */
  reloadKeyring(): Keyring {
    const path = join(this.options.dir, KEYRING);
    const bytes = readKeyring(path);
    try {
      return openKeyring(bytes, this.masterKey, path);
    } catch (error) {
      if (!(error instanceof StrongboxError && error.code === "E_STORE_WRONG_KEY")) throw error;
      const { master } = peekKeyring(bytes, path);
      const wrapper = wrapperFor(master, path);
      if (wrapper.unwrapAgain === undefined)
        // A passphrase would have to be asked again; a recipient's key is unwrapped
        // asynchronously (age, Transit, KMS), which a synchronous write cannot wait for.
        throw new StrongboxError(
          "E_STORE_KEY",
          `the store in ${this.options.dir} was re-keyed by another process since this one opened it`,
          { hint: "open it again (run the command again, or restart the process)" },
        );
      const unlocked = wrapper.unwrapAgain(master, unwrapContext(this.options, bytes));
      // A long-running process follows a new key only as a new open would (known-stores.ts).
      if (master.kind === "recipients") followNewKey(this.options, unlocked.keyring, unlocked.key);
      unlocked.key.copy(this.masterKey);
      return unlocked.keyring;
    }
  }

  /** Runs `read`; if the record needs a data key added since the keyring was loaded, reloads once and retries. */
  withKeyFor<T>(version: VersionWire, read: () => T): T {
    if (version.kid !== undefined && !this.keyring.dataKeys.has(version.kid))
      this.keyring = this.reloadKeyring();
    return read();
  }

  path(name: string): string {
    return join(this.options.dir, "secrets", fileNameOf(name));
  }

  names(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(join(this.options.dir, "secrets"));
    } catch {
      return [];
    }
    return entries.flatMap((entry) => nameOfFile(entry) ?? []).sort();
  }

  /**
   * The parsed file of `name`, reusing the cached parse while the file is
   * unchanged (same inode, size, mtime), checked against its manifest mark
   * whenever it is read anew.
   */
  load(name: string, wantVersion?: number): Cached | undefined {
    const path = this.path(name);
    let signature: string;
    try {
      const stats = statSync(path, { bigint: true });
      signature = `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        this.checkMarkTwice(name, this.currentMarks()?.get(name), undefined, path);
        return undefined;
      }
      throw error;
    }
    const cached = this.cache.get(name);
    // File systems stamp times coarsely and reuse inode numbers, so a rewritten file can
    // look unchanged; a version the cached copy lacks proves it stale.
    const lacksVersion =
      wantVersion !== undefined && (cached?.file.versions.length ?? 0) < wantVersion;
    if (cached !== undefined && cached.signature === signature && !lacksVersion) return cached;
    // The marks are read after the stat and before the file: a writer renames the file
    // before it appends the mark, so the mark read here is never ahead of the file read next.
    const mark = this.currentMarks()?.get(name);
    const file = this.readFresh(name);
    this.checkMarkTwice(name, mark, file?.versions.length, path);
    if (file === undefined) return undefined;
    const fresh = { signature, file, plain: new Map<number, Buffer>() };
    this.cache.set(name, fresh);
    return fresh;
  }

  /**
   * A mark read before the file may be older than a purge or a conflict
   * resolution that lowered it since; only a disagreement with the manifest
   * as it is now counts.
   */
  checkMarkTwice(
    name: string,
    mark: Mark | undefined,
    versions: number | undefined,
    path: string,
  ): void {
    try {
      checkMark(name, mark, versions, path);
    } catch {
      if (!this.rekeyedElsewhere()) this.marks = undefined;
      checkMark(name, this.currentMarks()?.get(name), versions, path);
    }
  }

  /** The manifest's marks, re-read when the file changed; throws when a store that had one lost it. */
  currentMarks(): Map<string, Mark> | undefined {
    const path = join(this.options.dir, MANIFEST);
    let signature = "none";
    try {
      const stats = statSync(path, { bigint: true });
      signature = `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (this.marks?.signature !== signature) this.marks = { signature, marks: this.freshMarks() };
    return this.marks.marks;
  }

  freshMarks(): Map<string, Mark> | undefined {
    const marks = readManifest(this.options.dir, this.keyring);
    if (marks === undefined && this.keyring.manifest === true) throw this.manifestMissing();
    return marks;
  }

  manifestMissing(): StrongboxError {
    return new StrongboxError(
      "E_STORE_TAMPERED",
      `${join(this.options.dir, MANIFEST)} is missing, though this store keeps one`,
      {
        hint: "restore it from git; without it, a secret file rolled back or deleted by hand goes unnoticed",
      },
    );
  }

  readFresh(name: string): SecretFile | undefined {
    const path = this.path(name);
    let bytes: Buffer;
    assertTrustedEntry(path, "the secret file");
    try {
      bytes = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      return openSecretFile(bytes, this.keyring, name, path);
    } catch (error) {
      // Another process may have re-keyed the store since this one loaded the keyring:
      // the file is then authenticated under an integrity key this process has not seen.
      if (
        error instanceof StrongboxError &&
        error.code === "E_STORE_TAMPERED" &&
        this.rekeyedElsewhere()
      )
        return this.readFresh(name);
      if (error instanceof StrongboxError) throw error;
      throw new StrongboxError("E_STORE_TAMPERED", `${path}: the store file is damaged`, {
        hint: "restore it from git or a backup",
      });
    }
  }

  /** Reloads the keyring; true when its integrity key changed (a rekey by another process). */
  rekeyedElsewhere(): boolean {
    const before = this.keyring.integrityKey;
    this.keyring = this.reloadKeyring();
    if (this.keyring.integrityKey.equals(before)) return false;
    this.cache.clear();
    this.marks = undefined;
    return true;
  }

  stamp(): { createdAt: string; createdBy: string } {
    return { createdAt: now(this.options), createdBy: this.options.actor ?? defaultActor() };
  }

  random(size: number): Buffer {
    return (this.options.random ?? randomBytes)(size);
  }

  audit(event: Omit<AuditEvent, "time" | "pid" | "source">): void {
    auditStoreEvent(this.options, event);
  }
}

function defaultActor(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `uid-${process.getuid?.() ?? "?"}@${hostname()}`;
  }
}
