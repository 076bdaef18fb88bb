import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../audit/event.js";
import { ensurePrivateDir, writeFileAtomic, writeFilesAtomic } from "../fs/atomic-write.js";
import { MANIFEST } from "./manifest.js";
import { fileNameOf } from "./secret-file.js";
import { auditStoreEvent, KEYRING, type StoreOptions } from "./types.js";

/** A store change's audit record, before the sink adds time, source and pid. */
export type StoreEvent = Omit<AuditEvent, "time" | "pid" | "source">;

/**
 * The only way to change a store's files (keyring, secret files, manifest,
 * the files `init` lays down). A writer exists only inside
 * {@link auditedChange}, after the change's record is written and fsynced;
 * test/unit/store-writes.test.ts fails the build if any other module writes
 * into a store.
 */
export interface StoreWriter {
  /** Replaces a secret's file (atomically; creates `secrets/` when missing). */
  secret(name: string, bytes: Uint8Array): void;
  /**
   * Replaces several secrets' files as one step: every new file is written
   * and fsynced beside its target before the first is renamed into place, so
   * a failure while writing (a full disk) changes none of them.
   */
  secrets(files: ReadonlyArray<readonly [name: string, bytes: Uint8Array]>): void;
  /** Replaces the keyring. */
  keyring(bytes: Uint8Array): void;
  /** Replaces the manifest. */
  manifest(bytes: Uint8Array): void;
  /** Appends one line to the manifest, fsynced. */
  appendManifest(line: string): void;
  /** A plain file of the store directory (`init`'s `.gitignore`, `.gitattributes`). */
  storeFile(name: ".gitignore" | ".gitattributes", bytes: Uint8Array): void;
  /** Creates the store directory (`init`). */
  storeDirectory(): void;
}

/**
 * Carries out one store change: its audit record first (several records for a
 * change of several secrets, written as one batch), written and fsynced
 * by the store's sink, then `apply` with the only writer of store files. A
 * record that cannot be written throws before any file changes, whatever the
 * change (a secret set, a key rotated, a recipient added, a store made), so
 * no change goes unrecorded. When `apply` fails after the record, a second
 * record with outcome `error` follows when it can.
 *
 * Callers hold the store lock (except `init`, whose store does not exist yet)
 * and do every check that may refuse the change before calling this.
 */
export function auditedChange<T>(
  options: Pick<StoreOptions, "dir" | "audit" | "now">,
  event: StoreEvent | readonly StoreEvent[],
  apply: (writer: StoreWriter) => T,
): T {
  auditStoreEvent(options, event);
  try {
    return apply(writerFor(options.dir));
  } catch (error) {
    try {
      const events: readonly StoreEvent[] = Array.isArray(event) ? event : [event as StoreEvent];
      auditStoreEvent(
        options,
        events.map((one) => ({ ...one, outcome: "error" as const })),
      );
    } catch {
      // the first record stands; the change's own error is what the caller must see
    }
    throw error;
  }
}

function writerFor(dir: string): StoreWriter {
  return {
    secret(name, bytes) {
      ensurePrivateDir(join(dir, "secrets"));
      writeFileAtomic(join(dir, "secrets", fileNameOf(name)), bytes);
    },
    secrets(files) {
      ensurePrivateDir(join(dir, "secrets"));
      writeFilesAtomic(
        files.map(([name, bytes]) => [join(dir, "secrets", fileNameOf(name)), bytes] as const),
      );
    },
    keyring(bytes) {
      writeFileAtomic(join(dir, KEYRING), bytes);
    },
    manifest(bytes) {
      writeFileAtomic(join(dir, MANIFEST), bytes);
    },
    appendManifest(line) {
      const fd = openSync(
        join(dir, MANIFEST),
        constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW,
      );
      try {
        // A last line without its newline (cut off, or torn) must not run into this one.
        const size = fstatSync(fd).size;
        const end = Buffer.alloc(1);
        const cut = size > 0 && readSync(fd, end, 0, 1, size - 1) === 1 && end[0] !== 0x0a;
        writeSync(fd, cut ? `\n${line}` : line);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
    storeFile(name, bytes) {
      writeFileAtomic(join(dir, name), bytes, 0o600);
    },
    storeDirectory() {
      ensurePrivateDir(dir);
      ensurePrivateDir(join(dir, "secrets"));
    },
  };
}
