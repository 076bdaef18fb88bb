import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../audit/event.js";
import { StrongboxError } from "../errors.js";
import { writeKeyFile } from "../security/key-file.js";
import { assertTrusted, assertTrustedEntry } from "../security/trusted-path.js";
import { auditedChange } from "./audited-change.js";
import { StoreCore } from "./core.js";
import { toB64u } from "./encoding.js";
import { endorseEnvironment, endorses, environmentOf } from "./environments.js";
import { hasGivenFingerprints } from "./given-fingerprints.js";
import { type NewMaster, newMaster, wrapperFor } from "./key-wrapper.js";
import {
  type EnvironmentEndorsement,
  type Keyring,
  peekEndorsements,
  peekKeyring,
  sealKeyring,
} from "./keyring.js";
import { keyringReplaced, readKeyring, unwrapContext } from "./keyring-file.js";
import { checkKnownStore, pinNewStore } from "./known-stores.js";
import { descends, lineageId } from "./lineage.js";
import { MANIFEST, manifestBytes } from "./manifest.js";
import { assertRandomKey } from "./master-key.js";
import { isFirstUse } from "./pin-file.js";
import { type Stanza, wrapFor } from "./recipients/stanzas.js";
import { Store } from "./store.js";
import { auditStoreEvent, type InitOptions, KEYRING, now, type StoreOptions } from "./types.js";

const GITIGNORE = ".lock*\n*.tmp-*\n";
/** Lines of the manifest from two branches are both kept; the reader takes the higher mark. */
const GITATTRIBUTES = `${MANIFEST} merge=union\n`;

/**
 * Creates a store: a random store id, a random master key written to the key
 * file (0600) or derived from a passphrase, one data key and the integrity key.
 * Throws `E_STORE_EXISTS` rather than touch an existing store.
 */
export function initStore(
  options: InitOptions & { readonly prepared?: { storeId: Buffer; master: NewMaster } },
): { storeId: string; keyFile?: string } {
  const random = options.random ?? randomBytes;
  refuseExisting(options.dir);
  if (options.recipients !== undefined && options.prepared === undefined)
    throw new StrongboxError("E_USAGE", "a store with recipients is made by initRecipientStore");
  if (options.masterKey !== undefined && options.acceptPatternedKey !== true)
    assertRandomKey(options.masterKey, "the master key given");
  const storeId = options.prepared?.storeId ?? random(16);
  const id = toB64u(storeId);
  const { master, key, keyFile } =
    options.prepared?.master ??
    newMaster(
      options.newPassphrase !== undefined
        ? {
            kind: "passphrase",
            passphrase: options.newPassphrase,
            ...(options.scrypt === undefined ? {} : { scrypt: options.scrypt }),
          }
        : { kind: "key", given: options.masterKey },
      { storeId: id, env: options.env, random },
    );
  const keyring: Keyring = {
    storeId,
    createdAt: now(options),
    master,
    integrityKey: random(32),
    dataKeys: new Map([[1, { key: random(32), createdAt: now(options) }]]),
    active: 1,
    manifest: true,
  };
  // A store made is a store change like any other: recorded before its first file.
  auditedChange(options, { action: "init", outcome: "ok" }, (writer) => {
    writer.storeDirectory();
    if (keyFile !== undefined) writeKeyFile(keyFile, key);
    writer.storeFile(".gitignore", Buffer.from(GITIGNORE));
    writer.storeFile(".gitattributes", Buffer.from(GITATTRIBUTES));
    writer.manifest(manifestBytes(keyring, new Map()));
    writer.keyring(sealKeyring(keyring, key, () => random(12)));
  });
  return keyFile === undefined ? { storeId: id } : { storeId: id, keyFile };
}

/**
 * Creates a store its recipients open (see recipients/): a random master key,
 * wrapped for each recipient before anything is written; no key file. A
 * passphrase recipient takes `newPassphrase`.
 */
export async function initRecipientStore(options: InitOptions): Promise<{
  storeId: string;
  /** For an environment store (`envs/NAME`): whether its root store endorses it now, or why not. */
  endorsement?: { readonly endorsed: boolean; readonly problem?: string };
}> {
  const random = options.random ?? randomBytes;
  refuseExisting(options.dir);
  const recipients = options.recipients ?? [];
  if (recipients.length === 0)
    throw new StrongboxError("E_USAGE", "a store with recipients needs at least one", {
      hint: "give --recipient age1… (strongbox keygen prints yours), transit:MOUNT/KEY or aws-kms:KEY",
    });
  const storeId = random(16);
  const key = random(32);
  const stanzas: Stanza[] = [];
  for (const { recipient, name } of recipients)
    stanzas.push(
      await wrapFor(key, recipient, {
        storeId: toB64u(storeId),
        env: options.env,
        name,
        passphrase: options.newPassphrase,
      }),
    );
  const { recipients: _given, ...rest } = options;
  const made = initStore({
    ...rest,
    prepared: { storeId, master: { master: { kind: "recipients", stanzas }, key } },
  });
  pinNewStore(options.dir, storeId, key, options.env, {
    now: options.now,
    project: options.project,
  });
  const endorsement = await endorseNewEnvironment(options, storeId, key);
  return endorsement === undefined ? made : { ...made, endorsement };
}

