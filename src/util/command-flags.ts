/**
 * The flags `strongbox` takes before the command name (`strongbox -e
 * production export …`): one table, read by the command line (which lifts
 * them to the command) and by whatever reads a `strongbox` command line
 * written down elsewhere (package.json scripts), so both skip the same
 * words. `string` flags take the next word, or an inline `--env=x` / `-ex`.
 */
export const BEFORE_COMMAND_FLAGS = {
  quiet: { type: "boolean", short: "q" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  env: { type: "string", short: "e" },
  config: { type: "string", short: "c" },
  json: { type: "boolean" },
} as const satisfies Record<string, { type: "boolean" | "string"; short?: string }>;

type FlagSpec = { readonly type: "boolean" | "string"; readonly short?: string };

/**
 * How many words the flag at `words[0]` takes before the command name (1, or
 * 2 with its value as the next word); 0 when `words[0]` is not such a flag.
 */
export function beforeCommandFlagWords(words: readonly string[]): number {
  const word = words[0];
  if (word === undefined || !word.startsWith("-") || word === "-" || word === "--") return 0;
  const long = word.startsWith("--");
  const flag = long ? word.split("=")[0] : word.slice(0, 2);
  const inline = long ? word.includes("=") : word.length > 2;
  const spec: FlagSpec | undefined = Object.entries(
    BEFORE_COMMAND_FLAGS as Record<string, FlagSpec>,
  )
    .filter(([name, entry]) => flag === `--${name}` || flag === `-${entry.short}`)
    .map(([, entry]) => entry)[0];
  if (spec === undefined) return 0;
  return spec.type === "string" && !inline ? 2 : 1;
}
