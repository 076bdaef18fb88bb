import { spawn } from "node:child_process";
import { StrongboxError } from "../errors.js";
import { withoutCredentials } from "../security/credentials.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The editor a person chose: `$VISUAL`, else `$EDITOR`, else `vi` (git's order). */
export function editorOf(env: Env): string {
  for (const name of ["VISUAL", "EDITOR"] as const) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== "") return value;
  }
  return "vi";
}

/** How the editor ended. */
export interface EditorExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running editor: its exit, and a way to pass a signal on to it. */
export interface RunningEditor {
  readonly done: Promise<EditorExit>;
  signal(signal: NodeJS.Signals): void;
}

/**
 * Starts the editor on `file` as git does (`sh -c '$EDITOR "$@"' $EDITOR
 * FILE`): the variable is shell text, so `code --wait` or a quoted path with
 * spaces works, and the file name is passed as an argument, never spliced
 * into the text. The editor keeps the terminal and gets the caller's
 * environment without Strongbox's credentials (VAULT_TOKEN, the store's
 * passphrase, provider keys: the one credential rule). A program that cannot
 * be started is `E_SPAWN`.
 */
export function startEditor(file: string, options: { env: Env; cwd: string }): RunningEditor {
  const editor = editorOf(options.env);
  const child = spawn("/bin/sh", ["-c", `${editor} "$@"`, editor, file], {
    cwd: options.cwd,
    env: withoutCredentials(options.env),
    stdio: "inherit",
  });
  const done = new Promise<EditorExit>((resolve, reject) => {
    child.once("error", (error) =>
      reject(
        new StrongboxError("E_SPAWN", `cannot start the editor: ${error.message}`, {
          hint: "set $VISUAL or $EDITOR to your editor, such as `code --wait` or `nano`",
        }),
      ),
    );
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return {
    done,
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
