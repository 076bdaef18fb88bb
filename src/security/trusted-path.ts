import { lstatSync, readFileSync, readlinkSync, type Stats, statSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, isAbsolute } from "node:path";
import { StrongboxError } from "../errors.js";
import { hasAccessAcl } from "./acl-probe.js";

/**
 * Files Strongbox executes (a config, its compiled cache, an optional package)
 * or trusts with secrets (the store, a key file) must be under the control of
 * the user running it, as OpenSSH demands of `authorized_keys`: owned by this
 * user or root, and not reached through a directory or link someone else
 * could change. A directory writable by group or others is acceptable only
 * with the sticky bit (as /tmp has), where nobody can replace another user's
 * entries. Group write is fine when the group is the user's own private group
 * (the default of Debian, Ubuntu and Fedora, where the umask is 002): nobody
 * else is in it.
 *
 * The rule holds for the path as the kernel follows it, not only as it is
 * spelled: every directory passed through (the real ones a symbolic link
 * leads into, at any depth of a chain of links, relative or absolute) and
 * every link itself (whose owner can point it elsewhere, even in a sticky
 * directory). A config that is a link into /tmp, or a project whose parent
 * is a link into a directory everyone can write to, is refused.
 */
export function assertTrusted(path: string, what: string): void {
  const problem = untrustedReason(path, what);
  if (problem !== undefined)
    throw new StrongboxError("E_UNSAFE_PATH", problem.message, { hint: problem.hint });
}

/** Why a path fails the ownership rule of {@link assertTrusted}. */
export interface Untrusted {
  /** `owner`: something on the way belongs to another user; `writable`: others can write to it. */
  readonly kind: "owner" | "writable";
  /** The directory, link or file at fault, as the kernel reaches it. */
  readonly at: string;
  readonly message: string;
  readonly hint: string;
}

/**
 * The first reason `path` fails the rule of {@link assertTrusted}, or
 * undefined when it passes, does not exist, or the system has no POSIX
 * ownership (Windows).
 */
export function untrustedReason(path: string, what: string): Untrusted | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const steps = traverse(path);
  if (steps === undefined) return undefined;
  const final = steps[steps.length - 1] as Step;
  const real = final.path === path ? "" : ` (reached as ${final.path})`;
  const named = `${what} ${path}${real}`;
  const foreign = (stats: Stats) => stats.uid !== uid && stats.uid !== 0;
  for (const step of steps) {
    const { stats } = step;
    const isFinal = step === final;
    if (foreign(stats)) {
      const message = isFinal
        ? `${named} belongs to another user (uid ${stats.uid})`
        : step.link
          ? `${named} is reached through the link ${step.path}, which belongs to another user (uid ${stats.uid})`
          : `${named} is inside ${step.path}, which belongs to another user (uid ${stats.uid})`;
      const hint = isFinal
        ? "Strongbox only runs or trusts files owned by you or root; if it is yours, `chown` it, otherwise remove it"
        : `whoever owns ${step.path} can replace what is in it; use a path only you (or root) control`;
      return { kind: "owner", at: step.path, message, hint };
    }
    if (step.link) continue;
    // Who may write matters only where it could replace something: a directory without the
    // sticky bit, or the final file. Asking elsewhere would cost an ACL probe for nothing
    // (/tmp is group-writable by root's private group, and its change time never stands still).
    const sticky = stats.isDirectory() && (stats.mode & 0o1000) !== 0;
    if (sticky || (!stats.isDirectory() && !isFinal)) continue;
    const writable = (stats.mode & writableByOthers(stats.gid, step.path, stats)) !== 0;
    const by = (stats.mode & 0o002) !== 0 ? "everyone" : "its group";
    if (writable)
      return isFinal && !stats.isDirectory()
        ? {
            kind: "writable",
            at: step.path,
            message: `${named} is writable by ${by}`,
            hint: `run \`chmod go-w ${step.path}\``,
          }
        : {
            kind: "writable",
            at: step.path,
            message: `${named} is inside ${step.path}, which ${by} can write to`,
            hint: `anyone who can write there can replace it; run \`chmod go-w ${step.path}\` or move the project`,
          };
  }
  return undefined;
}

interface Step {
  /** The entry, spelled with the real path of its directory. */
  readonly path: string;
  readonly stats: Stats;
  /** A symbolic link, followed after this step. */
  readonly link: boolean;
}

/**
 * Every directory, link and the final entry the kernel passes through to
 * reach `path`, following links as it does (`..` after a link leaves the
 * link's target). Undefined when something on the way is missing or the
 * links loop.
 */
function traverse(path: string): Step[] | undefined {
  const pending = (isAbsolute(path) ? path : `${process.cwd()}/${path}`).split("/");
  const root = lstatOrUndefined("/");
  if (root === undefined) return undefined;
  const steps: Step[] = [{ path: "/", stats: root, link: false }];
  let current = "/";
  for (let links = 0; pending.length > 0; ) {
    const name = pending.shift() as string;
    if (name === "" || name === ".") continue;
    if (name === "..") {
      current = dirname(current);
      continue;
    }
    const next = current === "/" ? `/${name}` : `${current}/${name}`;
    const stats = lstatOrUndefined(next);
    if (stats === undefined) return undefined;
    steps.push({ path: next, stats, link: stats.isSymbolicLink() });
    if (!stats.isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++links > 40) return undefined;
    let target: string;
    try {
      target = readlinkSync(next);
    } catch {
      return undefined;
    }
    pending.unshift(...target.split("/"));
    if (isAbsolute(target)) current = "/";
  }
  // The final entry is where the walk ended (a link to "." or a trailing ".." ends on a directory seen before).
  const last = steps[steps.length - 1] as Step;
  if (last.path !== current || last.link) {
    const stats = lstatOrUndefined(current);
    if (stats === undefined) return undefined;
    steps.push({ path: current, stats, link: false });
  }
  return steps;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
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
  const stats = lstatOrUndefined(path);
  if (stats === undefined) return;
  if (stats.isSymbolicLink())
    throw new StrongboxError("E_UNSAFE_PATH", `${what} ${path} is a symbolic link`, {
      hint: "Strongbox does not follow symlinks inside the store or its state; put the file itself there",
    });
  // The one rule, walked once more: the directories were checked by the caller, but a
  // second copy of the owner and mode test here would drift from it.
  assertTrusted(path, what);
}

/**
 * The write bits that let someone else write: others always, the group unless
 * it is the user's alone. The private-group exception holds only for an entry
 * without an access ACL: with one, the mode's group bits are the ACL's mask,
 * and group write there means some named user or group (`setfacl -m
 * u:1234:rw`) may write. Only a group-writable entry of a private group is
 * asked (a mask without write lets no named entry write), so the one child
 * process this costs is rare. Without `path`, the exception holds (callers
 * that only have a mode).
 */
export function writableByOthers(gid: number, path?: string, stats?: Stats): number {
  if (!isPrivateGroup(gid)) return 0o022;
  if (path === undefined || stats === undefined || (stats.mode & 0o020) === 0) return 0o002;
  return hasAccessAcl(path, stats) === false ? 0o002 : 0o022;
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
