import { spawn } from "node:child_process";
import { StrongboxError } from "../errors.js";
import { withoutCredentials } from "../security/credentials.js";
import type { AgentState } from "./state.js";

/** Starts the supervised child (`exec.command`), without Strongbox's credentials in its environment. */
export function startChild(state: AgentState): void {
  const { config, options, log } = state;
  if (config.exec === undefined) return;
  const [command, ...args] = config.exec.command;
  if (command === undefined) throw new StrongboxError("E_USAGE", "agent: exec.command is empty");
  const started = spawn(command, args, {
    cwd: options.baseDir,
    stdio: "inherit",
    env: withoutCredentials(options.env),
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

/** Stops the child with SIGTERM and waits for it to exit. */
export async function stopChild(state: AgentState): Promise<void> {
  const running = state.child;
  state.child = undefined;
  if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
  await new Promise<void>((done) => {
    running.once("exit", () => done());
    running.kill("SIGTERM");
  });
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
