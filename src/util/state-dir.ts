import { homedir } from "node:os";
import { join } from "node:path";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Strongbox's per-user state directory: `$XDG_STATE_HOME/strongbox`, else
 * `~/.local/state/strongbox`, in the HOME of the environment given (never
 * the running process's), so a caller or test passing its own environment
 * sees only its own files.
 */
export function stateDir(env: Env): string {
  const xdg = env.XDG_STATE_HOME;
  const home = env.HOME;
  const state =
    xdg !== undefined && xdg !== ""
      ? xdg
      : join(home !== undefined && home !== "" ? home : homedir(), ".local", "state");
  return join(state, "strongbox");
}
