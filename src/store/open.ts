import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";
import { ensurePrivateDir, writeFileAtomic } from "../fs/atomic-write.js";
import { assertTrusted } from "../security/trusted-path.js";
import { StoreCore } from "./core.js";
import { toB64u } from "./encoding.js";
import { newMaster, wrapperFor } from "./key-wrapper.js";
import { type Keyring, peekKeyring, sealKeyring } from "./keyring.js";
import { readKeyring, unwrapContext } from "./keyring-file.js";
import { MANIFEST, writeManifest } from "./manifest.js";
import { assertRandomKey, writeKeyFile } from "./master-key.js";
import { Store } from "./store.js";
import { type InitOptions, KEYRING, now, type StoreOptions } from "./types.js";

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
  const { master, key, keyFile } = newMaster(
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
  ensurePrivateDir(options.dir);
  ensurePrivateDir(join(options.dir, "secrets"));
  if (keyFile !== undefined) writeKeyFile(keyFile, key);
  writeFileAtomic(join(options.dir, ".gitignore"), Buffer.from(GITIGNORE), 0o600);
  writeFileAtomic(join(options.dir, ".gitattributes"), Buffer.from(GITATTRIBUTES), 0o600);
  writeManifest(options.dir, keyring, new Map());
  writeFileAtomic(
    join(options.dir, KEYRING),
    sealKeyring(keyring, key, () => random(12)),
  );
  return keyFile === undefined ? { storeId: id } : { storeId: id, keyFile };
}

/**
 * Opens a store: the key wrapper the keyring names obtains the master key
 * (`STRONGBOX_MASTER_KEY`, the key file, or the passphrase) and unlocks the
 * keyring. Throws `E_STORE_NOT_FOUND`, `E_STORE_KEY`, `E_STORE_WRONG_KEY`,
 * `E_STORE_FORMAT` or `E_STORE_TAMPERED`.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  assertTrusted(options.dir, "the store");
  const path = join(options.dir, KEYRING);
  const bytes = readKeyring(path);
  const { master } = peekKeyring(bytes, path);
  const unlocked = await wrapperFor(master, path).unwrap(master, unwrapContext(options, bytes));
  return new Store(new StoreCore(options, unlocked.keyring, unlocked.key, unlocked.origin));
}
