/**
 * The encrypted local store as a library: create it, open it, read and write
 * secrets with versions, rotate and re-key. The format is in
 * docs/store-format.md.
 *
 * ```ts
 * import { openStore } from "strongbox/store";
 * const store = await openStore({ dir: ".strongbox", env: process.env });
 * store.set("DB_PASSWORD", Buffer.from(value));
 * ```
 *
 * Every store change is recorded in the audit before it is made, as with the
 * CLI: without an `audit` option the records go where the CLI's would
 * (`STRONGBOX_AUDIT_SINK`, `STRONGBOX_AUDIT_FILE` in `env`, else the user's
 * default log), and a store change whose record cannot be written fails with
 * the store unchanged. `audit: false` records nothing (an explicit opt-out).
 * @packageDocumentation
 */
import type { AuditSink } from "../audit/event.js";
// Hands every provider's credentials to security's rule, which scrubs them from the processes the store starts.
import "../providers/registry.js";
import { openAuditSink } from "../audit/open-sink.js";
import { initStore as initStoreWith, openStore as openStoreWith } from "../store/open.js";
import type { Store } from "../store/store.js";
import type {
  StoreOptions as CoreOptions,
  InitOptions as StoreInitOptions,
} from "../store/types.js";

export { projectStore } from "../project/store.js";
export type { KeyWrapper, MasterKeyOrigin, MasterRequest } from "../store/key-wrapper.js";
export type { SecretMeta, VersionWire } from "../store/secret-file.js";
export type { SecretInfo } from "../store/store.js";
export { Store } from "../store/store.js";

/** Where a store's audit records go, as the library takes it. */
interface LibraryAudit {
  /**
   * The sink for the store's records. Omitted: the CLI's rule (`STRONGBOX_AUDIT_SINK`
   * and `STRONGBOX_AUDIT_FILE` from `env`, relative paths from the working
   * directory, else `$XDG_STATE_HOME/strongbox/audit.jsonl`), where
   * `STRONGBOX_AUDIT_SINK=off` refuses every store change (only a config's
   * `audit.sink: off` turns the audit off, and a library has no config).
   * `false`: no records at all — the caller takes on recording the changes.
   */
  readonly audit?: AuditSink | false | undefined;
}

/** Options of {@link openStore}. */
export type StoreOptions = Omit<CoreOptions, "audit"> & LibraryAudit;
/** Options of {@link initStore}. */
export type InitOptions = Omit<StoreInitOptions, "audit"> & LibraryAudit;

/**
 * Opens a store (see docs/store-format.md); its changes are recorded before
 * they are made, by default in the CLI's audit log.
 */
export function openStore(options: StoreOptions): Promise<Store> {
  return openStoreWith(withAudit(options));
}

/**
 * Creates a store: a random store id and master key (in a key file, unless a
 * passphrase or `masterKey` is given); the `init` record is written first.
 */
export function initStore(options: InitOptions): { storeId: string; keyFile?: string } {
  return initStoreWith(withAudit(options));
}

/** The one place the library's default sink is chosen. */
function withAudit<T extends LibraryAudit & { readonly env: CoreOptions["env"] }>(
  options: T,
): Omit<T, "audit"> & { audit?: AuditSink } {
  const { audit, ...rest } = options;
  if (audit === false) return rest;
  const sink =
    audit ?? openAuditSink({ baseDir: process.cwd(), env: options.env, cwd: process.cwd() });
  return sink === undefined ? rest : { ...rest, audit: sink };
}
