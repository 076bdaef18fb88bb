import { readFileSync } from "node:fs";

/**
 * `strongbox run` tells its child which environment it resolved, so the
 * child's `loadConfig()` can accept values that arrive through the process
 * environment even where the policy (pure Vault mode) refuses that source.
 * A bare flag would let anyone bypass the policy by setting it, so the
 * marker names the live process that resolved: `ENV:PID:START`, where START
 * is that process's start time in clock ticks since boot. The child accepts
 * the marker only when one of its own ancestors has exactly that pid and
 * start time and was started as `… run …`. Setting the variable by hand, in a
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

function startedAsRun(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("run");
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
