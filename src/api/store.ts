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
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { AuditSink } from "../audit/event.js";
// Hands every provider's credentials to security's rule, which scrubs them from the processes the store starts.
import "../providers/registry.js";
import { openAuditSink } from "../audit/open-sink.js";
import { ensurePrivateDir, writeFileAtomic } from "../fs/atomic-write.js";
import { rotationIn } from "../lifecycle/status.js";
import { storeProvider } from "../providers/store/index.js";
import { parseRef, refScheme } from "../refs/ref.js";
import type { ConfigSpec } from "../schema/types.js";
import { readPrivateFile } from "../security/key-file.js";
import {
  initRecipientStore as initRecipientStoreWith,
  initStore as initStoreWith,
  openStore as openStoreWith,
} from "../store/open.js";
import { ageIdentitiesIn, newAgeIdentity } from "../store/recipients/age.js";
import { identitiesFile } from "../store/recipients/identities.js";
import type { Store } from "../store/store.js";
import type {
  StoreOptions as CoreOptions,
  InitOptions as StoreInitOptions,
} from "../store/types.js";

export type { StoreRevisionRow } from "../diff/store-revision.js";
export { diffStoreRevision } from "../diff/store-revision.js";
export type { CompletionNames } from "../project/completion-names.js";
export { namesForCompletion } from "../project/completion-names.js";
export { storeSetNotes } from "../project/set-notes.js";
export { checkStoreValue, projectStore } from "../project/store.js";
export type { Scratch } from "../security/scratch-dir.js";
/**
 * A private 0700 directory ($XDG_RUNTIME_DIR/strongbox, else the state
 * directory) holding one 0600 plaintext file while a person edits a secret,
 * read back and removed with everything the editor left beside it.
 */
export { makeScratch, readScratch, removeScratch, scratchBase } from "../security/scratch-dir.js";
export type { KeyWrapper, MasterKeyOrigin, MasterRequest } from "../store/key-wrapper.js";
export { parseMasterKey } from "../store/master-key.js";
export type { Stanza } from "../store/recipients/stanzas.js";
export type { SecretMeta, VersionWire } from "../store/secret-file.js";
export type { SecretEntry, SecretInfo } from "../store/store.js";
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

/**
 * Creates a store its recipients open (age, SSH, transit, KMS or passphrase
 * recipients; no key file), wrapping the master key for each before anything
 * is written. For an environment store, says whether its root store endorses it.
 */
export function initRecipientStore(
  options: InitOptions,
): ReturnType<typeof initRecipientStoreWith> {
  return initRecipientStoreWith(withAudit(options));
}

/** What the schema says of one store secret: the variable reading it, its rotation cadence and expiry. */
export interface SchemaStoreSecret {
  readonly variable: string;
  readonly everyMs?: number;
  readonly expires?: string;
}

/**
 * The store secrets the schema reads (`store://NAME` in any environment,
 * templated references left out), each with its rotation cadence and expiry.
 */
export function storeSecretsInSchema(config: ConfigSpec): Map<string, SchemaStoreSecret> {
  const found = new Map<string, SchemaStoreSecret>();
  for (const [variable, spec] of Object.entries(config.variables)) {
    const refs = typeof spec.ref === "string" ? { "*": spec.ref } : (spec.ref ?? {});
    for (const [environment, text] of Object.entries(refs)) {
      const scheme = refScheme(text);
      if (scheme !== storeProvider.scheme || text.includes("{")) continue;
      const name = parseRef(text, variable).path;
      const everyMs = rotationIn(spec, environment === "*" ? "local" : environment)?.everyMs;
      found.set(name, {
        variable,
        ...(everyMs === undefined || !Number.isFinite(everyMs) ? {} : { everyMs }),
        ...(spec.expires === undefined ? {} : { expires: spec.expires }),
      });
    }
  }
  return found;
}

/** The user's age identity file (`~/.config/strongbox/identities`) and the recipients of the identities in it. */
export function identityRecipients(env: Readonly<Record<string, string | undefined>>): {
  file: string;
  recipients: string[];
} {
  const file = identitiesFile(env);
  const recipients = existsSync(file)
    ? ageIdentitiesIn(readPrivateFile(file, "identity file"), file).map(
        (identity) => identity.recipient,
      )
    : [];
  return { file, recipients };
}

/**
 * Adds a new age X25519 identity to the user's identity file (made 0600 in a
 * private directory when absent; checked as a key file before it is added
 * to) and returns its public recipient. The secret key is never returned.
 */
export async function addIdentity(
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ file: string; recipient: string }> {
  const file = identitiesFile(env);
  const { secret, recipient } = await newAgeIdentity();
  const entry = `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${secret}\n`;
  if (existsSync(file)) {
    readPrivateFile(file, "identity file");
    appendFileSync(file, `${readFileSync(file, "utf8").endsWith("\n") ? "" : "\n"}${entry}`);
  } else {
    ensurePrivateDir(dirname(file));
    writeFileAtomic(file, Buffer.from(entry), 0o600);
  }
  return { file, recipient };
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
