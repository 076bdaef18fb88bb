import { lstatSync, readFileSync, type Stats, statSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import { StrongboxError } from "../errors.js";

/**
 * Files Strongbox executes (a config, its compiled cache) or trusts with
 * secrets (the store) must be under the control of the user running it, as
 * OpenSSH demands of `authorized_keys`: owned by this user or root, and not in
 * a directory someone else could swap them in. A directory writable by group
 * or others is acceptable only with the sticky bit (as /tmp has), where
 * nobody can replace another user's entries. Group write is fine when the
 * group is the user's own private group (the default of Debian, Ubuntu and
 * Fedora, where the umask is 002): nobody else is in it.
 */
export function assertTrusted(path: string, what: string): void {
  const uid = process.getuid?.();
  if (uid === undefined) return; // no POSIX ownership to check (Windows)
  const stats = statOrUndefined(path);
  if (stats === undefined) return;
  assertOwnAndPrivate(path, what, stats, uid);
  for (let dir = stats.isDirectory() ? path : dirname(path); ; dir = dirname(dir)) {
    const info = statOrUndefined(dir);
    if (
      info !== undefined &&
      (info.mode & writableByOthers(info.gid)) !== 0 &&
      (info.mode & 0o1000) === 0
    )
      throw unsafe(
        `${what} ${path} is inside ${dir}, which ${(info.mode & 0o002) !== 0 ? "everyone" : "its group"} can write to`,
        `anyone who can write there can replace it; run \`chmod go-w ${dir}\` or move the project`,
      );
    if (dirname(dir) === dir) return;
  }
}

/**
 * A file inside a directory already checked with {@link assertTrusted} (a
 * store's keyring, manifest and secret files; the known-stores pin file): the
 * same rule for the file itself, and it must not be a symlink, which could
 * lead anywhere (the directory checks would then speak of the wrong place).
 * Nothing at `path` is fine: the caller decides what a missing file means.
 */
export function assertTrustedEntry(path: string, what: string): void {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch {
    return;
  }
  if (stats.isSymbolicLink())
    throw unsafe(
      `${what} ${path} is a symbolic link`,
      "Strongbox does not follow symlinks inside the store or its state; put the file itself there",
    );
  assertOwnAndPrivate(path, what, stats, uid);
}

/** The one ownership rule: owned by this user or root, and (a file) not writable by anyone else. */
function assertOwnAndPrivate(path: string, what: string, stats: Stats, uid: number): void {
  if (stats.uid !== uid && stats.uid !== 0)
    throw unsafe(
      `${what} ${path} belongs to another user (uid ${stats.uid})`,
      `Strongbox only runs or trusts files owned by you or root; if it is yours, \`chown\` it, otherwise remove it`,
    );
  if (stats.isFile() && (stats.mode & writableByOthers(stats.gid)) !== 0)
    throw unsafe(
      `${what} ${path} is writable by ${(stats.mode & 0o002) !== 0 ? "everyone" : "its group"}`,
      `run \`chmod go-w ${path}\``,
    );
}

/** The write bits that let someone else write: others always, the group unless it is the user's alone. */
export function writableByOthers(gid: number): number {
  return isPrivateGroup(gid) ? 0o002 : 0o022;
}

const privateGroups = new Map<number, boolean>();

/** A group named after the current user, with no listed members, is a user private group. */
function isPrivateGroup(gid: number): boolean {
  const known = privateGroups.get(gid);
  if (known !== undefined) return known;
  let answer = false;
  try {
    const user = userInfo().username;
    for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
      const [name, , id, members] = line.split(":");
      if (Number(id) === gid) {
        answer = name === user && (members ?? "").trim() === "";
        break;
      }
    }
  } catch {
    answer = false;
  }
  privateGroups.set(gid, answer);
  return answer;
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
