import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import type { AuditEvent, AuditSink } from "../audit/audit.js";
import { StrongboxError } from "../errors.js";
import { ensurePrivateDir, syncDirectory, writeFileAtomic } from "../fs/atomic-write.js";
import { assertTrusted } from "../security/trusted-path.js";
import { toB64u } from "./encoding.js";
import {
  type Keyring,
  type MasterSpec,
  nextKeyId,
  openKeyring,
  peekKeyring,
  sealKeyring,
} from "./keyring.js";
import { acquireLock, sweepLeftovers } from "./lock.js";
import {
  appendMark,
  checkMark,
  MANIFEST,
  type Mark,
  markCounts,
  readManifest,
  readManifestLines,
  writeManifest,
} from "./manifest.js";
import {
  assertRandomKey,
  DEFAULT_SCRYPT,
  formatMasterKey,
  keyFileCandidates,
  keyFilePath,
  type MasterKeyOrigin,
  parseMasterKey,
  passphraseKey,
  promoteNewKeyFile,
  readKeyFile,
  type ScryptParams,
} from "./master-key.js";
import {
  checkSecretName,
  fileNameOf,
  hasConflictMarkers,
  MAX_VALUE_BYTES,
  nameOfFile,
  openSecretFile,
  openVersion,
  type SecretFile,
  type SecretMeta,
  sealSecretFile,
  sealVersion,
  type VersionWire,
} from "./secret-file.js";

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
}

const KEYRING = "keyring.sbx";
const GITIGNORE = ".lock*\n*.tmp-*\n";
/** Lines of the manifest from two branches are both kept; the reader takes the higher mark. */
const GITATTRIBUTES = `${MANIFEST} merge=union\n`;

/**
 * Creates a store: a random store id, a random master key written to the key
 * file (0600) or derived from a passphrase, one data key and the integrity key.
 * Throws `E_STORE_EXISTS` rather than touch an existing store.
 */
export function initStore(options: InitOptions): { storeId: string; keyFile?: string } {
  const random = options.random ?? randomBytes;
  if (existsSync(join(options.dir, KEYRING))) {
    throw new StrongboxError("E_STORE_EXISTS", `a store already exists in ${options.dir}`, {
      hint: "use it, or choose another directory with --store",
    });
  }
  if (options.masterKey !== undefined) assertRandomKey(options.masterKey, "the master key given");
  const storeId = random(16);
  const id = toB64u(storeId);
  const { master, key } =
    options.masterKey === undefined
      ? newMaster(options.newPassphrase, options.scrypt, random)
      : { master: { kind: "key" as const }, key: options.masterKey };
  const keyring: Keyring = {
    storeId,
    createdAt: now(options),
    master,
    integrityKey: random(32),
    dataKeys: new Map([[1, { key: random(32), createdAt: now(options) }]]),
    active: 1,
    manifest: true,
  };
  ensurePrivateDir(options.dir);
  ensurePrivateDir(join(options.dir, "secrets"));
  let keyFile: string | undefined;
  if (master.kind === "key" && options.masterKey === undefined) {
    keyFile = keyFilePath(id, options.env);
    writeKeyFile(keyFile, key);
  }
  writeFileAtomic(join(options.dir, ".gitignore"), Buffer.from(GITIGNORE), 0o600);
  writeFileAtomic(join(options.dir, ".gitattributes"), Buffer.from(GITATTRIBUTES), 0o600);
  writeManifest(options.dir, keyring, new Map());
  writeFileAtomic(
    join(options.dir, KEYRING),
    sealKeyring(keyring, key, () => random(12)),
  );
  return keyFile === undefined ? { storeId: id } : { storeId: id, keyFile };
}

