import type { ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";

/**
 * A child and everything it starts, as one thing to signal. A command such
 * as `npm run dev` is a tree: npm, a shell, the server that holds the port.
 * Signalling the first process alone leaves the server running with the old
 * environment (and the port), so a child that leads its own process group
 * is signalled as a group: `kill(-pgid)` reaches every process in it.
 */
export interface ChildTree {
  readonly child: ChildProcess;
  /** True when the child was started as the leader of its own process group. */
  readonly grouped: boolean;
}

/** Process groups exist where `kill(-pgid)` does: every platform but Windows. */
export const GROUPS_SUPPORTED = process.platform !== "win32";

/**
 * Sends `signal` to the child's whole group when it leads one, else to the
 * child. Returns false when there was nothing left to signal.
 */
export function signalTree(tree: ChildTree, signal: NodeJS.Signals): boolean {
  const pid = tree.child.pid;
  if (tree.grouped && pid !== undefined) {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }
  if (tree.child.exitCode !== null || tree.child.signalCode !== null) return false;
  return tree.child.kill(signal);
}

/** Whether any process of the child's group (or the child, ungrouped) still exists. */
export function treeAlive(tree: ChildTree): boolean {
  const pid = tree.child.pid;
  if (pid === undefined) return false;
  if (!tree.grouped) return tree.child.exitCode === null && tree.child.signalCode === null;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Stops a child and what it started: SIGTERM to the group, then SIGKILL to
 * the group after `graceMs` if any process of it remains (a server that
 * ignores SIGTERM, an orphan whose parent already left). Resolves once the
 * group is empty, or a short while after the SIGKILL in any case, so a stop
 * is bounded even when the kernel is slow to reap.
 */
export async function stopTree(tree: ChildTree, graceMs: number): Promise<void> {
  if (!signalTree(tree, "SIGTERM")) return;
  if (await emptyWithin(tree, graceMs)) return;
  signalTree(tree, "SIGKILL");
  await emptyWithin(tree, 2000);
}

async function emptyWithin(tree: ChildTree, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (treeAlive(tree)) {
    if (Date.now() >= deadline) return false;
    await new Promise((wake) => setTimeout(wake, 25));
  }
  return true;
}

/**
 * Whether this process has a controlling terminal. A child put in its own
 * process group (Node's `detached`, which is `setsid`) leaves the terminal's
 * session: Ctrl-C, Ctrl-Z and the window size no longer reach it, and it
 * cannot open `/dev/tty` (a password prompt of ssh or sudo). So `run` keeps
 * its child in the terminal's foreground group when there is a terminal,
 * where the terminal itself signals the whole group, and groups it only
 * when there is none (CI, a container, a service manager, a pipe from cron).
 */
export function hasControllingTerminal(): boolean {
  try {
    closeSync(openSync("/dev/tty", "r"));
    return true;
  } catch {
    return false;
  }
}
