import { type EditorExit, editorOf, startEditor } from "../../api/exec.js";
import {
  checkStoreValue,
  makeScratch,
  readScratch,
  removeScratch,
  type Scratch,
  type Store,
} from "../../api/store.js";
import { StrongboxError } from "../../errors.js";
import { type Command, type Invocation, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { type CliIo, say, writeJson } from "../io.js";
import { promptLine } from "../prompt.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** Signals that end the edit: passed on to the editor, then nothing is stored. */
const ENDING: readonly NodeJS.Signals[] = ["SIGTERM", "SIGHUP"];
/** Signals a terminal sends the whole foreground group: the editor decides (vim ignores them). */
const FROM_TERMINAL: readonly NodeJS.Signals[] = ["SIGINT", "SIGQUIT"];

/** `strongbox edit NAME`: change a secret in $VISUAL/$EDITOR, as `sops edit` does. */
export const editCommand: Command = {
  name: "edit",
  options: {
    ...STORE_OPTION,
    "allow-empty": { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox edit NAME [options]

Opens secret NAME in your editor ($VISUAL, else $EDITOR, else vi; shell text,
as git runs it: EDITOR="code --wait" works) and stores what you save as a new
version, through the same audited path as \`set\`. A secret that does not
exist yet starts empty.

The value is written, followed by one newline, to a file only you can read
(mode 0600, in a new 0700 directory under $XDG_RUNTIME_DIR/strongbox, or
~/.local/state/strongbox/scratch when $XDG_RUNTIME_DIR is unset or not
yours with mode 0700; never /tmp).
One trailing newline is dropped when it is read back. The directory is
removed afterwards with whatever the editor left in it (swap files), on
success and on failure alike. Nothing is stored when the editor exits with a
non-zero status (vim's :cq) or is ended by a signal, when strongbox gets
SIGTERM or SIGHUP meanwhile, when nothing changed, or when the result is
empty (unless you confirm it at the terminal, or pass --allow-empty). If the
secret changed in the store while you edited, nothing is stored (E_STORE_CAS).

Options:
${STORE_HELP}
      --allow-empty       store an empty result without asking
      --json              print the result as JSON
`,
  async run(invocation, io) {
    const [name, ...extra] = invocation.positionals;
    if (name === undefined || extra.length > 0)
      throw new StrongboxError("E_USAGE", "edit: give exactly one secret name", {
        hint: "strongbox edit NAME",
      });
    const store = await openStoreForCli(invocation, io);
    const current = store.get(name);
    // 0 when it never existed: then the check-and-set means "still does not".
    const expected = current === undefined ? versionsOf(store, name) : current.version;
    const original = current?.value ?? Buffer.alloc(0);
    const edited = await editInScratch(name, Buffer.concat([original, Buffer.from("\n")]), io);
    if (edited.equals(original)) {
      if (invocation.values.json === true) writeJson(io, { name, changed: false });
      else say(io, `strongbox: ${name} unchanged; nothing was stored`);
      return EXIT_OK;
    }
    await confirmEmpty(invocation, io, name, edited);
    return await storeEdited(invocation, io, store, { name, value: edited, expected });
  },
};

/**
 * The one span in which a plaintext file exists: made, edited, read back and
 * removed with the signal handlers on throughout, so no signal finds the
 * file there with Node's default (exit at once, nothing cleaned up). The
 * empty-value prompt, the config load and the store-lock wait come after,
 * with the value in memory only.
 */
async function editInScratch(name: string, initial: Buffer, io: CliIo): Promise<Buffer> {
  const guard = guardSignals();
  try {
    const scratch = makeScratch(io.env, name, initial);
    try {
      return await editValue(name, scratch, io, guard);
    } finally {
      removeScratch(scratch);
    }
  } finally {
    guard.release();
  }
}

/** Runs the editor on the file and returns what it left, one trailing newline dropped. */
async function editValue(
  name: string,
  scratch: Scratch,
  io: CliIo,
  guard: SignalGuard,
): Promise<Buffer> {
  const exit = await guard.supervise(startEditor(scratch.file, { env: io.env, cwd: io.cwd }));
  if (exit.ending !== undefined)
    throw new StrongboxError(
      "E_INTERRUPTED",
      `edit: ${exit.ending} received while editing ${name}; nothing was stored`,
    );
  if (exit.signal !== null)
    throw new StrongboxError(
      "E_INTERRUPTED",
      `edit: the editor was ended by ${exit.signal}; nothing was stored`,
    );
  if (exit.code === 127)
    throw new StrongboxError(
      "E_SPAWN",
      `edit: the editor \`${editorOf(io.env)}\` was not found; nothing was stored`,
      { hint: "set $VISUAL or $EDITOR to your editor, such as `code --wait` or `nano`" },
    );
  if (exit.code !== 0)
    throw new StrongboxError(
      "E_INTERRUPTED",
      `edit: the editor exited with status ${exit.code}; nothing was stored`,
      {
        hint: "save and quit normally to store the change (a non-zero exit, as vim's :cq, aborts)",
      },
    );
  return stripNewline(readScratch(scratch));
}

type Editor = ReturnType<typeof startEditor>;

interface SignalGuard {
  /** Waits for the editor; SIGTERM and SIGHUP meanwhile are passed on to it and end the edit. */
  supervise(editor: Editor): Promise<EditorExit & { ending?: NodeJS.Signals }>;
  release(): void;
}

/**
 * SIGINT and SIGQUIT, which a terminal sends to the editor as well, are the
 * editor's to act on (git does the same: Ctrl-C in vim must not abort the
 * edit); SIGTERM and SIGHUP are passed on and end the edit. Without these
 * handlers Node would exit at once and leave the file.
 */
function guardSignals(): SignalGuard {
  let editor: Editor | undefined;
  let ending: NodeJS.Signals | undefined;
  const onEnding = (signal: NodeJS.Signals) => {
    ending ??= signal;
    editor?.signal(signal);
  };
  const ignore = () => {};
  for (const signal of ENDING) process.on(signal, onEnding);
  for (const signal of FROM_TERMINAL) process.on(signal, ignore);
  return {
    async supervise(started) {
      editor = started;
      const exit = await started.done;
      return ending === undefined ? exit : { ...exit, ending };
    },
    release() {
      for (const signal of ENDING) process.off(signal, onEnding);
      for (const signal of FROM_TERMINAL) process.off(signal, ignore);
    },
  };
}

/** An empty result is stored only when confirmed: --allow-empty, or `y` at the terminal. */
async function confirmEmpty(
  invocation: Invocation,
  io: CliIo,
  name: string,
  value: Buffer,
): Promise<void> {
  if (value.length > 0 || invocation.values["allow-empty"] === true) return;
  const answer = await promptLine(
    io,
    `strongbox: the new value of ${name} is empty; store it? [y/N] `,
  );
  if (answer !== undefined && ["y", "yes"].includes(answer.trim().toLowerCase())) return;
  throw new StrongboxError(
    "E_USAGE",
    `edit: the new value of ${name} is empty; nothing was stored`,
    {
      hint: "pass --allow-empty to store an empty value on purpose",
    },
  );
}

/** Through the one audited store path, as a check-and-set against the version that was edited. */
async function storeEdited(
  invocation: Invocation,
  io: CliIo,
  store: Store,
  edit: { readonly name: string; readonly value: Buffer; readonly expected: number },
): Promise<number> {
  await checkStoreValue({
    name: edit.name,
    value: edit.value,
    cwd: io.cwd,
    env: io.env,
    configPath: stringOption(invocation, "config"),
  });
  const version = store.set(edit.name, edit.value, {}, { expectedVersion: edit.expected });
  if (invocation.values.json === true) writeJson(io, { name: edit.name, changed: true, version });
  else say(io, `strongbox: stored ${edit.name} version ${version}`);
  return EXIT_OK;
}

/** How many versions a secret whose latest is a tombstone (or that never existed: none) has. */
function versionsOf(store: Store, name: string): number {
  try {
    return store.history(name).length;
  } catch (error) {
    if (error instanceof StrongboxError && error.code === "E_STORE_NOT_FOUND") return NO_VERSIONS;
    throw error;
  }
}

const NO_VERSIONS = 0;

function stripNewline(bytes: Buffer): Buffer {
  const end = bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? -2 : -1) : bytes.length;
  return bytes.subarray(0, end);
}
