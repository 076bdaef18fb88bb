import { existsSync, readFileSync } from "node:fs";
import { StrongboxError } from "../errors.js";
import type { Cached, StoreCore } from "./core.js";
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
import {
  checkSecretName,
  hasConflictMarkers,
  MAX_VALUE_BYTES,
  openSecretFile,
  openVersion,
  type SecretFile,
  type SecretMeta,
  sealSecretFile,
  sealVersion,
  type VersionWire,
} from "./secret-file.js";
import type { SecretInfo } from "./types.js";

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
    checkSecretName(name);
    const cached = this.#core.load(name, version);
    const wanted = cached === undefined ? undefined : pickVersion(cached.file, version);
    if (cached === undefined || wanted === undefined || wanted.state === "deleted") {
      this.#core.audit({
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
      Date.parse(expires) <= (this.#core.options.now?.() ?? new Date()).getTime()
    ) {
      this.#core.audit({
        action: "read",
        secret: name,
        version: wanted.version,
        outcome: "denied",
      });
      throw new StrongboxError("E_STORE_EXPIRED", `secret ${name} expired at ${expires}`, {
        hint: `set a new value with \`strongbox set ${name}\``,
      });
    }
    let plain = cached.plain.get(wanted.version);
    if (plain === undefined) {
      plain = this.#core.withKeyFor(wanted, () =>
        openVersion(this.#core.keyring, name, wanted, this.#core.path(name)),
      );
      cached.plain.set(wanted.version, plain);
    }
    const digest = this.#core.options.audit?.digest;
    this.#core.audit({
      action: "read",
      secret: name,
      version: wanted.version,
      outcome: "ok",
      ...(digest === undefined ? {} : { valueMac: digest(plain) }),
    });
    return { value: plain, version: wanted.version, meta: cached.file.meta };
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
    checkSecretName(name);
    if (value.length > MAX_VALUE_BYTES) {
      throw new StrongboxError("E_INVALID", `${name}: the value is larger than 1 MiB`, {
        hint: "store large files elsewhere and keep a reference",
      });
    }
    return this.#core.write(name, "write", (file) => {
      if (options.expectedVersion !== undefined && options.expectedVersion !== file.versions.length)
        throw new StrongboxError(
          "E_STORE_CAS",
          `${name}: check-and-set expected version ${options.expectedVersion}, but the store holds ${file.versions.length}`,
          { hint: "someone changed the secret meanwhile; read it again and retry" },
        );
      const version = file.versions.length + 1;
      const record = sealVersion(
        this.#core.keyring,
        name,
        version,
        value,
        this.#core.random(32),
        this.#core.stamp(),
      );
      // An expiry belongs to a value: a new value does not inherit the old one's.
      const { expires: _expired, ...kept } = file.meta;
      return { name, meta: { ...kept, ...meta }, versions: [...file.versions, record] };
    });
  }

  /**
   * Marks `name` deleted with a tombstone version (history kept), or with
   * `purge` destroys every value and the metadata it held. A purge keeps the
   * count: the file is rewritten as tombstones only, one more than the store
   * had written, so the manifest's mark never goes down and an older copy of
   * the file (which has fewer versions) is refused as a rollback, even after
   * the name is set again (its numbering continues past the purge).
   */
  remove(name: string, options: { purge?: boolean } = {}): number | undefined {
    checkSecretName(name);
    if (options.purge === true) {
      const release = this.#core.lock();
      try {
        const mark = this.#core.freshMarks()?.get(name);
        let held = 0;
        try {
          held = this.#core.readFresh(name)?.versions.length ?? 0;
        } catch (error) {
          // A file out of step with its mark (or gone) is what a purge is for; the mark still counts.
          if (!(error instanceof StrongboxError)) throw error;
        }
        const written = Math.max(
          held,
          mark !== undefined && "versions" in mark ? mark.versions : 0,
        );
        if (written === 0 && !existsSync(this.#core.path(name))) throw notFound(name);
        const stamp = this.#core.stamp();
        const versions = Array.from({ length: written + 1 }, (_, index) => ({
          version: index + 1,
          ...stamp,
          state: "deleted" as const,
        }));
        this.#core.commit(
          name,
          sealSecretFile({ name, meta: {}, versions }, this.#core.keyring),
          versions.length,
          "purge",
        );
        return undefined;
      } finally {
        release();
      }
    }
    return this.#core.write(name, "delete", (file) => {
      if (file.versions.length === 0) throw notFound(name);
      return {
        ...file,
        versions: [
          ...file.versions,
          { version: file.versions.length + 1, ...this.#core.stamp(), state: "deleted" as const },
        ],
      };
    });
  }

  /**
   * Destroys older versions of `name` (a rotation's retired values): their
   * ciphertext leaves the file and each becomes a tombstone, so neither a read
   * nor a rollback can reach it. The current version cannot be destroyed this
   * way (`remove` is for that). Returns the versions destroyed.
   */
  destroyVersions(name: string, versions: readonly number[]): number[] {
    checkSecretName(name);
    const destroyed: number[] = [];
    this.#core.write(name, "destroy", (file) => {
      if (file.versions.length === 0) throw notFound(name);
      return {
        ...file,
        versions: file.versions.map((version) => {
          if (!versions.includes(version.version) || version.state === "deleted") return version;
          if (version.version === file.versions.length)
            throw new StrongboxError(
              "E_USAGE",
              `${name}: version ${version.version} is the current one and cannot be destroyed`,
              { hint: "rotate first, or remove the secret" },
            );
          destroyed.push(version.version);
          const { version: number, createdAt, createdBy } = version;
          return { version: number, createdAt, createdBy, state: "deleted" as const };
        }),
      };
    });
    return destroyed;
  }

  /** Makes version `to` current again by copying it into a new version. */
  rollback(name: string, to: number): number {
    checkSecretName(name);
    return this.#core.write(name, "rollback", (file) => {
      const source = file.versions[to - 1];
      if (source === undefined || source.state === "deleted") {
        throw new StrongboxError("E_STORE_NOT_FOUND", `${name} has no live version ${to}`, {
          hint: `see \`strongbox history ${name}\``,
        });
      }
      const plain = this.#core.withKeyFor(source, () =>
        openVersion(this.#core.keyring, name, source, this.#core.path(name)),
      );
      const version = file.versions.length + 1;
      return {
        ...file,
        versions: [
          ...file.versions,
          sealVersion(
            this.#core.keyring,
            name,
            version,
            plain,
            this.#core.random(32),
            this.#core.stamp(),
          ),
        ],
      };
    });
  }

  /** Every version of `name`: number, time, author, state, key. Never a value. */
  history(name: string): readonly Omit<VersionWire, "salt" | "ct">[] {
    checkSecretName(name);
    const cached = this.#core.load(name);
    if (cached === undefined) throw notFound(name);
    return cached.file.versions.map(({ salt: _salt, ct: _ct, ...rest }) => rest);
  }

  /**
   * Every secret's metadata, sorted by name. Reads and authenticates every
   * secret file; one that cannot be read (a merge conflict, tampering) is
   * listed with its problem instead of failing the whole list.
   */
  list(): SecretInfo[] {
    return this.#core.names().flatMap((name): SecretInfo[] => {
      let cached: Cached | undefined;
      try {
        cached = this.#core.load(name);
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
      // Purged (every version a tombstone): nothing left to list.
      if (cached.file.versions.every((version) => version.state === "deleted")) return [];
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
    const usage = new Map([...this.#core.keyring.dataKeys.keys()].map((kid) => [kid, 0]));
    for (const name of this.#core.names()) {
      for (const version of this.#core.load(name)?.file.versions ?? []) {
        if (version.kid !== undefined) usage.set(version.kid, (usage.get(version.kid) ?? 0) + 1);
      }
    }
    return usage;
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
    checkSecretName(name);
    const release = this.#core.lock();
    try {
      const path = this.#core.path(name);
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
      const file = openSecretFile(chosen, this.#core.keyring, name, `${path} (${side})`);
      // Keeping a side with fewer versions than the store wrote (the manifest's mark, or the
      // other side) rolls the secret back to an older, authentic value: a branch carrying an
      // old copy of the file would otherwise win silently. Refused unless asked for by name.
      const other = side === "ours" ? "theirs" : "ours";
      let otherVersions = 0;
      try {
        const text = Buffer.from(conflictSide(bytes.toString("utf8"), other), "utf8");
        otherVersions = openSecretFile(text, this.#core.keyring, name, `${path} (${other})`)
          .versions.length;
      } catch {
        // An unreadable other side vouches for nothing; the mark still does.
      }
      const mark = this.#core.currentMarks()?.get(name);
      const written = Math.max(
        otherVersions,
        mark !== undefined && "versions" in mark ? mark.versions : 0,
      );
      const kept = file.versions.length;
      if (kept < written && options.allowRollback !== true)
        throw new StrongboxError(
          "E_STORE_ROLLBACK",
          `keeping ${side === "ours" ? "our" : "their"} side of ${name} would roll it back: it holds ${kept} version${kept === 1 ? "" : "s"}, but the store wrote ${written}`,
          {
            hint: `keep the side with every version (\`strongbox resolve ${name} --${other}\`), then set the value again if this side's must win; or pass --allow-rollback to keep this older side knowingly`,
          },
        );
      this.#core.commit(name, chosen, file.versions.length, "resolve");
      return file.versions.length;
    } finally {
      release();
    }
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

function pickVersion(file: SecretFile, version: number | undefined): VersionWire | undefined {
  return version === undefined ? file.versions.at(-1) : file.versions[version - 1];
}

function notFound(name: string): StrongboxError {
  return new StrongboxError("E_STORE_NOT_FOUND", `no secret named ${name} in the store`, {
    hint: "see `strongbox list`",
  });
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
