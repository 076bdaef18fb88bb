import { StrongboxError } from "../errors.js";
import { keyFilePath } from "../security/key-file.js";
import { formatError, toB64u } from "./encoding.js";
import { unwrapFromKeyFile } from "./key-file-unwrap.js";
import type { Keyring, MasterRecord } from "./keyring.js";
import {
  checkScryptParams,
  DEFAULT_SCRYPT,
  passphraseKey,
  type ScryptParams,
} from "./master-key.js";

/**
 * The key-wrapping seam. A store's keys (data keys, the integrity key) are
 * wrapped under one master key; a key wrapper is how that master key is
 * obtained: a random key from `STRONGBOX_MASTER_KEY` or a key file, or a
 * passphrase through scrypt. The keyring records which (`master.kind`) and
 * the wrapper reads its own record, so a recipient list, a Vault Transit key
 * or a cloud KMS can be added as one more wrapper without touching the
 * keyring format's other fields or the store.
 */
export interface KeyWrapper {
  readonly kind: string;
  /** Obtains the master key (reading, asking, calling out) and opens the keyring with it. */
  unwrap(master: MasterRecord, ctx: UnwrapContext): Promise<Unwrapped>;
  /**
   * The same without asking anyone, for a store another process re-keyed
   * while this one had it open; absent when that is impossible (a passphrase
   * would have to be asked for again).
   */
  unwrapAgain?(master: MasterRecord, ctx: UnwrapContext): Unwrapped;
}

/** What a wrapper may use to find the key, and how it proves the key right. */
export interface UnwrapContext {
  /** The store directory and its keyring file, for messages. */
  readonly dir: string;
  readonly file: string;
  /** The store id (base64url), which names the default key file. */
  readonly storeId: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly passphrase?: (() => string | Promise<string>) | undefined;
  /** Opens the keyring with a candidate key; throws `E_STORE_WRONG_KEY` for a key of another store. */
  readonly open: (key: Buffer) => Keyring;
}

/** Where the master key came from; shown to people, never the key. */
export type MasterKeyOrigin = "env" | "key-file" | "passphrase" | "recipient";

export interface Unwrapped {
  readonly keyring: Keyring;
  readonly key: Buffer;
  readonly origin: MasterKeyOrigin;
}

/** How `init` and `rekey` protect a new master key. */
export type MasterRequest =
  /** A random key: in a key file (0600), or `given` (from `STRONGBOX_MASTER_KEY`) with no file. */
  | { readonly kind: "key"; readonly given?: Buffer | undefined }
  | { readonly kind: "passphrase"; readonly passphrase: string; readonly scrypt?: ScryptParams };

/** A new master key, its keyring record, and the key file the caller writes before the keyring. */
export interface NewMaster {
  readonly master: MasterRecord;
  readonly key: Buffer;
  readonly keyFile?: string;
}

/** A random master key from `STRONGBOX_MASTER_KEY`, or from the key file (finishing an interrupted rekey). */
const keyFileWrapper: KeyWrapper = {
  kind: "key",
  async unwrap(_master, ctx) {
    return unwrapFromKeyFile(ctx);
  },
  unwrapAgain: (_master, ctx) => unwrapFromKeyFile(ctx),
};

/** A passphrase through scrypt, with the parameters bounded before any work is done. */
const passphraseWrapper: KeyWrapper = {
  kind: "passphrase",
  async unwrap(master, ctx) {
    const params = scryptRecord(master, ctx.file);
    const passphrase = ctx.env.STRONGBOX_PASSPHRASE ?? (await ctx.passphrase?.());
    if (passphrase === undefined)
      throw new StrongboxError(
        "E_STORE_KEY",
        `the store in ${ctx.dir} is protected by a passphrase`,
        {
          hint: "set STRONGBOX_PASSPHRASE, or run the command in a terminal to be asked",
        },
      );
    const key = passphraseKey(passphrase, Buffer.from(params.salt, "base64url"), params);
    return { keyring: ctx.open(key), key, origin: "passphrase" };
  },
};

/**
 * Recipient stores' wrapper, loaded when a store names it (a key-file store's
 * `run` loads none of it). `unwrapAgain` follows only an `unwrap`, which loaded it.
 */
let recipients: KeyWrapper | undefined;
const recipientsWrapper: KeyWrapper = {
  kind: "recipients",
  async unwrap(master, ctx) {
    recipients ??= (await import("./recipients/wrapper.js")).recipientsWrapper;
    return recipients.unwrap(master, ctx);
  },
  unwrapAgain(master, ctx) {
    if (recipients?.unwrapAgain === undefined)
      throw new StrongboxError("E_STORE_KEY", `the store in ${ctx.dir} must be opened again`, {
        hint: "run the command again",
      });
    return recipients.unwrapAgain(master, ctx);
  },
};

const WRAPPERS: ReadonlyMap<string, KeyWrapper> = new Map(
  [keyFileWrapper, passphraseWrapper, recipientsWrapper].map((wrapper) => [wrapper.kind, wrapper]),
);

/**
 * The wrapper a keyring's `master` record names. An unknown kind cannot be
 * told from an altered one before the keyring is authenticated (which needs
 * the key), so it is refused as tampering, saying both possibilities.
 */
export function wrapperFor(master: MasterRecord, file: string): KeyWrapper {
  const wrapper = WRAPPERS.get(master.kind);
  if (wrapper === undefined)
    throw new StrongboxError(
      "E_STORE_TAMPERED",
      `${file}: the master key is protected by "${String(master.kind).slice(0, 40)}", which this version of Strongbox does not know`,
      {
        hint: "if keyring.sbx was not changed by hand, upgrade Strongbox; otherwise restore it from git",
      },
    );
  return wrapper;
}

/** A new master key for `init` or `rekey`, as `request` asks. */
export function newMaster(
  request: MasterRequest,
  ctx: {
    readonly storeId: string;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly random: (size: number) => Buffer;
  },
): NewMaster {
  if (request.kind === "passphrase") {
    const salt = ctx.random(16);
    const params = request.scrypt ?? DEFAULT_SCRYPT;
    return {
      master: { kind: "passphrase", kdf: "scrypt", salt: toB64u(salt), ...params },
      key: passphraseKey(request.passphrase, salt, params),
    };
  }
  if (request.given !== undefined) return { master: { kind: "key" }, key: request.given };
  return {
    master: { kind: "key" },
    key: ctx.random(32),
    keyFile: keyFilePath(ctx.storeId, ctx.env),
  };
}

/** A passphrase record's scrypt parameters, refused when out of bounds (a downgrade or a denial of service). */
function scryptRecord(master: MasterRecord, file: string): ScryptParams & { salt: string } {
  const record = master as MasterRecord & Partial<ScryptParams> & { kdf?: unknown; salt?: unknown };
  const params = { N: Number(record.N), r: Number(record.r), p: Number(record.p) };
  const problem = record.kdf === "scrypt" ? checkScryptParams(params) : "the kdf is not scrypt";
  if (problem !== undefined || typeof record.salt !== "string")
    throw formatError(file, `scrypt parameters refused: ${problem ?? "no salt"}`);
  return { ...params, salt: record.salt };
}