function refuseExisting(dir: string): void {
  if (existsSync(join(dir, KEYRING)))
    throw new StrongboxError("E_STORE_EXISTS", `a store already exists in ${dir}`, {
      hint: "use it, or choose another directory with --store",
    });
}

/**
 * Opens a store: the key wrapper the keyring names obtains the master key
 * (`STRONGBOX_MASTER_KEY`, the key file, or the passphrase) and unlocks the
 * keyring. Throws `E_STORE_NOT_FOUND`, `E_STORE_KEY`, `E_STORE_WRONG_KEY`,
 * `E_STORE_FORMAT`, `E_STORE_TAMPERED`, `E_STORE_KEY_ROLLBACK` or `E_STORE_UNTRUSTED`.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  return new Store(await openCore(options));
}

async function openCore(options: StoreOptions): Promise<StoreCore> {
  assertTrusted(options.dir, "the store");
  // Whoever can replace entries in secrets/ can swap files in; a symlink would lead elsewhere.
  assertTrustedEntry(join(options.dir, "secrets"), "the store's secrets directory");
  assertTrusted(join(options.dir, "secrets"), "the store's secrets directory");
  const path = join(options.dir, KEYRING);
  for (let attempt = 1; ; attempt++) {
    const bytes = readKeyring(path);
    try {
      return await unlockCore(options, path, bytes);
    } catch (error) {
      if (!keyringReplaced(path, bytes, error, attempt)) throw error;
    }
  }
}

/** The store unlocked from the keyring `bytes`, checked against this user's pin. */
async function unlockCore(options: StoreOptions, path: string, bytes: Buffer): Promise<StoreCore> {
  const { master } = peekKeyring(bytes, path);
  const unlocked = await wrapperFor(master, path).unwrap(master, unwrapContext(options, bytes));
  // Anyone can wrap a key of their own for a team's public recipients: the key must
  // descend from the one this user trusted (known-stores.ts). Key and passphrase
  // stores need no pin: a replaced keyring does not open with the user's own key.
  if (master.kind === "recipients" && options.knownStore !== false)
    await checkedKnownStore(options, unlocked.keyring, unlocked.key);
  const core = new StoreCore(options, unlocked.keyring, unlocked.key, unlocked.origin);
  // A person trusting an environment store by hand also brings the root's endorsement up to
  // its current key when that key descends from the endorsed one (a rekey the root missed).
  if (master.kind === "recipients" && options.trustNewKeyring === true)
    await endorseCurrentKey(core);
  return core;
}

/**
 * After an environment store's master key moved on (this user's rekey or
 * `recipients rm --env`, or `recipients trust --env` of a re-keyed store):
 * the root store's endorsement moves to the new key, so the copies from
 * before — which a removed recipient holds the key to — are no longer
 * endorsed (an endorsement takes its key and descendants only). Only an
 * endorsement of this store whose key the current one descends from is
 * moved: this never endorses a store the root did not. A root this user
 * cannot open is said in a notice: until one of its recipients runs
 * `strongbox recipients trust --env NAME`, a teammate's first open on a new
 * machine still takes a copy from before the rekey.
 */
export async function endorseCurrentKey(core: StoreCore): Promise<void> {
  const environment = environmentOf(core.options.dir);
  if (environment === undefined || core.keyring.master.kind !== "recipients") return;
  const id = toB64u(core.keyring.storeId);
  const current = lineageId(core.masterKey, core.keyring.storeId);
  // Read without the root's key, only to stay quiet when there is nothing to move: the
  // endorsement itself is changed in the root opened (and authenticated) below.
  let named: Partial<EnvironmentEndorsement> | undefined;
  try {
    named = peekEndorsements(readKeyring(join(environment.root, KEYRING)), environment.root)[
      environment.name
    ];
  } catch {
    named = undefined;
  }
  if (named?.storeId !== id || named.lineage === current) return;
  const { knownStore: _unchecked, trustNewKeyring: _trust, ...options } = core.options;
  let root: StoreCore;
  try {
    // The root is opened with its own pin check: an endorsement goes into the trusted root only.
    root = await openCore({ ...options, dir: environment.root });
  } catch (error) {
    if (!(error instanceof StrongboxError)) throw error;
    core.options.notice?.(
      `the root store in ${environment.root} did not open for you (${error.code}), so its endorsement of environment ${environment.name} still names the key from before this change: until a recipient of the root store runs \`strongbox recipients trust --env ${environment.name}\`, a teammate opening it for the first time on a new machine would still take a copy from before it`,
    );
    return;
  }
  const endorsement = root.keyring.environments?.[environment.name];
  if (
    endorsement === undefined ||
    endorsement.storeId !== id ||
    endorsement.lineage === current ||
    !descends(core.keyring.lineage ?? [], core.keyring.storeId, endorsement.lineage, current)
  )
    return;
  endorseEnvironment(root, environment.name, { storeId: id, lineage: current });
}