function newMaster(
  passphrase: string | undefined,
  scrypt: ScryptParams | undefined,
  random: (n: number) => Buffer,
): { master: MasterSpec; key: Buffer } {
  if (passphrase === undefined) return { master: { kind: "key" }, key: random(32) };
  const salt = random(16);
  const params = scrypt ?? DEFAULT_SCRYPT;
  return {
    master: { kind: "passphrase", kdf: "scrypt", salt: toB64u(salt), ...params },
    key: passphraseKey(passphrase, salt, params),
  };
}

function writeKeyFile(path: string, key: Buffer): void {
  ensurePrivateDir(join(path, ".."));
  writeFileAtomic(path, Buffer.from(formatMasterKey(key)), 0o600);
}

function now(options: StoreOptions): string {
  return (options.now?.() ?? new Date()).toISOString();
}

/**
 * Opens a store: finds its master key (`STRONGBOX_MASTER_KEY`, the key file, or
 * the passphrase) and unlocks the keyring. Throws `E_STORE_NOT_FOUND`,
 * `E_STORE_KEY`, `E_STORE_WRONG_KEY` or `E_STORE_TAMPERED`.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  assertTrusted(options.dir, "the store");
  const path = join(options.dir, KEYRING);
  const bytes = readKeyring(path);
  const { master } = peekKeyring(bytes, path);
  if (master.kind === "passphrase") {
    const passphrase = options.env.STRONGBOX_PASSPHRASE ?? (await options.passphrase?.());
    if (passphrase === undefined) {
      throw new StrongboxError(
        "E_STORE_KEY",
        `the store in ${options.dir} is protected by a passphrase`,
        {
          hint: "set STRONGBOX_PASSPHRASE, or run the command in a terminal to be asked",
        },
      );
    }
    const key = passphraseKey(passphrase, Buffer.from(master.salt, "base64url"), master);
    return new Store(options, openKeyring(bytes, key, path), key, "passphrase");
  }
  const unlocked = unlockWithKey(options, bytes);
  return new Store(options, unlocked.keyring, unlocked.key, unlocked.origin);
}

/**
 * Opens a key-protected keyring with `STRONGBOX_MASTER_KEY` or the key file
 * (finishing an interrupted rekey by trying `<key file>.new`). Synchronous, so
 * an open store can re-read its key after another process re-keyed it.
 */
function unlockWithKey(
  options: StoreOptions,
  bytes: Buffer,
): { keyring: Keyring; key: Buffer; origin: MasterKeyOrigin } {
  const path = join(options.dir, KEYRING);
  const fromEnv = options.env.STRONGBOX_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== "") {
    const key = parseMasterKey(fromEnv, "STRONGBOX_MASTER_KEY");
    return { keyring: openKeyring(bytes, key, path), key, origin: "env" };
  }
  const keyFile = keyFilePath(toB64u(peekKeyring(bytes, path).storeId), options.env);
  const candidates = keyFileCandidates(keyFile);
  if (candidates.length === 0) {
    throw new StrongboxError("E_STORE_KEY", `no master key for the store in ${options.dir}`, {
      hint: `set STRONGBOX_MASTER_KEY, or put the key file at ${keyFile} (STRONGBOX_KEY_FILE names another)`,
    });
  }
  let lastError: unknown;
  for (const candidate of candidates) {
    const key = readKeyFile(candidate);
    try {
      const keyring = openKeyring(bytes, key, path);
      if (candidate !== keyFile) promoteNewKeyFile(keyFile);
      return { keyring, key, origin: "key-file" };
    } catch (error) {
      lastError = error;
      if (!(error instanceof StrongboxError && error.code === "E_STORE_WRONG_KEY")) throw error;
    }
  }
  throw lastError;
}

function readKeyring(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new StrongboxError(
        "E_STORE_NOT_FOUND",
        `no store at ${join(path, "..")}: ${KEYRING} is missing`,
        { hint: "run `strongbox init` to create one, or point --store at it" },
      );
    }
    throw error;
  }
}

interface Cached {
  readonly signature: string;
  readonly file: SecretFile;
  readonly plain: Map<number, Buffer>;
}

