import { spawn } from "node:child_process";
import { constants } from "node:os";
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
 * FILE`, with `exec` when the text is one command): the variable is shell text, so `code --wait` or a quoted path with
 * spaces works, and the file name is passed as an argument, never spliced
 * into the text. The editor keeps the terminal and gets the caller's
 * environment without Strongbox's credentials (VAULT_TOKEN, the store's
 * passphrase, provider keys: the one credential rule). A program that cannot
 * be started is `E_SPAWN`.
 */
export function startEditor(file: string, options: { env: Env; cwd: string }): RunningEditor {
  const editor = editorOf(options.env);
  // `exec` makes the editor the child itself, so a signal passed on reaches it and its own
  // exit is what is seen; shell text with operators (`a || b`) runs as it is, as git runs it.
  const text = /[;&|\n()`]/.test(editor) ? `${editor} "$@"` : `exec ${editor} "$@"`;
  const child = spawn("/bin/sh", ["-c", text, editor, file], {
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
    child.once("exit", (code, signal) => resolve(signalled(code, signal)));
  });
  return {
    done,
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** A shell's status 128+N for an editor a signal ended (no `exec`) is that signal. */
function signalled(code: number | null, signal: NodeJS.Signals | null): EditorExit {
  if (signal !== null || code === null || code <= 128) return { code, signal };
  const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
  return name === undefined ? { code, signal } : { code: null, signal: name as NodeJS.Signals };
}
