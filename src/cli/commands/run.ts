import { existsSync } from "node:fs";
import { constants } from "node:os";
import { resolve as resolvePath } from "node:path";
import {
  childEnvironment,
  GROUPS_SUPPORTED,
  hasControllingTerminal,
  providerCredentialsIn,
  type Started,
  signalTree,
  spawnChild,
  superviseWatched,
} from "../../api/exec.js";
import { ResolutionError, StrongboxError } from "../../errors.js";
import { openSession, type Resolution } from "../../index.js";
import {
  BREAK_GLASS_HELP,
  BREAK_GLASS_OPTIONS,
  type Command,
  type Invocation,
  listOption,
  RESOLVE_HELP,
  RESOLVE_OPTIONS,
  stringOption,
} from "../command.js";
import { type CliIo, say } from "../io.js";
import { resolveForCli } from "../resolve-for-cli.js";

const FORWARDED: readonly NodeJS.Signals[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
];

/** Signals a terminal sends to its foreground process group by itself. */
const FROM_TERMINAL: ReadonlySet<NodeJS.Signals> = new Set(["SIGINT", "SIGQUIT"]);

/** Signals that end `run`: after one, what the child started goes with it. */
const ENDING: ReadonlySet<NodeJS.Signals> = new Set(["SIGINT", "SIGTERM", "SIGHUP"]);

/** How long a stopped command has between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 10_000;

/** `strongbox run -- cmd`: resolve, then run `cmd` with the values in its environment. */
export const runCommand: Command = {
  name: "run",
  stopAtFirstPositional: true,
  options: {
    ...RESOLVE_OPTIONS,
    ...BREAK_GLASS_OPTIONS,
    command: { type: "string" },
    watch: { type: "boolean", short: "w" },
    "no-mask": { type: "boolean" },
    "mask-terminal": { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  },
  usage: `Usage: strongbox run [options] [--] <command> [args...]
       strongbox run [options] --command "<shell command>"

Options end at the first argument that is not one of run's own, so
\`strongbox run node -e '…'\` runs node with -e; \`--\` is optional.
--command runs a shell command line (\`sh -c\`), for \`a && b\` and pipes.

Resolves the configuration, refuses to start if any variable is missing or
invalid (listing every problem), then runs <command> with the values in its
environment. Exit status, stdin, the terminal and signals pass through.
When output goes to a pipe or file (a log), secret values in it are masked.
Output to a terminal is not masked by default: the child keeps the terminal
itself (colours, prompts, raw mode), and a terminal shows the secret only to
the person who could print it anyway. --mask-terminal masks there too, at the
cost of the child seeing a pipe instead of a terminal.

Options:
${RESOLVE_HELP}
${BREAK_GLASS_HELP}
  -w, --watch         restart the command when the config, its .env files or the
                      store change (and the values did); a broken edit keeps
                      the running command and says why
      --command LINE  run a shell command line (sh -c LINE)
      --no-mask       do not mask secrets in the command's piped output
      --mask-terminal mask output bound for a terminal as well (screen sharing, recordings)
  -q, --quiet         do not print the start line (environment and counts by source)

On start, one line on stderr names the environment and how many variables
came from where (never a value). Without a terminal (CI, a container, a
service), and always with --watch, the command runs in its own process group:
a stop (SIGTERM, then SIGKILL after 10 s) reaches everything it started. On a
terminal, plain run keeps it in the terminal's foreground group, so prompts,
Ctrl-C and Ctrl-Z work as without Strongbox.
`,
  async run(invocation, io) {
    const line = stringOption(invocation, "command");
    if (line !== undefined && invocation.rest.length > 0)
      throw new StrongboxError("E_USAGE", "run: give a command or --command, not both");
    const [command, ...args] = line !== undefined ? ["sh", "-c", line] : invocation.rest;
    if (command === undefined) {
      throw new StrongboxError("E_USAGE", "run: no command given", {
        hint: "write the command after the options, as in `strongbox run node app.js`",
      });
    }
    const resolution = await resolveForCli(invocation, io);
    if (!resolution.ok) throw new ResolutionError(resolution.environment.name, resolution.issues);
    const withheld = providerCredentialsIn(
      io.env,
      new Set(resolution.entries.map((entry) => entry.envName)),
    );
    if (withheld.length > 0)
      say(
        io,
        `strongbox: note: ${withheld.join(", ")} ${withheld.length === 1 ? "is" : "are"} not passed to the command (credentials of a secret manager Strongbox reads); declare ${withheld.length === 1 ? "it" : "them"} in the schema if the application needs ${withheld.length === 1 ? "it" : "them"}`,
      );
    const watch = invocation.values.watch === true;
    // A terminal's session is kept for plain run (see exec/process-group.ts); --watch restarts
    // the command, and a restart must reach the server npm or a shell started, so it groups.
    const terminal = hasControllingTerminal();
    const group = GROUPS_SUPPORTED && (watch || !terminal);
    const start = (resolved: Resolution) => {
      if (invocation.values.quiet !== true) say(io, startLine(resolved));
      return spawnChild({
        command,
        args,
        env: childEnvironment(io.env, resolved),
        cwd: io.cwd,
        stdout: io.stdout,
        stderr: io.stderr,
        redactor: invocation.values["no-mask"] === true ? undefined : io.redactor,
        maskTerminal: invocation.values["mask-terminal"] === true,
        group,
      });
    };
    if (watch) return runWatched(resolution, start, invocation, io);
    return runOnce(start(resolution), terminal);
  },
};

/**
 * The line `run` prints as the command starts: the environment and how many
 * variables came from each source, as dotenvx's `injecting env (N) from .env`.
 * Names and counts only, never a value.
 */
export function startLine(resolution: Resolution): string {
  const counts = new Map<string, number>();
  let total = 0;
  for (const entry of resolution.entries) {
    const kind = entry.provenance.winner?.kind;
    if (entry.raw === undefined || kind === undefined) continue;
    const label = SOURCE_LABELS[kind] ?? kind;
    counts.set(label, (counts.get(label) ?? 0) + 1);
    total += 1;
  }
  const bySource = [...counts].map(([label, count]) => `${count} ${label}`).join(", ");
  return `strongbox: ${resolution.environment.name}: injecting ${total} variable${total === 1 ? "" : "s"}${bySource === "" ? "" : ` (${bySource})`}`;
}

const SOURCE_LABELS: Readonly<Record<string, string>> = {
  dotenv: ".env",
  env: "environment",
  default: "default",
};

/**
 * Plain `run`: waits for the command and returns its status (128 + the
 * signal's number when a signal ended it). SIGINT, SIGTERM and SIGHUP sent to
 * Strongbox go to the command's group; once the command has exited, what it
 * left in its group is stopped too, and output still held open by such a
 * process is no longer waited for, so a signal always ends `run`.
 */
async function runOnce(started: Started, terminal: boolean): Promise<number> {
  let ending = false;
  let exited = false;
  const forward = (signal: NodeJS.Signals) => {
    // In a terminal's foreground group, Ctrl-C and Ctrl-\ reach the child from the terminal
    // itself: forwarding them again would make it see every keypress twice.
    if (!started.tree.grouped && terminal && FROM_TERMINAL.has(signal)) return;
    if (ENDING.has(signal)) ending = true;
    signalTree(started.tree, signal);
    if (exited && ENDING.has(signal)) void stopLeft(started);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    const exitSeen = new Promise<void>((resolve) => started.child.once("exit", () => resolve()));
    const exit = await Promise.race([
      started.done,
      exitSeen.then(async () => {
        exited = true;
        if (ending) await stopLeft(started);
        return started.done;
      }),
    ]);
    if (exit.signal !== null) return 128 + (constants.signals[exit.signal] ?? 0);
    return exit.code ?? 1;
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward);
  }
}