/** An open, unlocked store. Reads take no lock; every write takes the store lock. */
export class Store {
  readonly #options: StoreOptions;
  #keyring: Keyring;
  readonly #masterKey: Buffer;
  readonly #cache = new Map<string, Cached>();
  #marks: { signature: string; marks: Map<string, Mark> | undefined } | undefined;
  /** The keyring file's bytes when this process last read or wrote it (see #lock). */
  #keyringSeen: Buffer | undefined;
  /** Where this process's master key came from. */
  readonly origin: MasterKeyOrigin;

  constructor(options: StoreOptions, keyring: Keyring, masterKey: Buffer, origin: MasterKeyOrigin) {
    this.#options = options;
    this.#keyring = keyring;
    this.#masterKey = masterKey;
    this.origin = origin;
  }

  /** The store id (base64url), which names its default key file. */
  get id(): string {
    return toB64u(this.#keyring.storeId);
  }

  /** The data key new values are encrypted with. */
  get activeKey(): number {
    return this.#keyring.active;
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
    checkSecretName(name);
    const cached = this.#load(name, version);
    const wanted = cached === undefined ? undefined : pickVersion(cached.file, version);
    if (cached === undefined || wanted === undefined || wanted.state === "deleted") {
      this.#audit({
        action: "read",
        secret: name,
        outcome: "missing",
        ...(version === undefined ? {} : { version }),
      });
      return undefined;
    }
    const expires = cached.file.meta.expires;
    if (
      expires !== undefined &&
      Date.parse(expires) <= (this.#options.now?.() ?? new Date()).getTime()
    ) {
      this.#audit({ action: "read", secret: name, version: wanted.version, outcome: "denied" });
      throw new StrongboxError("E_STORE_EXPIRED", `secret ${name} expired at ${expires}`, {
        hint: `set a new value with \`strongbox set ${name}\``,
      });
    }
    let plain = cached.plain.get(wanted.version);
    if (plain === undefined) {
      plain = this.#withKeyFor(wanted, () =>
        openVersion(this.#keyring, name, wanted, this.#path(name)),
      );
      cached.plain.set(wanted.version, plain);
    }
    this.#audit({ action: "read", secret: name, version: wanted.version, outcome: "ok" });
    return { value: plain, version: wanted.version, meta: cached.file.meta };
  }

