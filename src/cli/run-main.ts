import { StrongboxError } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import { type Command, type Invocation, parseInvocation } from "./command.js";
import { COMMANDS } from "./command-table.js";
import { EXIT_CODES, EXIT_OK, exitStatus } from "./exit-codes.js";
import {
  assertCommandTakes,
  configFromEnv,
  GLOBAL_HELP,
  type Lifted,
  liftGlobals,
  withGlobalHelp,
  withGlobalOptions,
  withOutputMode,
} from "./globals.js";
import type { CliIo } from "./io.js";
import { quietOnBrokenPipe, writeAuditRecords, writeReport } from "./io.js";
import { debugTiming, renderError } from "./render-error.js";
import { fromSystemError } from "./system-error.js";
import { vaultRetrySpinner } from "./vault-spinner.js";
import { version } from "./version.js";

/**
 * Runs one CLI invocation and returns its exit status. Never calls
 * `process.exit`, so tests and other programs can drive the CLI in-process.
 */
export async function runMain(argv: readonly string[], io: CliIo): Promise<number> {
  const started = performance.now();
  let lifted: Lifted = { before: [], name: undefined, rest: [] };
  let runIo = io;
  try {
    lifted = liftGlobals(argv);
  } catch (thrown) {
    await guardOutput(io);
    renderError(io, thrown, argv.includes("--json") || io.env.STRONGBOX_FORMAT === "json");
    return exitStatus(thrown);
  }
  const { before, name: first, rest: tail } = lifted;
  // `strongbox help CMD` is `strongbox CMD --help`, as git and npm have it.
  const [name, rest] =
    first === "help" && tail[0] !== undefined ? [tail[0], ["--help"]] : [first, tail];
  if (name === undefined || CONSTANT.has(name)) return constantAnswer(io, name);
  const registerCredentialValues = await guardOutput(io);
  const args = [...before, ...rest];
  // STRONGBOX_FORMAT=json asks every command that has --json for it.
  const json = args.includes("--json") || io.env.STRONGBOX_FORMAT === "json";
  // Until the command's own parse settles them, the flags given before its name count.
  runIo = withOutputMode(io, {
    quiet: before.includes("--quiet"),
    debug: before.includes("--debug"),
  });
  try {
    const command = withGlobalOptions(await loadCommand(name));
    assertCommandTakes(command, before);
    const invocation = settleInvocation(command, parseInvocation(command, args), io);
    runIo = withOutputMode(io, {
      quiet: invocation.values.quiet === true,
      debug: invocation.values.debug === true,
    });
    if (invocation.values.help === true) {
      writeReport(io, withGlobalHelp(command.usage));
      return 0;
    }
    return await runCommand(command, invocation, runIo, args);
  } catch (thrown) {
    const error = thrown instanceof StrongboxError ? thrown : (fromSystemError(thrown) ?? thrown);
    // Again: the providers a command loaded have declared their credential names by now.
    registerCredentialValues(io.env);
    renderError(runIo, error, json);
    return exitStatus(error);
  } finally {
    if (runIo.debug === true) debugTiming(runIo, name, started);
  }
}

const HELP = new Set(["--help", "-h", "help"]);
const VERSION = new Set(["--version", "-v", "-V"]);
const CONSTANT = new Set([...HELP, ...VERSION]);

/**
 * The main help and the version: text of this build only (no argument, variable or file in
 * it), so they are printed before the credential values are registered, which costs a
 * start the credential classification's and the audit log's code.
 */
function constantAnswer(io: CliIo, name: string | undefined): number {
  if (name !== undefined && VERSION.has(name)) {
    writeReport(io, `${version()}\n`);
    return 0;
  }
  writeReport(io, mainHelp());
  return name === undefined ? EXIT_CODES.E_USAGE : 0;
}

type RegisterCredentialValues =
  typeof import("../exec/credential-values.js")["registerCredentialValues"];

/**
 * Before any message that can hold what the user gave (an argument, a variable, a file) and
 * before any command runs: no message quotes a credential's value, even one pasted where a
 * path belongs, and audit records on stdout/stderr leave by the CLI's one output path, like
 * everything it prints. Returns the registration, for the providers a command loads later.
 */
