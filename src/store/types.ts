import type { AuditEvent, AuditSink } from "../audit/event.js";
import type { ScryptParams } from "./master-key.js";
import type { SecretMeta } from "./secret-file.js";

/** What every store operation needs from the outside world; injected so tests are deterministic. */
export interface StoreOptions {
  /** The store directory, e.g. `.strongbox`. */
  readonly dir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Asked for the passphrase of a passphrase store when `STRONGBOX_PASSPHRASE` is unset (the CLI prompts). */
  readonly passphrase?: () => string | Promise<string>;
  readonly random?: (size: number) => Buffer;
  readonly now?: () => Date;
  /** Recorded as `createdBy` on every version; `user@host` by default. */
  readonly actor?: string;
  readonly audit?: AuditSink | undefined;
  readonly lockTimeoutMs?: number;
  /**
   * Pin a team store's current master key even if it does not descend from
   * the one pinned before (`strongbox recipients trust`, after a person checked).
   */
  readonly trustNewKeyring?: boolean;
  /**
   * False for a copy that is not the store itself (a past revision read by
   * `diff --store-rev`): it is read only, and neither checked against the
   * known stores nor pinned, since its key may be an ancestor of the pinned one.
   */
  readonly knownStore?: boolean;
  /**
   * The project the store belongs to (its config's directory), when its place
   * came from the config: a new store in a project whose store was pinned
   * elsewhere (a moved store path) is not trusted on first use.
   */
  readonly project?: string | undefined;
  /** Told what the user should know without stopping (a team store pinned on first use). */
  readonly notice?: ((message: string) => void) | undefined;
  /** Told how far a whole-store operation (rewrap, rekey) has come: `done` of `total` secret files. */
  readonly onProgress?: (operation: string, done: number, total: number) => void;
}

/** One secret's metadata and version summary, as `list` shows it. Never a value. */
export interface SecretInfo {
  readonly name: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly kid: number | undefined;
  readonly meta: SecretMeta;
  /** Set when the secret cannot be read (a merge conflict, tampering); the others still list. */
  readonly problem?: { readonly code: string; readonly message: string };
}

export interface InitOptions extends StoreOptions {
  /** Protect the store with this passphrase (scrypt) instead of a random key in a key file. */
  readonly newPassphrase?: string;
  readonly scrypt?: ScryptParams;
  /** Use this master key (e.g. from `STRONGBOX_MASTER_KEY`) instead of generating one; no key file is written. */
  readonly masterKey?: Buffer;
  /**
   * Accept a `masterKey` with structure (a sequence, a pattern, printable text), which is
   * otherwise refused (keyStructure in master-key.ts). Only for published test vectors,
   * whose key is deliberately `00 01 … 1f`; the CLI never sets it.
   */
  readonly acceptPatternedKey?: boolean;
  /**
   * Recipients who can open the store (`age1…`, `ssh-ed25519 …`, `transit:MOUNT/KEY`,
   * `aws-kms:KEY`, `passphrase`), each with an optional name; then no key file is written.
   * Only `initRecipientStore` takes them (wrapping is asynchronous).
   */
  readonly recipients?: ReadonlyArray<{ readonly recipient: string; readonly name?: string }>;
}

/** The keyring's file name in the store directory. */
export const KEYRING = "keyring.sbx";

/** The time now as the store records it (ISO 8601), from the injected clock. */
export function now(options: Pick<StoreOptions, "now">): string {
  return (options.now?.() ?? new Date()).toISOString();
}

/**
 * Writes store events to the store's audit sink, if it has one (time, source
 * and pid added); several events go in one batch (one write, one fsync).
 */
export function auditStoreEvent(
  options: Pick<StoreOptions, "audit" | "now">,
  event: StoreEventInput | readonly StoreEventInput[],
): void {
  if (options.audit === undefined) return;
  // Asked only when there is a sink: a store's clock is read once per record written, no more.
  const time = now(options);
  const events: readonly StoreEventInput[] = Array.isArray(event)
    ? event
    : [event as StoreEventInput];
  options.audit.write(events.map((one) => ({ time, source: "store", pid: process.pid, ...one })));
}

type StoreEventInput = Omit<AuditEvent, "time" | "pid" | "source">;