  /**
   * Stores a new version of `name` (metadata merged into the existing).
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
    checkSecretName(name);
    if (value.length > MAX_VALUE_BYTES) {
      throw new StrongboxError("E_INVALID", `${name}: the value is larger than 1 MiB`, {
        hint: "store large files elsewhere and keep a reference",
      });
    }
    return this.#write(name, "write", (file) => {
      if (options.expectedVersion !== undefined && options.expectedVersion !== file.versions.length)
        throw new StrongboxError(
          "E_STORE_CAS",
          `${name}: check-and-set expected version ${options.expectedVersion}, but the store holds ${file.versions.length}`,
          { hint: "someone changed the secret meanwhile; read it again and retry" },
        );
      const version = file.versions.length + 1;
      const record = sealVersion(
        this.#keyring,
        name,
        version,
        value,
        this.#random(32),
        this.#stamp(),
      );
      return { name, meta: { ...file.meta, ...meta }, versions: [...file.versions, record] };
    });
  }

  /** Marks `name` deleted with a tombstone version (history kept), or with `purge` destroys its file. */
  remove(name: string, options: { purge?: boolean } = {}): number | undefined {
    checkSecretName(name);
    if (options.purge === true) {
      const release = this.#lock();
      try {
        const path = this.#path(name);
        if (!existsSync(path)) throw notFound(name);
        this.#audit({ action: "purge", secret: name, outcome: "ok" });
        // The mark goes first: a crash in between leaves a file without a mark, which reads fine.
        const counts = markCounts(this.#freshMarks());
        counts.delete(name);
        writeManifest(this.#options.dir, this.#keyring, counts);
        unlinkSync(path);
        syncDirectory(join(this.#options.dir, "secrets"));
        this.#cache.delete(name);
        return undefined;
      } finally {
        release();
      }
    }
    return this.#write(name, "delete", (file) => {
      if (file.versions.length === 0) throw notFound(name);
      return {
        ...file,
        versions: [
          ...file.versions,
          { version: file.versions.length + 1, ...this.#stamp(), state: "deleted" as const },
        ],
      };
    });
  }

  /** Makes version `to` current again by copying it into a new version. */
  rollback(name: string, to: number): number {
    checkSecretName(name);
    return this.#write(name, "rollback", (file) => {
      const source = file.versions[to - 1];
      if (source === undefined || source.state === "deleted") {
        throw new StrongboxError("E_STORE_NOT_FOUND", `${name} has no live version ${to}`, {
          hint: `see \`strongbox history ${name}\``,
        });
      }
      const plain = this.#withKeyFor(source, () =>
        openVersion(this.#keyring, name, source, this.#path(name)),
      );
      const version = file.versions.length + 1;
      return {
        ...file,
        versions: [
          ...file.versions,
          sealVersion(this.#keyring, name, version, plain, this.#random(32), this.#stamp()),
        ],
      };
    });
  }

  /** Every version of `name`: number, time, author, state, key. Never a value. */
  history(name: string): readonly Omit<VersionWire, "salt" | "ct">[] {
    checkSecretName(name);
    const cached = this.#load(name);
    if (cached === undefined) throw notFound(name);
    return cached.file.versions.map(({ salt: _salt, ct: _ct, ...rest }) => rest);
  }

  /**
   * Every secret's metadata, sorted by name. Reads and authenticates every
   * secret file; one that cannot be read (a merge conflict, tampering) is
   * listed with its problem instead of failing the whole list.
   */
  list(): SecretInfo[] {
    return this.#names().flatMap((name): SecretInfo[] => {
      let cached: Cached | undefined;
      try {
        cached = this.#load(name);
      } catch (error) {
        if (!(error instanceof StrongboxError)) throw error;
        return [
          {
            name,
            version: 0,
            deleted: false,
            createdAt: "",
            updatedAt: "",
            updatedBy: "",
            kid: undefined,
            meta: {},
            problem: { code: error.code, message: error.message },
          },
        ];
      }
      const latest = cached?.file.versions.at(-1);
      const first = cached?.file.versions[0];
      if (cached === undefined || latest === undefined || first === undefined) return [];
      return [
        {
          name,
          version: latest.version,
          deleted: latest.state === "deleted",
          createdAt: first.createdAt,
          updatedAt: latest.createdAt,
          updatedBy: latest.createdBy,
          kid: latest.kid,
          meta: cached.file.meta,
        },
      ];
    });
  }

