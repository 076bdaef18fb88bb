import { type ParseArgsConfig, parseArgs } from "node:util";
import { StrongboxError } from "../errors.js";
import type { CliIo } from "./io.js";

type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

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
  run(invocation: Invocation, io: CliIo): Promise<number>;
}

/** Options every resolving command shares. */
export const RESOLVE_OPTIONS: OptionSpecs = {
  env: { type: "string", short: "e" },
  file: { type: "string", short: "f", multiple: true },
  config: { type: "string", short: "c" },
  help: { type: "boolean", short: "h" },
};

export const RESOLVE_HELP = `  -e, --env NAME      environment (default: $STRONGBOX_ENV, the config's default, or local)
  -f, --file PATH     a .env file to read; repeatable, later files win (replaces the environment's files)
  -c, --config PATH   the config file (default: strongbox.config.ts or .yaml here or above)
  -h, --help          show this help`;

/** Parses `argv` for `command`; throws `E_USAGE` naming the bad option (never its value). */
export function parseInvocation(command: Command, argv: readonly string[]): Invocation {
  const split = argv.indexOf("--");
  const head = split < 0 ? argv : argv.slice(0, split);
  const rest = split < 0 ? [] : argv.slice(split + 1);
  try {
    const parsed = parseArgs({
      args: [...head],
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values, positionals: parsed.positionals, rest };
  } catch (error) {
    const message = (error as Error).message.split("\n")[0]?.replace(/\.$/, "") ?? "bad arguments";
    throw new StrongboxError(
      "E_USAGE",
      `${command.name}: ${message.replace(/^Unknown option/i, "unknown option")}`,
      {
        hint: `run \`strongbox ${command.name} --help\``,
      },
    );
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
