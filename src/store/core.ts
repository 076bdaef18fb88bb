import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import type { AuditEvent } from "../audit/event.js";
import { StrongboxError } from "../errors.js";
import { auditedChange, type StoreEvent, type StoreWriter } from "./audited-change.js";
import { countsFromFiles, finishIntegrityRotation } from "./integrity-rotation.js";
import type { MasterKeyOrigin } from "./key-wrapper.js";
import { type Keyring, sealKeyring } from "./keyring.js";
import { lockStore, reloadKeyring } from "./keyring-refresh.js";
import { type Mark, manifestBytes, markCounts, markLine, readManifestLines } from "./manifest.js";
import {
  currentMarks,
  freshMarks,
  loadCached,
  manifestMissing,
  readFresh,
  secretNames,
} from "./secret-cache.js";
import { fileNameOf, type SecretFile, sealSecretFile, type VersionWire } from "./secret-file.js";
import { sweepStoreLeftovers } from "./store-lock.js";
import { auditStoreEvent, now, type StoreOptions } from "./types.js";

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

  /** Completes a rekey's second half (integrity-rotation.ts); with the lock held, in an audited change. */
  finishIntegrityRotation(writer: StoreWriter): void {
    finishIntegrityRotation(this, writer);
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
    if (read === undefined && this.keyring.manifest === true) throw manifestMissing(this);
    const counts = read === undefined ? countsFromFiles(this) : markCounts(read.marks);
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

  /**
   * Writes several secrets' files and their marks as one audited change, with
   * the lock held: one batch of records first, then every file (staged before
   * any is renamed, StoreWriter.secrets), then the manifest rewritten once.
   * Only for new versions: their marks rise, so they follow their files.
   */
  commitMany(
    files: ReadonlyArray<{
      readonly name: string;
      readonly bytes: Buffer;
      readonly versions: number;
    }>,
    action: AuditEvent["action"],
  ): void {
    const read = readManifestLines(this.options.dir, this.keyring);
    if (read === undefined && this.keyring.manifest === true) throw manifestMissing(this);
    const counts = read === undefined ? countsFromFiles(this) : markCounts(read.marks);
    for (const file of files) counts.set(file.name, file.versions);
    auditedChange(
      this.options,
      files.map((file) => ({ action, secret: file.name, version: file.versions, outcome: "ok" })),
      (writer) => {
        writer.secrets(files.map((file) => [file.name, file.bytes] as const));
        for (const file of files) this.cache.delete(file.name);
        writer.manifest(manifestBytes(this.keyring, counts));
      },
    );
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

  /** Takes the store lock and catches up with the keyring as it is now (keyring-refresh.ts). */
  lock(): () => void {
    return lockStore(this);
  }

  /** Runs `read`; if the record needs a data key added since the keyring was loaded, reloads once and retries. */
  withKeyFor<T>(version: VersionWire, read: () => T): T {
    if (version.kid !== undefined && !this.keyring.dataKeys.has(version.kid))
      this.keyring = reloadKeyring(this);
    return read();
  }

  path(name: string): string {
    return join(this.options.dir, "secrets", fileNameOf(name));
  }

  /** The names of the store's secrets, sorted. */
  names(): string[] {
    return secretNames(this);
  }

  /** The parsed file of `name`, cached while unchanged, checked against its mark (secret-cache.ts). */
  load(name: string, wantVersion?: number): Cached | undefined {
    return loadCached(this, name, wantVersion);
  }

  /** The manifest's marks, re-read when the file changed. */
  currentMarks(): Map<string, Mark> | undefined {
    return currentMarks(this);
  }

  /** The manifest's marks as the file holds them now. */
  freshMarks(): Map<string, Mark> | undefined {
    return freshMarks(this);
  }

  /** The secret file of `name` read and authenticated now, without the cache. */
  readFresh(name: string): SecretFile | undefined {
    return readFresh(this, name);
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
