import { lstatSync, readFileSync, readlinkSync, type Stats, statSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, dirname, isAbsolute } from "node:path";
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
  // Every call judges afresh (a store opening again re-walks its directories): the record
  // of an earlier walk is dropped first and replaced only when this one passes.
  const spelled = absoluteSpelling(path);
  judgedDirectories.delete(spelled);
  const { problem, final } = judgePath(path, what);
  if (problem !== undefined)
    throw new StrongboxError("E_UNSAFE_PATH", problem.message, { hint: problem.hint });
  remember(spelled, final);
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
  return judgePath(path, what).problem;
}

/** The walk of `path` judged step by step: the first problem, or where a passing walk ended. */
function judgePath(path: string, what: string): { problem?: Untrusted; final?: Step } {
  const uid = process.getuid?.();
  if (uid === undefined) return {};
  const steps = traverse(path);
  if (steps === undefined) return {};
  const final = steps[steps.length - 1] as Step;
  const real = final.path === path ? "" : ` (reached as ${final.path})`;
  const named = `${what} ${path}${real}`;
  for (const step of steps) {
    const problem = judgeStep(step, step === final, named, uid);
    if (problem !== undefined) return { problem };
  }
  return { final };
}

/**
 * The rule for one thing the kernel passes through: owned by this user or
 * root, and (unless it is a link, or a sticky directory, or a file on the
 * way) not writable by others. `named` is the whole path as the messages
 * speak of it.
 */
function judgeStep(
  step: Step,
  isFinal: boolean,
  named: string,
  uid: number,
): Untrusted | undefined {
  const { stats } = step;
  if (stats.uid !== uid && stats.uid !== 0) {
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
  if (step.link) return undefined;
  // Who may write matters only where it could replace something: a directory without the
  // sticky bit, or the final file. Asking elsewhere would cost an ACL probe for nothing
  // (/tmp is group-writable by root's private group, and its change time never stands still).
  const sticky = stats.isDirectory() && (stats.mode & 0o1000) !== 0;
  if (sticky || (!stats.isDirectory() && !isFinal)) return undefined;
  const writable = (stats.mode & writableByOthers(stats.gid, step.path, stats)) !== 0;
  if (!writable) return undefined;
  const by = (stats.mode & 0o002) !== 0 ? "everyone" : "its group";
  // The final step names itself ("X is writable"), never "X is inside X".
  return isFinal
    ? {
        kind: "writable",
        at: step.path,
        message: `${named} is writable by ${by}`,
        hint: stats.isDirectory()
          ? `anyone who can write there can replace what is in it; run \`chmod go-w ${step.path}\``
          : `run \`chmod go-w ${step.path}\``,
      }
    : {
        kind: "writable",
        at: step.path,
        message: `${named} is inside ${step.path}, which ${by} can write to`,
        hint: `anyone who can write there can replace it; run \`chmod go-w ${step.path}\` or move the project`,
      };
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
 *
 * The rule is the one {@link untrustedReason} applies, without walking the
 * directory's chain again for every file of a store: see {@link directoryJudged}.
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
  const spelled = absoluteSpelling(path);
  const name = basename(spelled);
  const dir = dirname(spelled);
  // The entry's own step of the walk, judged by the same function the walk uses. Anything
  // short of a plain pass (a problem, a name the kernel reads otherwise than `dirname`
  // does) goes to the whole walk, which decides and words the refusal.
  if (
    name !== "" &&
    name !== "." &&
    name !== ".." &&
    !spelled.endsWith("/") &&
    directoryJudged(dir, uid) &&
    judgeStep({ path: spelled, stats, link: false }, true, path, uid) === undefined
  )
    return;
  assertTrusted(path, what);
}

/** A judged directory: where its walk ended, and which directory that was. */
interface Judged {
  readonly real: string;
  readonly dev: number;
  readonly ino: number;
}

/**
 * Directories whose whole walk passed in this process, by the absolute
 * spelling that was walked. The spelling is the key because the walk judged
 * that route (a link on it belongs to this user or root, no directory on it
 * is writable by others): another spelling of the same directory may pass
 * through someone else's link. (dev, ino) says which directory the walk
 * ended in; the real path is kept for the record.
 */
const judgedDirectories = new Map<string, Judged>();

function remember(spelled: string, final: Step | undefined): void {
  if (final === undefined || !final.stats.isDirectory()) return;
  judgedDirectories.set(spelled, { real: final.path, dev: final.stats.dev, ino: final.stats.ino });
}

/**
 * Whether `dir` passes the rule without a new walk: its spelling was walked
 * and passed in this process, it still leads to the same directory (dev,
 * ino), and that directory itself still passes (owner and write bits, read
 * now). What a directory swapped on the way since the walk gains: nothing.
 * To swap anything on the judged route, one must write to a directory of it,
 * and only this user or root could; a swap that leads elsewhere shows as
 * another (dev, ino) and is walked again; a directory recreated with a
 * recycled inode number belongs to whoever made it, which the owner check
 * sees. Not seen until the next walk (the store's next open): this user or
 * root loosening the mode of a directory above, which the whole walk would
 * also only see when it ran.
 */
function directoryJudged(dir: string, uid: number): boolean {
  const judged = judgedDirectories.get(dir);
  if (judged === undefined) return remembered(dir);
  const stats = statOrUndefined(dir);
  if (stats === undefined || stats.dev !== judged.dev || stats.ino !== judged.ino) {
    judgedDirectories.delete(dir);
    return remembered(dir);
  }
  return judgeStep({ path: judged.real, stats, link: false }, true, dir, uid) === undefined;
}

/** Walks `dir` once, remembering it when it passes (the first file of a directory not yet judged). */
function remembered(dir: string): boolean {
  const { problem, final } = judgePath(dir, "the directory");
  if (problem !== undefined || final === undefined || !final.stats.isDirectory()) return false;
  remember(dir, final);
  return true;
}

/** `path` as {@link traverse} starts it: relative to the working directory, not normalised. */
function absoluteSpelling(path: string): string {
  return isAbsolute(path) ? path : `${process.cwd()}/${path}`;
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