/** After the command itself ended on a signal: stop what it left in its group, stop waiting for its output. */
async function stopLeft(started: Started): Promise<void> {
  if (started.tree.grouped) await started.stop(STOP_GRACE_MS);
  started.release();
}

/**
 * `run --watch`: what to watch is the config, the environment's `.env` files
 * (or the `-f` ones) and the store; SIGINT and SIGTERM stop the command and
 * end the watch.
 */
async function runWatched(
  first: Resolution,
  start: (resolved: Resolution) => Started,
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
  const session = await openSession({
    cwd: io.cwd,
    configPath: stringOption(invocation, "config"),
    processEnv: io.env,
  });
  const given = listOption(invocation, "file");
  const envFiles =
    given === undefined
      ? first.environment.files.map((file) => resolvePath(session.baseDir, file))
      : given.map((file) => resolvePath(io.cwd, file));
  const store = session.storeDir();
  const stop = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    received = signal;
    stop.abort();
  };
  // Nobody reads the output any more (`run --watch … | head`): the watch ends as a pipeline
  // member would, rather than restarting commands into a closed pipe.
  const onBroken = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") onSignal("SIGPIPE");
  };
  io.stdout.on("error", onBroken);
  io.stderr.on("error", onBroken);
  for (const signal of ENDING) process.on(signal, onSignal);
  say(io, "strongbox: watching the config, its .env files and the store; Ctrl-C stops");
  try {
    const exit = await superviseWatched(first, {
      files: [session.project.configPath, ...envFiles],
      directories: existsSync(store) ? [store] : [],
      resolve: async () => {
        const next = await resolveForCli(invocation, io);
        if (!next.ok) throw new ResolutionError(next.environment.name, next.issues);
        return next;
      },
      environmentOf: (resolved) => childEnvironment(io.env, resolved),
      start,
      log: (message, error) => {
        say(io, `strongbox: watch: ${message}`);
        if (error instanceof StrongboxError)
          for (const item of error.issues) say(io, `  ✗ ${item.message} (${item.code})`);
      },
      signal: stop.signal,
    });
    if (received !== undefined) return 128 + (constants.signals[received] ?? 0);
    if (exit.signal !== null) return 128 + (constants.signals[exit.signal] ?? 0);
    return exit.code ?? 0;
  } finally {
    for (const signal of ENDING) process.off(signal, onSignal);
    io.stdout.off("error", onBroken);
    io.stderr.off("error", onBroken);
  }
}
