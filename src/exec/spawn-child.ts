import { type ChildProcess, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { StrongboxError } from "../errors.js";
import type { Redactor } from "../redact/redactor.js";
import { createRedactingStream } from "../redact/stream.js";
import { type ChildTree, signalTree, stopTree } from "./process-group.js";

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
  /**
   * Start the child as the leader of its own process group, so a stop reaches
   * everything it started (see process-group.ts for what that costs on a terminal).
   */
  readonly group?: boolean;
}

/** A started child: its exit, and how to stop it with everything it started. */
export interface Started {
  readonly child: ChildProcess;
  readonly tree: ChildTree;
  /** Settles after the child exits and its output drained (or was {@link Started.release}d). */
  readonly done: Promise<Exit>;
  /** SIGTERM to the child's tree, SIGKILL after `graceMs`; resolves when the tree is gone. */
  stop(graceMs: number): Promise<void>;
  /**
   * Stops waiting for output the child's own children still hold open (a
   * process that left the group with the pipe): `done` settles at the exit.
   */
  release(): void;
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
export function spawnChild(options: SpawnOptions): Started {
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
    detached: options.group === true,
  });
  const tree: ChildTree = { child, grouped: options.group === true };
  const drained: Promise<void>[] = [];
  const readerGone = () => signalTree(tree, "SIGPIPE");
  if (maskOut && child.stdout && options.redactor)
    drained.push(pipeMasked(child.stdout, options.stdout, options.redactor, readerGone));
  if (maskErr && child.stderr && options.redactor)
    drained.push(pipeMasked(child.stderr, options.stderr, options.redactor, readerGone));
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const done = new Promise<Exit>((resolve, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(spawnError(options.command, error)),
    );
    child.once("exit", (code, signal) => {
      const settle = () => resolve({ code, signal });
      Promise.race([Promise.all(drained), released]).then(settle, settle);
    });
  });
  return { child, tree, done, stop: (graceMs) => stopTree(tree, graceMs), release };
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

/**
 * Copies a child's output through the redactor. When the reader goes away
 * (`strongbox run … | head -2`: EPIPE), the copy stops and the child's pipe
 * is closed and the child gets SIGPIPE, as it would writing to `head`
 * directly (sent, because a write into Node's socket pair that was closed
 * with unread data fails with ECONNRESET instead); Strongbox then exits with
 * the child's status, quietly.
 */
function pipeMasked(
  from: Readable,
  to: Writable,
  redactor: Redactor,
  readerGone: () => void,
): Promise<void> {
  return new Promise((resolve) => {
    const masking = createRedactingStream(redactor);
    const finish = () => {
      to.off("error", broken);
      resolve();
    };
    const broken = () => {
      readerGone();
      masking.unpipe(to);
      from.unpipe(masking);
      from.destroy();
      masking.destroy();
      finish();
    };
    if (to.destroyed || to.writableEnded) {
      broken();
      return;
    }
    to.on("error", broken);
    from.pipe(masking).pipe(to, { end: false });
    masking.once("end", finish);
    masking.once("error", finish);
    masking.once("close", finish);
  });
}

function spawnError(command: string, error: NodeJS.ErrnoException): StrongboxError {
  if (error.code === "ENOENT") {
    return new StrongboxError("E_SPAWN", `command not found: ${command}`, {
      hint: "check the command name and PATH",
      cause: error,
    });
  }
  // Found but not runnable: 126 by the shells' convention, 127 being "not found".
  if (error.code !== undefined && NOT_EXECUTABLE.has(error.code))
    return new StrongboxError("E_NOT_EXECUTABLE", `cannot execute ${command}: ${error.code}`, {
      hint:
        error.code === "EISDIR"
          ? "it is a directory; name the program inside it"
          : "the file is not executable by this user (chmod +x, or run it through its interpreter)",
      cause: error,
    });
  return new StrongboxError("E_SPAWN", `cannot start ${command}: ${error.code ?? "error"}`, {
    hint: "check the command",
    cause: error,
  });
}

/** What exec answers for a file that exists but cannot be run. */
const NOT_EXECUTABLE: ReadonlySet<string> = new Set(["EACCES", "EPERM", "EISDIR", "ENOEXEC"]);
