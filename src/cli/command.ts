import { type ParseArgsConfig, parseArgs } from "node:util";
import { StrongboxError } from "../errors.js";
import { didYouMean } from "../util/suggest.js";
import type { CliIo } from "./io.js";

/** A command's option table, in node:util parseArgs' shape. */
export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** The parsed command line of one command. */
export interface Invocation {
  readonly values: Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;
  readonly positionals: readonly string[];
  /** Everything after `--`. */
  readonly rest: readonly string[];
}

/** One CLI command: a thin layer that parses, calls the library, prints, returns an exit status. */
export interface Command {
  readonly name: string;
  /** The full help text; the one-line summary lives in the command table, so listing commands loads none. */
  readonly usage: string;
  readonly options: OptionSpecs;
  /** The command runs another program: its own options end at the first argument that is not one. */
  readonly stopAtFirstPositional?: boolean;
  run(invocation: Invocation, io: CliIo): Promise<number>;
}

/** Options every resolving command shares. */
export const RESOLVE_OPTIONS: OptionSpecs = {
  env: { type: "string", short: "e" },
  file: { type: "string", short: "f", multiple: true },
  config: { type: "string", short: "c" },
  help: { type: "boolean", short: "h" },
};

/** `--break-glass REASON`, for the commands that release values under pure mode's policy. */
export const BREAK_GLASS_OPTIONS: OptionSpecs = {
  "break-glass": { type: "string" },
};

export const BREAK_GLASS_HELP = `      --break-glass REASON
                      pure Vault mode (production) only: let secrets come from the
                      environment's other sources (its .env files, the process
                      environment) where Vault fails, for this one invocation;
                      recorded in the audit log (reason, who, which names) before
                      any value is released; refused when the config says
                      breakGlass: false or the record cannot be written`;

export const RESOLVE_HELP = `  -e, --env NAME      environment (default: $STRONGBOX_ENV, the config's default, or local)
  -f, --file PATH     a .env file to read; repeatable, later files win (replaces the environment's files)
  -c, --config PATH   the config file (default: strongbox.config.ts or .yaml here or above)
  -h, --help          show this help`;

/**
 * Parses `argv` for `command`; throws `E_USAGE` naming the bad option (never
 * its value) with a suggestion when it is a typo. A command that runs
 * another program (`run`) stops reading its own options at the first
 * argument that is not one: `strongbox run node -e 1` runs `node -e 1`.
 */
export function parseInvocation(command: Command, argv: readonly string[]): Invocation {
  const split =
    command.stopAtFirstPositional === true ? commandStart(command, argv) : argv.indexOf("--");
  const head = split < 0 ? argv : argv.slice(0, split);
  const rest = split < 0 ? [] : argv.slice(argv[split] === "--" ? split + 1 : split);
  try {
    const parsed = parseArgs({
      args: [...head],
      options: command.options,
      allowPositionals: command.stopAtFirstPositional !== true,
      strict: true,
    });
    return { values: parsed.values, positionals: parsed.positionals, rest };
  } catch (error) {
    throw usageError(command, error as Error & { code?: string });
  }
}

/** Where the program to run begins: after `--`, or at the first argument that is not an option of ours. */
function commandStart(command: Command, argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--" || !arg.startsWith("-") || arg === "-") return i;
    if (arg.includes("=")) continue;
    const spec = arg.startsWith("--")
      ? command.options[arg.slice(2)]
      : Object.values(command.options).find((option) => option.short === arg.slice(1));
    if (spec?.type === "string") i++; // its value may look like anything
  }
  return -1;
}

/** Node's parser errors, said our way: the option, what is wrong, and the likely intended option. */
function usageError(command: Command, error: Error & { code?: string }): StrongboxError {
  const hint = `run \`strongbox ${command.name} --help\``;
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  const known = Object.entries(command.options).flatMap(([long, spec]) => [
    `--${long}`,
    ...(spec.short === undefined ? [] : [`-${spec.short}`]),
  ]);
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const option = quoted ?? "?";
      return new StrongboxError("E_USAGE", `${command.name}: unknown option ${option}`, {
        hint: `${didYouMean(option, known)}${hint}`,
      });
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const option = /--[\w-]+/.exec(error.message)?.[0] ?? "an option";
      const takes = command.options[option.slice(2)]?.type === "string";
      return new StrongboxError(
        "E_USAGE",
        `${command.name}: ${option} ${takes ? "needs a value" : "takes no value"}`,
        { hint },
      );
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new StrongboxError(
        "E_USAGE",
        `${command.name}: unexpected argument ${quoted === undefined ? "" : `"${quoted}"`}`.trim(),
        { hint },
      );
    default:
      return new StrongboxError("E_USAGE", `${command.name}: the arguments could not be read`, {
        hint,
      });
  }
}

export function stringOption(invocation: Invocation, name: string): string | undefined {
  const value = invocation.values[name];
  return typeof value === "string" ? value : undefined;
}

export function listOption(invocation: Invocation, name: string): string[] | undefined {
  const value = invocation.values[name];
  return Array.isArray(value) ? value.map(String) : undefined;
}
