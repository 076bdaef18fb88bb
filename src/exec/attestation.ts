import { readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * `strongbox run` tells its child which environment it resolved, so the
 * child's `loadConfig()` can accept values that arrive through the process
 * environment even where the policy (pure Vault mode) refuses that source.
 * A bare flag would let anyone bypass the policy by setting it, so the
 * marker names the live process that resolved: `ENV:PID:START`, where START
 * is that process's start time in clock ticks since boot. The child accepts
 * the marker only when one of its own ancestors has exactly that pid and
 * start time and is Strongbox itself running `run` (startedAsRun: not
 * `npm run start`, whose argv also holds `run`). Setting the variable by hand, in a
 * Dockerfile, a CI variable or a stale shell names no live ancestor; the
 * start time also defeats a recycled pid. On systems without `/proc` nothing
 * can be proven and the child checks its policy as any process does.
 *
 * What this does not stop: a process of the same user that deliberately
 * execs under a live `strongbox run` with edited variables (that user can
 * read the parent's memory anyway; see docs/security.md).
 */
export const MARKER = "STRONGBOX_RESOLVED";

/** The marker this process puts in its child's environment. */
export function attestationFor(environment: string): string {
  return `${environment}:${process.pid}:${startTime(process.pid) ?? 0}`;
}

/**
 * True when `value` was issued for `environment` by a live ancestor of this
 * process that is a `strongbox run`.
 */
export function isAttested(value: string | undefined, environment: string): boolean {
  if (value === undefined) return false;
  const match = /^(.*):(\d+):(\d+)$/.exec(value);
  if (match === null || match[1] !== environment || match[3] === "0") return false;
  const pid = Number(match[2]);
  const start = Number(match[3]);
  let current = process.ppid;
  for (let depth = 0; depth < 32 && current > 1; depth++) {
    const stat = readStat(current);
    if (stat === undefined) return false;
    if (current === pid) return stat.start === start && startedAsRun(pid);
    current = stat.ppid;
  }
  return false;
}

/**
 * True when `pid` is Strongbox itself running its `run` command: the single
 * executable (a program named `strongbox`) or Node running the npm package's
 * CLI (`dist/bundle/strongbox.cjs` of a package named `strongbox`, however
 * it was linked), with `run` as the command word right after the program or
 * script. `npm run start`, `make run` or a script given `run` as an argument
 * are not Strongbox; the ancestor check above only proves the process is
 * alive and an ancestor.
 */
export function startedAsRun(pid: number): boolean {
  let argv: string[];
  let exe: string;
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    exe = realpathSync(`/proc/${pid}/exe`);
  } catch {
    return false;
  }
  if (/^strongbox(\.exe)?$/.test(basename(exe))) return argv[1] === "run";
  if (!/^node(js)?(\d+(\.\d+)*)?$/.test(basename(exe))) return false;
  // node [its options] SCRIPT run …: an option taking a separate value makes the script
  // unrecognisable, which only costs the trust (the child then checks its own policy).
  const script = argv.findIndex((arg, index) => index > 0 && !arg.startsWith("-"));
  return script > 0 && argv[script + 1] === "run" && isStrongboxCli(pid, argv[script] as string);
}

function isStrongboxCli(pid: number, script: string): boolean {
  try {
    const path = realpathSync(resolve(realpathSync(`/proc/${pid}/cwd`), script));
    if (basename(path) !== "strongbox.cjs") return false;
    const manifest = join(dirname(path), "..", "..", "package.json");
    return (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "strongbox";
  } catch {
    return false;
  }
}

function startTime(pid: number): number | undefined {
  return readStat(pid)?.start;
}

/** Fields of `/proc/PID/stat` after the command name, which may itself hold spaces and parentheses. */
function readStat(pid: number): { ppid: number; start: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ": state is field 3, ppid field 4, starttime field 22.
  const ppid = Number(fields[1]);
  const start = Number(fields[19]);
  return Number.isFinite(ppid) && Number.isFinite(start) ? { ppid, start } : undefined;
}