  /** How many live records each data key protects, for `list --keys` and rotation decisions. */
  keyUsage(): Map<number, number> {
    const usage = new Map([...this.#keyring.dataKeys.keys()].map((kid) => [kid, 0]));
    for (const name of this.#names()) {
      for (const version of this.#load(name)?.file.versions ?? []) {
        if (version.kid !== undefined) usage.set(version.kid, (usage.get(version.kid) ?? 0) + 1);
      }
    }
    return usage;
  }

  /** Adds a data key and makes it active; old versions stay readable. Returns the new key id. */
  rotateKey(): number {
    return this.#withLockedKeyring("rotate-key", (keyring) => {
      const kid = nextKeyId(keyring);
      const dataKeys = new Map(keyring.dataKeys);
      dataKeys.set(kid, { key: this.#random(32), createdAt: now(this.#options) });
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
  rewrap(): number {
    const release = this.#lock();
    try {
      sweepLeftovers(this.#options.dir, { secrets: true });
      this.#finishIntegrityRotation();
      let count = 0;
      for (const name of this.#names()) {
        const file = this.#readFresh(name);
        if (file === undefined) continue;
        const versions = file.versions.map((version) => {
          if (version.state === "deleted" || version.kid === this.#keyring.active) return version;
          count++;
          const plain = this.#withKeyFor(version, () =>
            openVersion(this.#keyring, name, version, this.#path(name)),
          );
          const { createdAt, createdBy } = version;
          return sealVersion(this.#keyring, name, version.version, plain, this.#random(32), {
            createdAt,
            createdBy,
          });
        });
        writeFileAtomic(this.#path(name), sealSecretFile({ ...file, versions }, this.#keyring));
      }
      const retiredAt = now(this.#options);
      const retiredKeys = new Map(this.#keyring.retiredKeys ?? []);
      for (const [kid, entry] of this.#keyring.dataKeys)
        if (kid !== this.#keyring.active)
          retiredKeys.set(kid, { createdAt: entry.createdAt, retiredAt });
      const active = this.#keyring.dataKeys.get(this.#keyring.active);
      const keyring: Keyring = {
        ...this.#keyring,
        dataKeys: new Map(active === undefined ? [] : [[this.#keyring.active, active]]),
        retiredKeys,
        manifest: true,
      };
      this.#sealKeyring(keyring);
      this.#audit({ action: "rewrap", outcome: "ok" });
      return count;
    } finally {
      release();
    }
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
  rekey(options: { passphrase?: string; scrypt?: ScryptParams } = {}): { keyFile?: string } {
    const random = (size: number) => this.#random(size);
    const { master, key } = newMaster(options.passphrase, options.scrypt, random);
    const keyFile = master.kind === "key" ? keyFilePath(this.id, this.#options.env) : undefined;
    const release = this.#lock();
    try {
      sweepLeftovers(this.#options.dir, { secrets: true });
      this.#finishIntegrityRotation();
      const current = this.#keyring;
      const kid = nextKeyId(current);
      const dataKeys = new Map(current.dataKeys);
      dataKeys.set(kid, { key: random(32), createdAt: now(this.#options) });
      const rotating: Keyring = {
        ...current,
        master,
        dataKeys,
        active: kid,
        integrityKey: random(32),
        previousIntegrityKey: current.integrityKey,
      };
      if (keyFile !== undefined) writeKeyFile(`${keyFile}.new`, key);
      this.#sealKeyring(rotating, key);
      if (keyFile !== undefined) promoteNewKeyFile(keyFile);
      this.#finishIntegrityRotation();
      this.#audit({ action: "rekey", outcome: "ok" });
    } finally {
      release();
    }
    return keyFile === undefined ? {} : { keyFile };
  }

  /**
   * Completes a rekey's second half, also after a crash: every secret file
   * and the manifest are authenticated under the current integrity key, then
   * the keyring forgets the previous one. Call with the lock held.
   */
  #finishIntegrityRotation(): void {
    if (this.#keyring.previousIntegrityKey === undefined) {
      this.#ensureManifest();
      return;
    }
    const counts = new Map<string, number>();
    for (const name of this.#names()) {
      const file = this.#readFresh(name);
      if (file === undefined) continue;
      writeFileAtomic(this.#path(name), sealSecretFile(file, this.#keyring));
      counts.set(name, file.versions.length);
    }
    writeManifest(this.#options.dir, this.#keyring, this.#mergedCounts(counts));
    const { previousIntegrityKey: _previous, ...rest } = this.#keyring;
    this.#sealKeyring({ ...rest, manifest: true });
    this.#cache.clear();
    this.#marks = undefined;
  }

  /** Stores written before the manifest existed get one, from their files as they are. */
  #ensureManifest(): void {
    if (readManifest(this.#options.dir, this.#keyring) !== undefined) return;
    writeManifest(this.#options.dir, this.#keyring, this.#countsFromFiles());
  }

  /** The manifest's marks, raised to `counts` where a file is ahead (never lowered). */
  #mergedCounts(counts: ReadonlyMap<string, number>): Map<string, number> {
    const merged = markCounts(this.#freshMarks());
    for (const [name, versions] of counts)
      merged.set(name, Math.max(versions, merged.get(name) ?? 0));
    return merged;
  }

  #sealKeyring(keyring: Keyring, masterKey: Buffer = this.#masterKey): void {
    const bytes = sealKeyring(keyring, masterKey, () => this.#random(12));
    writeFileAtomic(join(this.#options.dir, KEYRING), bytes);
    this.#keyring = keyring;
    this.#keyringSeen = bytes;
    if (masterKey !== this.#masterKey) masterKey.copy(this.#masterKey);
  }

  #withLockedKeyring<T>(
    action: AuditEvent["action"],
    change: (keyring: Keyring) => { keyring: Keyring; result: T },
  ): T {
    const release = this.#lock();
    try {
      sweepLeftovers(this.#options.dir, { secrets: false });
      this.#finishIntegrityRotation();
      const { keyring, result } = change(this.#keyring);
      this.#sealKeyring({ ...keyring, manifest: true });
      this.#audit({ action, outcome: "ok" });
      return result;
    } finally {
      release();
    }
  }

  /**
   * One write of one secret file, with the lock held: the audit record is
   * written first (an access that cannot be recorded does not happen), then
   * the file, then its manifest mark (a crash in between leaves the mark
   * behind the file, which reads fine).
   */
  #write(
    name: string,
    action: AuditEvent["action"],
    change: (file: SecretFile) => SecretFile,
  ): number {
    const release = this.#lock();
    try {
      const existing = this.#readFresh(name);
      if (existing === undefined) this.#refuseCaseTwin(name);
      const next = change(existing ?? { name, meta: {}, versions: [] });
      const version = next.versions.length;
      this.#commit(name, sealSecretFile(next, this.#keyring), version, action);
      return version;
    } finally {
      release();
    }
  }

  #commit(name: string, bytes: Buffer, versions: number, action: AuditEvent["action"]): void {
    this.#audit({ action, secret: name, version: versions, outcome: "ok" });
    const read = readManifestLines(this.#options.dir, this.#keyring);
    if (read === undefined && this.#keyring.manifest === true) throw this.#manifestMissing();
    const counts = read === undefined ? this.#countsFromFiles() : markCounts(read.marks);
    // A mark only rises after its file, and only falls (resolving a merge) before it, so a
    // reader never sees a mark ahead of the file it describes.
    const lowering = versions < (counts.get(name) ?? 0);
    counts.set(name, versions);
    if (lowering) writeManifest(this.#options.dir, this.#keyring, counts);
    try {
      writeFileAtomic(this.#path(name), bytes);
    } catch (error) {
      try {
        this.#audit({ action, secret: name, version: versions, outcome: "error" });
      } catch {
        // the first record stands; the write error is what the caller must see
      }
      throw error;
    }
    this.#cache.delete(name);
    if (lowering) return;
    // Appending is the cheap path; rewrite when there is no manifest yet or stale lines pile up.
    if (read === undefined || read.lines > 2 * counts.size + 64)
      writeManifest(this.#options.dir, this.#keyring, counts);
    else appendMark(this.#options.dir, this.#keyring, name, versions);
  }

  #countsFromFiles(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const name of this.#names()) {
      const file = this.#readFresh(name);
      if (file !== undefined) counts.set(name, file.versions.length);
    }
    return counts;
  }

  /**
   * Ends a git merge conflict in one secret's file by keeping one side. Both
   * sides are authentic files (the conflict markers only interleave them),
   * so the chosen one is verified like any file and written back as it was.
   */
  resolve(name: string, side: "ours" | "theirs"): number {
    checkSecretName(name);
    const release = this.#lock();
    try {
      const path = this.#path(name);
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch {
        throw notFound(name);
      }
      if (!hasConflictMarkers(bytes))
        throw new StrongboxError("E_USAGE", `secret ${name} has no merge conflict to resolve`, {
          hint: "`strongbox resolve` is for a secret file git left with conflict markers",
        });
      const chosen = Buffer.from(conflictSide(bytes.toString("utf8"), side), "utf8");
      const file = openSecretFile(chosen, this.#keyring, name, `${path} (${side})`);
      this.#commit(name, chosen, file.versions.length, "resolve");
      return file.versions.length;
    } finally {
      release();
    }
  }

  #refuseCaseTwin(name: string): void {
    const twin = this.#names().find(
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
  #lock(): () => void {
    ensurePrivateDir(join(this.#options.dir, "secrets"));
    const release = acquireLock(
      this.#options.dir,
      this.#options.lockTimeoutMs === undefined ? {} : { timeoutMs: this.#options.lockTimeoutMs },
    );
    try {
      const bytes = readKeyring(join(this.#options.dir, KEYRING));
      if (this.#keyringSeen === undefined || !bytes.equals(this.#keyringSeen)) {
        this.#keyring = this.#reloadKeyring();
        this.#keyringSeen = bytes;
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
  #reloadKeyring(): Keyring {
    const path = join(this.#options.dir, KEYRING);
    const bytes = readKeyring(path);
    try {
      return openKeyring(bytes, this.#masterKey, path);
    } catch (error) {
      const rekeyed = error instanceof StrongboxError && error.code === "E_STORE_WRONG_KEY";
      if (!rekeyed || this.origin === "passphrase") throw error;
      const unlocked = unlockWithKey(this.#options, bytes);
      unlocked.key.copy(this.#masterKey);
      return unlocked.keyring;
    }
  }

  /** Runs `read`; if the record needs a data key added since the keyring was loaded, reloads once and retries. */
  #withKeyFor<T>(version: VersionWire, read: () => T): T {
    if (version.kid !== undefined && !this.#keyring.dataKeys.has(version.kid))
      this.#keyring = this.#reloadKeyring();
    return read();
  }

  #path(name: string): string {
    return join(this.#options.dir, "secrets", fileNameOf(name));
  }

  #names(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(join(this.#options.dir, "secrets"));
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
  #load(name: string, wantVersion?: number): Cached | undefined {
    const path = this.#path(name);
    let signature: string;
    try {
      const stats = statSync(path, { bigint: true });
      signature = `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        this.#checkMarkTwice(name, this.#currentMarks()?.get(name), undefined, path);
        return undefined;
      }
      throw error;
    }
    const cached = this.#cache.get(name);
    // File systems stamp times coarsely and reuse inode numbers, so a rewritten file can
    // look unchanged; a version the cached copy lacks proves it stale.
    const lacksVersion =
      wantVersion !== undefined && (cached?.file.versions.length ?? 0) < wantVersion;
    if (cached !== undefined && cached.signature === signature && !lacksVersion) return cached;
    // The marks are read after the stat and before the file: a writer renames the file
    // before it appends the mark, so the mark read here is never ahead of the file read next.
    const mark = this.#currentMarks()?.get(name);
    const file = this.#readFresh(name);
    this.#checkMarkTwice(name, mark, file?.versions.length, path);
    if (file === undefined) return undefined;
    const fresh = { signature, file, plain: new Map<number, Buffer>() };
    this.#cache.set(name, fresh);
    return fresh;
  }

  /**
   * A mark read before the file may be older than a purge or a conflict
   * resolution that lowered it since; only a disagreement with the manifest
   * as it is now counts.
   */
  #checkMarkTwice(
    name: string,
    mark: Mark | undefined,
    versions: number | undefined,
    path: string,
  ): void {
    try {
      checkMark(name, mark, versions, path);
    } catch {
      if (!this.#rekeyedElsewhere()) this.#marks = undefined;
      checkMark(name, this.#currentMarks()?.get(name), versions, path);
    }
  }

  /** The manifest's marks, re-read when the file changed; throws when a store that had one lost it. */
  #currentMarks(): Map<string, Mark> | undefined {
    const path = join(this.#options.dir, MANIFEST);
    let signature = "none";
    try {
      const stats = statSync(path, { bigint: true });
      signature = `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (this.#marks?.signature !== signature)
      this.#marks = { signature, marks: this.#freshMarks() };
    return this.#marks.marks;
  }

  #freshMarks(): Map<string, Mark> | undefined {
    const marks = readManifest(this.#options.dir, this.#keyring);
    if (marks === undefined && this.#keyring.manifest === true) throw this.#manifestMissing();
    return marks;
  }

  #manifestMissing(): StrongboxError {
    return new StrongboxError(
      "E_STORE_TAMPERED",
      `${join(this.#options.dir, MANIFEST)} is missing, though this store keeps one`,
      {
        hint: "restore it from git; without it, a secret file rolled back or deleted by hand goes unnoticed",
      },
    );
  }

  #readFresh(name: string): SecretFile | undefined {
    const path = this.#path(name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      return openSecretFile(bytes, this.#keyring, name, path);
    } catch (error) {
      // Another process may have re-keyed the store since this one loaded the keyring:
      // the file is then authenticated under an integrity key this process has not seen.
      if (
        error instanceof StrongboxError &&
        error.code === "E_STORE_TAMPERED" &&
        this.#rekeyedElsewhere()
      )
        return this.#readFresh(name);
      if (error instanceof StrongboxError) throw error;
      throw new StrongboxError("E_STORE_TAMPERED", `${path}: the store file is damaged`, {
        hint: "restore it from git or a backup",
      });
    }
  }

  /** Reloads the keyring; true when its integrity key changed (a rekey by another process). */
  #rekeyedElsewhere(): boolean {
    const before = this.#keyring.integrityKey;
    this.#keyring = this.#reloadKeyring();
    if (this.#keyring.integrityKey.equals(before)) return false;
    this.#cache.clear();
    this.#marks = undefined;
    return true;
  }

  #stamp(): { createdAt: string; createdBy: string } {
    return { createdAt: now(this.#options), createdBy: this.#options.actor ?? defaultActor() };
  }

  #random(size: number): Buffer {
    return (this.#options.random ?? randomBytes)(size);
  }

  #audit(event: Omit<AuditEvent, "time" | "pid" | "source">): void {
    this.#options.audit?.write([
      { time: now(this.#options), source: "store", pid: process.pid, ...event },
    ]);
  }
}

function pickVersion(file: SecretFile, version: number | undefined): VersionWire | undefined {
  return version === undefined ? file.versions.at(-1) : file.versions[version - 1];
}

function notFound(name: string): StrongboxError {
  return new StrongboxError("E_STORE_NOT_FOUND", `no secret named ${name} in the store`, {
    hint: "see `strongbox list`",
  });
}

function defaultActor(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `uid-${process.getuid?.() ?? "?"}@${hostname()}`;
  }
}

/**
 * One side of a file git left with conflict markers: the lines outside every
 * conflict, plus, inside each, the lines of `side` (the diff3 base section,
 * when present, belongs to neither).
 */
function conflictSide(text: string, side: "ours" | "theirs"): string {
  const out: string[] = [];
  let section: "none" | "ours" | "base" | "theirs" = "none";
  for (const line of text.split("\n")) {
    if (line.startsWith("<<<<<<< ") || line === "<<<<<<<") section = "ours";
    else if (line.startsWith("||||||| ") || line === "|||||||") section = "base";
    else if (line === "=======" && section !== "none") section = "theirs";
    else if ((line.startsWith(">>>>>>> ") || line === ">>>>>>>") && section === "theirs")
      section = "none";
    else if (section === "none" || section === side) out.push(line);
  }
  return out.join("\n");
}