async function guardOutput(io: CliIo): Promise<RegisterCredentialValues> {
  const [{ setAuditStreamWriter }, { registerCredentialValues }] = await Promise.all([
    import("../api/audit.js"),
    import("../exec/credential-values.js"),
  ]);
  setAuditStreamWriter(writeAuditRecords);
  registerCredentialValues(io.env);
  return registerCredentialValues;
}

async function loadCommand(name: string): Promise<Command> {
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    throw new StrongboxError("E_USAGE", `unknown command "${name}"`, {
      hint: `${didYouMean(name, Object.keys(COMMANDS))}run \`strongbox --help\` for the list`,
    });
  }
  return entry.load();
}

/** What the environment adds to the command line: STRONGBOX_FORMAT=json, STRONGBOX_CONFIG. */
function settleInvocation(command: Command, parsed: Invocation, io: CliIo): Invocation {
  const json =
    io.env.STRONGBOX_FORMAT === "json" &&
    "json" in command.options &&
    parsed.values.json === undefined;
  const config = configFromEnv(command, parsed.values, io);
  if (!json && config === undefined) return parsed;
  return {
    ...parsed,
    values: {
      ...parsed.values,
      ...(json ? { json: true } : {}),
      ...(config === undefined ? {} : { config }),
    },
  };
}

async function runCommand(
  command: Command,
  invocation: Invocation,
  io: CliIo,
  args: readonly string[],
): Promise<number> {
  const logFormat = args.indexOf("--log-format");
  const stopSpinner = vaultRetrySpinner(io, {
    jsonLog:
      args.includes("--log-format=json") || (logFormat >= 0 && args[logFormat + 1] === "json"),
  });
  try {
    return await command.run(invocation, io);
  } finally {
    stopSpinner();
  }
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, entry]) => `  ${name.padEnd(width)} ${entry.summary}`,
  );
  return `strongbox ${version()}: typed configuration and secrets for every environment

Usage: strongbox [global options] <command> [options]

Commands:
${lines.join("\n")}

Run \`strongbox <command> --help\` for a command's options.

Global options (before or after the command name; after it, a command's own
options win, and \`run\` leaves everything after its program to the program):
  -e, --env NAME      the environment (also $STRONGBOX_ENV; aliases such as prod,
                      stg, dev are resolved by the config's environmentAliases)
  -c, --config PATH   the config file (also $STRONGBOX_CONFIG; --config wins)
      --json          JSON output, for commands that have it (also STRONGBOX_FORMAT=json)
${GLOBAL_HELP}
  -h, --help          show help
  -v, --version       print the version (\`strongbox version\` says more)

Exit statuses and the error codes that give them (docs/errors.md explains each;
4 is also a check, lint or scan that found problems):
${exitStatusHelp()}
`;
}

/** The exit-code table grouped by status, wrapped: generated, so it cannot drift from the table. */
function exitStatusHelp(): string {
  const byStatus = new Map<number, string[]>([[EXIT_OK, ["ok"]]]);
  for (const [code, status] of Object.entries(EXIT_CODES))
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  return [...byStatus]
    .sort(([a], [b]) => a - b)
    .map(([status, codes]) => {
      const lines: string[] = [];
      let line = "";
      for (const code of codes) {
        if (line !== "" && line.length + code.length > 64) {
          lines.push(line);
          line = "";
        }
        line = line === "" ? code : `${line} ${code}`;
      }
      lines.push(line);
      return lines
        .map((text, i) => `  ${i === 0 ? String(status).padEnd(5) : "     "}${text}`)
        .join("\n");
    })
    .join("\n");
}

/** Runs the CLI for this process: its arguments, streams, environment and directory; sets the exit code. */
export function runProcess(): void {
  // Getters: Node builds process.stdout on first use, and `run`, whose child inherits the
  // descriptors, never needs it (a few milliseconds of every start).
  runMain(process.argv.slice(2), {
    get stdout() {
      return quietOnBrokenPipe(process.stdout);
    },
    get stderr() {
      return quietOnBrokenPipe(process.stderr);
    },
    env: process.env,
    cwd: process.cwd(),
  }).then((code) => {
    process.exitCode = code;
  });
}