/**
 * The known-stores check (known-stores.ts), with its security events in the
 * store's audit: a keyring refused, and a new keyring trusted by hand (who
 * trusted which key). An environment store seen for the first time is asked
 * about its root store's endorsement (environments.ts) first.
 */
async function checkedKnownStore(
  options: StoreOptions,
  keyring: Keyring,
  key: Buffer,
): Promise<void> {
  const record = (event: Pick<AuditEvent, "action" | "outcome" | "code" | "fingerprint">) =>
    auditStoreEvent(options, event);
  // Trusting a keyring changes what this user accepts: recorded before the pin is written.
  if (options.trustNewKeyring === true)
    record({
      action: "keyring-trust",
      outcome: "ok",
      fingerprint: lineageId(key, keyring.storeId),
    });
  try {
    const environment = environmentOf(options.dir);
    const vouch =
      environment !== undefined &&
      options.trustNewKeyring !== true &&
      !hasGivenFingerprints(options.env) &&
      isFirstUse(keyring.storeId, options.env)
        ? await rootEndorsement(options, environment, keyring, key)
        : undefined;
    checkKnownStore(options.dir, keyring, key, options.env, {
      ...(options.trustNewKeyring === true ? { trust: true } : {}),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(environment === undefined ? {} : { environment: environment.name }),
      ...(vouch?.endorsed === true ? { endorsed: true } : {}),
      ...(vouch?.problem === undefined ? {} : { rootProblem: vouch.problem }),
      ...(options.project === undefined ? {} : { project: options.project }),
      ...(options.notice === undefined ? {} : { notice: options.notice }),
    });
  } catch (error) {
    if (error instanceof StrongboxError && REFUSALS.has(error.code))
      try {
        record({ action: "keyring-check", outcome: "denied", code: error.code });
      } catch {
        // The refusal matters more than its record: the user must see why nothing opened.
      }
    throw error;
  }
}

const REFUSALS = new Set(["E_STORE_TAMPERED", "E_STORE_KEY_ROLLBACK", "E_STORE_UNTRUSTED"]);

/**
 * Whether the root store endorses this environment store, as far as this user
 * can tell: the root opens with their identity (and passes its own pin check)
 * and its keyring names the store's id and key. A root that does not open for
 * them endorses nothing; why is kept for the refusal's message.
 */
async function rootEndorsement(
  options: StoreOptions,
  environment: { readonly root: string; readonly name: string },
  keyring: Keyring,
  key: Buffer,
): Promise<{ readonly endorsed: boolean; readonly problem?: string }> {
  let root: StoreCore;
  try {
    root = await openCore({ ...options, dir: environment.root, trustNewKeyring: false });
  } catch (error) {
    if (!(error instanceof StrongboxError)) throw error;
    return { endorsed: false, problem: `${error.code}: ${error.message}` };
  }
  return {
    endorsed: endorses(root.keyring, environment.name, keyring, lineageId(key, keyring.storeId)),
  };
}

/**
 * After `init --env NAME` made an environment store: the root store, if this
 * user can open it, endorses the new store in its keyring, so teammates take
 * it without a manual step. Returns why not otherwise (a root this user
 * cannot open: teammates then run `strongbox recipients trust --env NAME`).
 */
async function endorseNewEnvironment(
  options: StoreOptions,
  storeId: Buffer,
  key: Buffer,
): Promise<{ readonly endorsed: boolean; readonly problem?: string } | undefined> {
  const environment = environmentOf(options.dir);
  if (environment === undefined) return undefined;
  let root: StoreCore;
  try {
    root = await openCore({ ...options, dir: environment.root });
  } catch (error) {
    if (!(error instanceof StrongboxError)) throw error;
    return { endorsed: false, problem: `${error.code}: ${error.message}` };
  }
  endorseEnvironment(root, environment.name, {
    storeId: toB64u(storeId),
    lineage: lineageId(key, storeId),
  });
  return { endorsed: true };
}
