import { existsSync, readFileSync, renameSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { StrongboxError } from "../errors.js";
import { createFileExclusive, ensurePrivateDir, writeFileAtomic } from "../fs/atomic-write.js";
import { untrustedReason } from "./trusted-path.js";

/**
 * Records a value as secret so no message prints it: redact/registry.ts's
 * `registerSecret`. Handed in because redact sits on security's floor; the
 * parameter is required, so no key is read without being recorded.
 */
export type RecordSecret = (name: string, value: string) => void;

/** Where Strongbox keeps its keys and identities: `$XDG_CONFIG_HOME/strongbox` (`~/.config/strongbox`). */
export function strongboxConfigDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "strongbox");
}

/** The default key file of a store: `$XDG_CONFIG_HOME/strongbox/keys/<store id>.key`. */
export function defaultKeyFile(
  storeId: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return join(strongboxConfigDir(env), "keys", `${storeId}.key`);
}

/** The key file to use: `STRONGBOX_KEY_FILE`, else the default for the store. */
export function keyFilePath(
  storeId: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return env.STRONGBOX_KEY_FILE || defaultKeyFile(storeId, env);
}

/**
 * Reads a 32-byte key written as 64 hex digits or base64 (standard or
 * url-safe, padded or not), recording the text and every form of the key with
 * `record`. Throws `E_STORE_KEY` naming `where`, never echoing the text.
 */
export function parseKeyText(text: string, where: string, record: RecordSecret): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
      ? Buffer.from(
          trimmed.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""),
          "base64url",
        )
      : Buffer.alloc(0);
  record("master-key", trimmed);
  if (key.length === 32)
    for (const form of [key.toString("hex"), key.toString("base64"), key.toString("base64url")])
      record("master-key", form);
  if (key.length !== 32) {
    throw new StrongboxError("E_STORE_KEY", `${where} does not hold a 32-byte master key`, {
      hint: "a master key is 32 random bytes as base64 or 64 hex digits, as written by `strongbox init`",
    });
  }
  return key;
}

/**
 * Reads a key file after checking that only its owner can read or write it, as
 * ssh does for private keys (readPrivateFile). Throws `E_STORE_KEY` with the fix otherwise.
 */
export function readKeyFileWith(path: string, record: RecordSecret): Buffer {
  return parseKeyText(readPrivateFile(path, "key file"), `key file ${path}`, record);
}

/** Writes a key file (0600) in a private directory. */
export function writeKeyFile(path: string, key: Buffer): void {
  ensurePrivateDir(dirname(path));
  writeFileAtomic(path, Buffer.from(formatMasterKey(key)), 0o600);
}

/**
 * Writes a key file only if none exists (see createFileExclusive); false when
 * another process made it first, whose key the caller must then read and use.
 */
export function createKeyFile(path: string, key: Buffer): boolean {
  ensurePrivateDir(dirname(path));
  return createFileExclusive(path, Buffer.from(formatMasterKey(key)), 0o600);
}

/** The text a key file holds. */
export function formatMasterKey(key: Uint8Array): string {
  return `${Buffer.from(key).toString("base64url")}\n`;
}

/**
 * The text of a file holding a key (a master key file, an identities file),
 * after checking that it is the reader's own, readable by its owner only, and
 * reached through no directory or link others control (trusted-path.ts). Throws `E_STORE_KEY` with the fix.
 */
export function readPrivateFile(path: string, what: string): string {
  const stats = statSync(path);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid)
    throw new StrongboxError(
      "E_STORE_KEY",
      `${what} ${path} belongs to another user (uid ${stats.uid})`,
      {
        hint: "a master key must be your own file; whoever owns it can replace it with theirs",
      },
    );
  if ((stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, "0");
    throw new StrongboxError(
      "E_STORE_KEY",
      `${what} ${path} is accessible by other users (mode ${mode})`,
      {
        hint: `run \`chmod 600 ${path}\`; a master key others can read protects nothing`,
      },
    );
  }
  // Every directory and link on the way, real path included (trusted-path.ts): a key file
  // that is a link into a directory others can write to is as replaceable as one in it.
  const problem = untrustedReason(path, what);
  if (problem?.kind === "writable")
    throw new StrongboxError(
      "E_STORE_KEY",
      `${what} ${path} is in ${problem.at}, which others can write to`,
      { hint: `run \`chmod go-w ${problem.at}\`; others could swap the key file there` },
    );
  if (problem !== undefined)
    throw new StrongboxError("E_STORE_KEY", problem.message, { hint: problem.hint });
  return readFileSync(path, "utf8");
}

/** Candidate key files in the order a reader tries them: the file, then an unfinished rekey's. */
export function keyFileCandidates(path: string): string[] {
  return [path, `${path}.new`].filter((candidate) => existsSync(candidate));
}

/** Completes an interrupted rekey: the `.new` key file proved right, so it becomes the key file. */
export function promoteNewKeyFile(path: string): void {
  try {
    renameSync(`${path}.new`, path);
  } catch (error) {
    // another process finished the same promotion first
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
