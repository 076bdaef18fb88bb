import { type CompletionNames, namesForCompletion } from "../api/store.js";
import { FORMATS } from "../format/formats.js";
import type { Command } from "./command.js";
import { COMMANDS } from "./command-table.js";
import type { CliIo } from "./io.js";

/**
 * The engine behind `strongbox __complete`, which every shell's completion
 * script calls back on Tab (as cobra's `__complete`): what may follow the
 * words typed so far. One engine for bash, zsh, fish and PowerShell, so the
 * shells cannot disagree; the scripts only split words and show the answer.
 */
export interface Completion {
  /** What may be typed, each maybe with a description (zsh, fish and PowerShell show it). */
  readonly candidates: ReadonlyArray<{ readonly value: string; readonly description?: string }>;
  /** No candidate: let the shell complete file names instead. */
  readonly files: boolean;
}

type NameKind = keyof CompletionNames;

/** What a command's positional arguments name, by position. */
const POSITIONALS: Readonly<Record<string, readonly (NameKind | readonly string[])[]>> = {
  get: ["secrets"],
  set: ["secrets"],
  rm: ["secrets"],
  history: ["secrets"],
  rollback: ["secrets"],
  resolve: ["secrets"],
  rotate: ["secretVariables"],
  compromise: ["secretVariables"],
  explain: ["variables"],
  diff: ["environments", "environments"],
  env: [["list", "create", "destroy"]],
  generate: [["example", "ctmpl"]],
  completion: [
    ["bash", "zsh", "fish", "powershell", "install"],
    ["bash", "zsh", "fish", "powershell"],
  ],
  hook: [["install", "uninstall", "run"]],
};

/** Commands whose last kind of positional repeats (`explain A B C`). */
const REPEATING = new Set(["explain"]);

/** Options whose value is a path: the shell completes file names there. */
const PATH_OPTIONS = new Set([
  "config",
  "store",
  "file",
  "from-file",
  "input",
  "output",
  "out",
  "agent",
  "template",
  "report",
  "against",
]);

/**
 * A candidate is offered only when it is made of these characters: names from a
 * config or a store directory a stranger may have written cannot carry shell
 * syntax, quotes or terminal controls into the command line being edited.
 */
const SAFE = /^[A-Za-z0-9_./@%+,=-]+$/;

/**
 * Completes `words[current]` (the word under the cursor; empty when the
 * cursor follows a space and `current` is `words.length`), given the words
 * before it (the command line after `strongbox`).
 */
export async function complete(
  words: readonly string[],
  current: number,
  io: Pick<CliIo, "cwd" | "env">,
): Promise<Completion> {
  const before = words.slice(0, current);
  const word = words[current] ?? "";
  const [name] = before;
  if (name === undefined || name === "help") return commandNames(word);
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) return { candidates: [], files: true };
  const command = await entry.load();
  const context = lineContext(command, before.slice(1));
  if (context.pendingOption !== undefined)
    return optionValue(name, context.pendingOption, word, context, io);
  const joined = /^--([\w-]+)=(.*)$/s.exec(word);
  if (
    joined !== null &&
    !context.afterDashes &&
    command.options[joined[1] as string]?.type === "string"
  ) {
    // `--env=st`: the value's candidates, each spelled with its option.
    const value = await optionValue(name, joined[1] as string, joined[2] as string, context, io);
    const prefix = `--${joined[1]}=`;
    return {
      ...value,
      candidates: value.candidates.map((c) => ({ value: `${prefix}${c.value}` })),
    };
  }
  if (word.startsWith("-") && !context.afterDashes) return optionNames(command, word);
  const kinds = POSITIONALS[name];
  if (kinds === undefined) return { candidates: [], files: true };
  const kind = kinds[context.positionals] ?? (REPEATING.has(name) ? kinds.at(-1) : undefined);
  if (kind === undefined) return { candidates: [], files: false };
  if (typeof kind !== "string") return offer(kind, word);
  return offer((await names(context, io))[kind], word);
}

function commandNames(word: string): Completion {
  return offer(
    Object.entries(COMMANDS).map(([value, entry]) => ({ value, description: entry.summary })),
    word,
  );
}

function optionNames(command: Command, word: string): Completion {
  return offer(
    Object.keys(command.options).map((long) => `--${long}`),
    word,
  );
}

/** The words after the command name, read as its parser reads them, leniently. */
interface LineContext {
  readonly positionals: number;
  /** A string option whose value is the word being completed. */
  readonly pendingOption?: string;
  readonly afterDashes: boolean;
  /** `--store`, `--config` and `--env` as given so far: they choose where names come from. */
  readonly given: Readonly<Record<string, string>>;
}

function lineContext(command: Command, words: readonly string[]): LineContext {
  const given: Record<string, string> = {};
  let positionals = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === "--") return { positionals, afterDashes: true, given };
    const long = optionOf(command, word);
    if (long === undefined) {
      if (!word.startsWith("-") || word === "-") positionals++;
      continue;
    }
    if (command.options[long]?.type !== "string" || word.includes("=")) {
      if (word.includes("=")) given[long] = word.slice(word.indexOf("=") + 1);
      continue;
    }
    const value = words[i + 1];
    if (value === undefined) return { positionals, pendingOption: long, afterDashes: false, given };
    given[long] = value;
    i++;
  }
  return { positionals, afterDashes: false, given };
}

/** The long name of the option `word` spells (`--env`, `--env=x`, `-e`), if it is one. */
function optionOf(command: Command, word: string): string | undefined {
  if (word.startsWith("--")) {
    const long = word.slice(2).split("=")[0] as string;
    return Object.hasOwn(command.options, long) ? long : undefined;
  }
  if (word.length !== 2 || !word.startsWith("-")) return undefined;
  return Object.entries(command.options).find(([, spec]) => spec.short === word.slice(1))?.[0];
}

async function optionValue(
  command: string,
  option: string,
  word: string,
  context: LineContext,
  io: Pick<CliIo, "cwd" | "env">,
): Promise<Completion> {
  if (option === "env") return offer((await names(context, io)).environments, word);
  if (option === "format" && command === "export") return offer(FORMATS, word);
  return { candidates: [], files: PATH_OPTIONS.has(option) };
}

function names(context: LineContext, io: Pick<CliIo, "cwd" | "env">): Promise<CompletionNames> {
  return namesForCompletion({
    cwd: io.cwd,
    env: io.env,
    store: context.given.store,
    configPath: context.given.config,
    environment: context.given.env,
  });
}

function offer(
  values: ReadonlyArray<string | { readonly value: string; readonly description?: string }>,
  word: string,
): Completion {
  const candidates = values
    .map((value) => (typeof value === "string" ? { value } : value))
    .filter(({ value }) => value.startsWith(word) && SAFE.test(value));
  return { candidates, files: false };
}
