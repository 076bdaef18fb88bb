import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { BEFORE_COMMAND_FLAGS } from "../util/command-flags.js";
import { didYouMean } from "../util/suggest.js";
import type { Command, OptionSpecs } from "./command.js";
import type { CliIo } from "./io.js";

/**
 * The flags every command takes, whether or not its own table lists them:
 * `--quiet` drops notices, hints and progress (never data, warnings or
 * errors); `--debug` adds diagnostics to an error (codes and class names,
 * never a value).
 */
export const GLOBAL_OPTIONS: OptionSpecs = {
  quiet: BEFORE_COMMAND_FLAGS.quiet,
  debug: BEFORE_COMMAND_FLAGS.debug,
  help: BEFORE_COMMAND_FLAGS.help,
};

export const GLOBAL_HELP = `  -q, --quiet         no notices, hints or progress (data, warnings and errors stay)
      --debug         with an error, also its code, exit status and cause chain (class
                      names, never values) and the time taken`;

/**
 * The flags that may also come before the command name, as
 * `strongbox --env production run …`: the global ones and the options most
 * commands share. Each is lifted to the command, which must take it.
 */
const LIFTABLE: OptionSpecs = BEFORE_COMMAND_FLAGS;

/** The command line split at the command name: the flags before it, the name, and what follows. */
export interface Lifted {
  /** The flags given before the command name, in the spelling the command parses. */
  readonly before: readonly string[];
  readonly name: string | undefined;
  readonly rest: readonly string[];
}

/**
 * Splits `argv` at the first argument that is not a liftable flag (or its
 * value). `--help`, `--version` and an unknown flag end the lifting too: the
 * caller answers the first two, and the third is an `E_USAGE` naming it. A
 * flag's value is taken whole, so `strongbox -e -x run` names environment
 * `-x`; everything from the command name on is left as it was, so `run`'s
 * child gets its own arguments untouched.
 */
export function liftGlobals(argv: readonly string[]): Lifted {
  const before: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    if (!arg.startsWith("-") || arg === "-" || arg === "--") break;
    const [flag, inline] = splitInline(arg);
    const [long, spec] = findSpec(flag);
    if (spec === undefined) {
      if (isMainFlag(arg)) break;
      throw unknownGlobal(arg);
    }
    if (long === "help") break;
    if (spec.type === "boolean") {
      if (inline !== undefined) throw usage(`--${long} takes no value`);
      before.push(`--${long}`);
      i++;
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined) throw usage(`--${long} needs a value`);
    before.push(`--${long}=${value}`);
    i += inline === undefined ? 2 : 1;
  }
  return { before, name: argv[i], rest: argv.slice(i + 1) };
}

/** `--env=x` and `-ex` as a flag and its inline value. */
function splitInline(arg: string): [string, string | undefined] {
  if (arg.startsWith("--")) {
    const at = arg.indexOf("=");
    return at < 0 ? [arg, undefined] : [arg.slice(0, at), arg.slice(at + 1)];
  }
  return arg.length > 2 ? [arg.slice(0, 2), arg.slice(2)] : [arg, undefined];
}

function findSpec(flag: string): [string, OptionSpecs[string] | undefined] {
  if (flag.startsWith("--")) {
    const long = flag.slice(2);
    return [long, Object.hasOwn(LIFTABLE, long) ? LIFTABLE[long] : undefined];
  }
  const entry = Object.entries(LIFTABLE).find(([, spec]) => `-${spec.short}` === flag);
  return entry === undefined ? [flag, undefined] : entry;
}

/** The flags the main program answers itself. */
function isMainFlag(arg: string): boolean {
  return ["--version", "-v", "-V"].includes(arg);
}

function unknownGlobal(arg: string): StrongboxError {
  const known = Object.entries(LIFTABLE).flatMap(([long, spec]) => [
    `--${long}`,
    ...(spec.short === undefined ? [] : [`-${spec.short}`]),
  ]);
  const flag = splitInline(arg)[0];
  return usage(`unknown option ${flag} before the command`, {
    hint: `${didYouMean(flag, known)}options before the command name: ${known.join(", ")}; the command's own options go after its name`,
  });
}

function usage(message: string, options: { hint?: string } = {}): StrongboxError {
  return new StrongboxError("E_USAGE", message, {
    hint: options.hint ?? "run `strongbox --help`",
  });
}

/** The options `command` is parsed with: its own and the global ones. */
export function withGlobalOptions(command: Command): Command {
  return { ...command, options: { ...GLOBAL_OPTIONS, ...command.options } };
}

/** Refuses a flag given before the command name that the command does not take, naming both. */
export function assertCommandTakes(command: Command, before: readonly string[]): void {
  for (const arg of before) {
    const long = splitInline(arg)[0].slice(2);
    if (Object.hasOwn(command.options, long) || Object.hasOwn(GLOBAL_OPTIONS, long)) continue;
    throw usage(`${command.name} does not take --${long} (given before the command name)`, {
      hint: `run \`strongbox ${command.name} --help\` for the options it takes`,
    });
  }
}

/** The output mode of one invocation, carried on its `io` so concurrent in-process runs keep their own. */
export function withOutputMode(io: CliIo, mode: { quiet: boolean; debug: boolean }): CliIo {
  // A prototype, not a copy: `io`'s streams are getters that build process.stdout only when used.
  return Object.create(io, {
    quiet: { value: mode.quiet, enumerable: true },
    debug: { value: mode.debug, enumerable: true },
  }) as CliIo;
}

/**
 * `STRONGBOX_CONFIG` as `--config` for a command that takes one and was not
 * given it; a file it names that does not exist is `E_CONFIG` naming the
 * variable (relative paths are from the working directory, as `-c`'s).
 */
export function configFromEnv(
  command: Command,
  values: Readonly<Record<string, unknown>>,
  io: CliIo,
): string | undefined {
  const named = io.env.STRONGBOX_CONFIG;
  if (!Object.hasOwn(command.options, "config") || values.config !== undefined) return undefined;
  if (named === undefined || named === "") return undefined;
  if (!existsSync(resolve(io.cwd, named))) {
    throw new StrongboxError(
      "E_CONFIG",
      `STRONGBOX_CONFIG names ${resolve(io.cwd, named)}, which does not exist`,
      { hint: "unset STRONGBOX_CONFIG or point it at the config file (--config overrides it)" },
    );
  }
  return named;
}

/**
 * A command's help with the global options it takes but does not list
 * (every command takes `--quiet` and `--debug`), so no command's text drifts.
 */
export function withGlobalHelp(usage: string): string {
  const missing = GLOBAL_HELP.split(/\n(?= {2}-| {6}--)/).filter((entry) => {
    const flag = /--[\w-]+/.exec(entry)?.[0];
    return flag !== undefined && !usage.includes(`${flag} `) && !usage.includes(`${flag}\n`);
  });
  if (missing.length === 0) return usage;
  return `${usage.trimEnd()}\n\nGlobal options (every command; also before its name):\n${missing.join("\n")}\n`;
}
