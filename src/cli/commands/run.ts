import { constants } from "node:os";
import { isatty } from "node:tty";
import { ResolutionError, StrongboxError } from "../../errors.js";
import { childEnvironment } from "../../exec/child-env.js";
import { spawnChild } from "../../exec/spawn-child.js";
import { providerCredentialsIn } from "../../security/credentials.js";
import { type Command, RESOLVE_HELP, RESOLVE_OPTIONS, stringOption } from "../command.js";
import { say } from "../io.js";
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
    const redactor = io.redactor;
    const withheld = providerCredentialsIn(
      io.env,
      new Set(resolution.entries.map((entry) => entry.envName)),
    );
    if (withheld.length > 0)
      say(
        io,
        `strongbox: note: ${withheld.join(", ")} ${withheld.length === 1 ? "is" : "are"} not passed to the command (credentials of a secret manager Strongbox reads); declare ${withheld.length === 1 ? "it" : "them"} in the schema if the application needs ${withheld.length === 1 ? "it" : "them"}`,
      );
    const { child, done } = spawnChild({
      command,
      args,
      env: childEnvironment(io.env, resolution),
      cwd: io.cwd,
      stdout: io.stdout,
      stderr: io.stderr,
      redactor: invocation.values["no-mask"] === true ? undefined : redactor,
      maskTerminal: invocation.values["mask-terminal"] === true,
    });
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
