import { statSync } from "node:fs";
import { dirname } from "node:path";
import { StrongboxError } from "../errors.js";

/**
 * Files Strongbox executes (a config, its compiled cache) or trusts with
 * secrets (the store) must be under the control of the user running it, as
 * OpenSSH demands of `authorized_keys`: owned by this user or root, and not in
 * a directory someone else could swap them in. A directory writable by group
 * or others is acceptable only with the sticky bit (as /tmp has), where
 * nobody can replace another user's entries.
 */
export function assertTrusted(path: string, what: string): void {
  const uid = process.getuid?.();
  if (uid === undefined) return; // no POSIX ownership to check (Windows)
  const stats = statOrUndefined(path);
  if (stats === undefined) return;
  if (stats.uid !== uid && stats.uid !== 0)
    throw unsafe(
      `${what} ${path} belongs to another user (uid ${stats.uid})`,
      `Strongbox only runs or trusts files owned by you or root; if it is yours, \`chown\` it, otherwise remove it`,
    );
  if (stats.isFile() && (stats.mode & 0o022) !== 0)
    throw unsafe(
      `${what} ${path} is writable by ${(stats.mode & 0o002) !== 0 ? "everyone" : "its group"}`,
      `run \`chmod go-w ${path}\``,
    );
  for (let dir = stats.isDirectory() ? path : dirname(path); ; dir = dirname(dir)) {
    const info = statOrUndefined(dir);
    if (info !== undefined && (info.mode & 0o022) !== 0 && (info.mode & 0o1000) === 0)
      throw unsafe(
        `${what} ${path} is inside ${dir}, which ${(info.mode & 0o002) !== 0 ? "everyone" : "its group"} can write to`,
        `anyone who can write there can replace it; run \`chmod go-w ${dir}\` or move the project`,
      );
    if (dirname(dir) === dir) return;
  }
}

/** `statSync`, or undefined where there is nothing (or nothing readable) at `path`. */
export function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function unsafe(message: string, hint: string): StrongboxError {
  return new StrongboxError("E_UNSAFE_PATH", message, { hint });
}
