import { spawn } from "node:child_process";
import { StrongboxError } from "../errors.js";
import { type ChildTree, GROUPS_SUPPORTED, stopTree } from "../exec/process-group.js";
import { withoutCredentials } from "../security/credentials.js";
import type { AgentState } from "./state.js";

/** How long a stopped child has between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 10_000;

/**
 * Starts the supervised child (`exec.command`), without Strongbox's
 * credentials in its environment, as the leader of its own process group:
 * a restart must stop what the child started too (the server behind `npm
 * start` holds the port and the old values).
 */
export function startChild(state: AgentState): void {
  const { config, options, log } = state;
  if (config.exec === undefined) return;
  const [command, ...args] = config.exec.command;
  if (command === undefined) throw new StrongboxError("E_USAGE", "agent: exec.command is empty");
  const started = spawn(command, args, {
    cwd: options.baseDir,
    stdio: "inherit",
    env: withoutCredentials(options.env),
    detached: GROUPS_SUPPORTED,
  });
  state.child = started;
  log({
    level: "info",
    event: "child-started",
    message: `started ${command} (pid ${started.pid})`,
  });
  started.once("exit", (code, signal) => {
    if (state.child === started)
      log({
        level: "warn",
        event: "child-exited",
        message: `${command} exited (${signal ?? code})`,
      });
  });
}

/**
 * Stops the child and what it started: SIGTERM to its group, SIGKILL after
 * the grace period; waits until none of them is left. Also when the child
 * itself already exited, as what it started may not have.
 */
export async function stopChild(state: AgentState): Promise<void> {
  const running = state.child;
  state.child = undefined;
  if (running === undefined) return;
  const tree: ChildTree = { child: running, grouped: GROUPS_SUPPORTED };
  await stopTree(tree, STOP_GRACE_MS);
}

/** After a change: restarts the child, or sends it the signal `exec.on_change` names. */
export async function onChange(state: AgentState): Promise<void> {
  const exec = state.config.exec;
  if (exec === undefined) return;
  const how = exec.onChange ?? "restart";
  if (how === "restart") {
    await stopChild(state);
    startChild(state);
  } else {
    state.child?.kill(how);
    state.log({ level: "info", event: "child-signalled", message: `sent ${how} to the child` });
  }
}
