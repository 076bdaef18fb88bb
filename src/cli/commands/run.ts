import { existsSync } from "node:fs";
import { constants } from "node:os";
import { resolve as resolvePath } from "node:path";
import { isatty } from "node:tty";
import {
  childEnvironment,
  providerCredentialsIn,
  spawnChild,
  superviseWatched,
} from "../../api/exec.js";
import { ResolutionError, StrongboxError } from "../../errors.js";
import { openSession, type Resolution } from "../../index.js";
import {
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

/** `strongbox run -- cmd`: resolve, then run `cmd` with the values in its environment. */
export const runCommand: Command = {
  name: "run",
  stopAtFirstPositional: true,
  options: {
    ...RESOLVE_OPTIONS,
    command: { type: "string" },
    watch: { type: "boolean", short: "w" },
    "no-mask": { type: "boolean" },
    "mask-terminal": { type: "boolean" },
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
  -w, --watch         restart the command when the config, its .env files or the
                      store change (and the values did); a broken edit keeps
                      the running command and says why
      --command LINE  run a shell command line (sh -c LINE)
      --no-mask       do not mask secrets in the command's piped output
      --mask-terminal mask output bound for a terminal as well (screen sharing, recordings)
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
    const start = (resolved: Resolution) =>
      spawnChild({
        command,
        args,
        env: childEnvironment(io.env, resolved),
        cwd: io.cwd,
        stdout: io.stdout,
        stderr: io.stderr,
        redactor: invocation.values["no-mask"] === true ? undefined : io.redactor,
        maskTerminal: invocation.values["mask-terminal"] === true,
      });
    if (invocation.values.watch === true) return runWatched(resolution, start, invocation, io);
    const { child, done } = start(resolution);
    // In a terminal, Ctrl-C and Ctrl-\ go to the whole foreground process group, the child
    // included: forwarding them again would make the child see every keypress twice.
    const interactive = isatty(0);
    const forward = (signal: NodeJS.Signals) => {
      if (interactive && FROM_TERMINAL.has(signal)) return;
      child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    try {
      const exit = await done;
      if (exit.signal !== null) return 128 + (constants.signals[exit.signal] ?? 0);
      return exit.code ?? 1;
    } finally {
      for (const signal of FORWARDED) process.off(signal, forward);
    }
  },
};

/**
 * `run --watch`: what to watch is the config, the environment's `.env` files
 * (or the `-f` ones) and the store; SIGINT and SIGTERM stop the command and
 * end the watch.
 */
async function runWatched(
  first: Resolution,
  start: (resolved: Resolution) => ReturnType<typeof spawnChild>,
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
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
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
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
