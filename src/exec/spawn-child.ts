import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { StrongboxError } from "../errors.js";
import type { Redactor } from "../redact/redactor.js";
import { createRedactingStream } from "../redact/stream.js";

export interface SpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Where the child's output goes. A stream that is a TTY is handed to the child as is. */
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  /** Mask secrets in output that goes to a pipe or file (to a TTY only with `maskTerminal`). */
  readonly redactor?: Redactor | undefined;
  /** Mask output bound for a terminal too; the child then writes to a pipe. */
  readonly maskTerminal?: boolean;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Starts `command` with `env`, stdin passed through. Output bound for a TTY is
 * inherited so the child keeps its terminal; output bound for a pipe or file is
 * piped through the redactor when one is given. `done` settles after the child
 * exits and its output has drained; it rejects with `E_SPAWN` when the command
 * cannot start.
 */
export function spawnChild(options: SpawnOptions): { child: ChildProcess; done: Promise<Exit> } {
  refuseNul(options);
  const maskOut =
    options.redactor !== undefined &&
    (options.stdout.isTTY !== true || options.maskTerminal === true);
  const maskErr =
    options.redactor !== undefined &&
    (options.stderr.isTTY !== true || options.maskTerminal === true);
  const child = spawn(options.command, [...options.args], {
    env: options.env as NodeJS.ProcessEnv,
    cwd: options.cwd,
    stdio: ["inherit", maskOut ? "pipe" : "inherit", maskErr ? "pipe" : "inherit"],
  });
  const drained: Promise<void>[] = [];
  if (maskOut && child.stdout && options.redactor)
    drained.push(pipeMasked(child.stdout, options.stdout, options.redactor));
  if (maskErr && child.stderr && options.redactor)
    drained.push(pipeMasked(child.stderr, options.stderr, options.redactor));
  const done = new Promise<Exit>((resolve, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(spawnError(options.command, error)),
    );
    child.once("exit", (code, signal) => {
      Promise.all(drained).then(
        () => resolve({ code, signal }),
        () => resolve({ code, signal }),
      );
    });
  });
  return { child, done };
}

/**
 * A process's environment and arguments are C strings: a NUL byte cannot be
 * passed (Node refuses with a message quoting the value). Refused here by
 * name, before anything starts.
 */
function refuseNul(options: SpawnOptions): void {
  for (const [name, value] of Object.entries(options.env))
    if (value?.includes("\0") === true || name.includes("\0"))
      throw new StrongboxError(
        "E_SPAWN",
        `${name.replaceAll("\0", "\\0")}: the value holds a NUL byte, which a program's environment cannot carry; ${options.command} was not started`,
        {
          variable: name,
          hint: `remove the NUL byte from ${name}'s value (binary data belongs in a file, or base64-encoded)`,
        },
      );
  for (const [index, arg] of options.args.entries())
    if (arg.includes("\0"))
      throw new StrongboxError(
        "E_SPAWN",
        `argument ${index + 1} of ${options.command} holds a NUL byte, which a program's arguments cannot carry`,
        { hint: "remove the NUL byte from the argument" },
      );
}

function pipeMasked(from: NodeJS.ReadableStream, to: Writable, redactor: Redactor): Promise<void> {
  return new Promise((resolve) => {
    const masking = createRedactingStream(redactor);
    from.pipe(masking).pipe(to, { end: false });
    masking.once("end", () => resolve());
    masking.once("error", () => resolve());
  });
}

function spawnError(command: string, error: NodeJS.ErrnoException): StrongboxError {
  if (error.code === "ENOENT") {
    return new StrongboxError("E_SPAWN", `command not found: ${command}`, {
      hint: "check the command name and PATH",
      cause: error,
    });
  }
  return new StrongboxError("E_SPAWN", `cannot start ${command}: ${error.code ?? "error"}`, {
    hint: error.code === "EACCES" ? "the file is not executable by this user" : "check the command",
    cause: error,
  });
}
