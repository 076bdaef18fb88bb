import * as util from "node:util";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether output to a stream gets colour: `FORCE_COLOR` (not 0) forces it,
 * `NO_COLOR` (any value, https://no-color.org) or `TERM=dumb` turns it off,
 * and otherwise only a terminal gets it; a pipe or a file never does.
 */
export function useColour(env: Env, stream: { isTTY?: boolean }): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  if (env.NO_COLOR !== undefined || env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

/**
 * Whether the locale says the terminal cannot show ✓ and ✗: an explicit
 * non-UTF-8 locale (`LANG=C`, `en_US.ISO-8859-1`). An unset locale is taken
 * as UTF-8, as containers leave it unset and their logs are UTF-8.
 */
export function asciiOnly(env: Env): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG;
  return locale !== undefined && locale !== "" && !/utf-?8/i.test(locale);
}

const ASCII: ReadonlyArray<readonly [string, string]> = [
  ["✓", "ok"],
  ["✗", "x"],
  ["…", "..."],
  ["→", "->"],
  ["×", "x"],
];

/**
 * One line of Strongbox's own output, as this terminal can best show it:
 * ASCII stand-ins for symbols where the locale is not UTF-8, and colour for
 * marks, errors, warnings and hints where colour is on.
 */
export function decorate(
  text: string,
  options: { readonly colour: boolean; readonly ascii: boolean },
): string {
  let out = text;
  if (options.ascii) for (const [symbol, stand] of ASCII) out = out.replaceAll(symbol, stand);
  // util.styleText arrived in Node 20.12; an older Node 20 prints plain text.
  const styleText = (util as { styleText?: typeof util.styleText }).styleText;
  if (!options.colour || styleText === undefined) return out;
  const paint = (format: "red" | "yellow" | "green" | "dim", part: string) =>
    styleText(format, part, { validateStream: false });
  return out
    .replace(
      /^(strongbox(?: [a-z-]+)?: )(error:)/gm,
      (_, head: string, word: string) => head + paint("red", word),
    )
    .replace(
      /^(strongbox(?: [a-z-]+)?: )(warning:)/gm,
      (_, head: string, word: string) => head + paint("yellow", word),
    )
    .replace(/^(\s*)(✗|x)(?= )/gm, (_, space: string, mark: string) => space + paint("red", mark))
    .replace(
      /^(\s*)(✓|ok)(?= )/gm,
      (_, space: string, mark: string) => space + paint("green", mark),
    )
    .replace(
      /^(\s*)((?:strongbox: )?hint:)/gm,
      (_, space: string, word: string) => space + paint("dim", word),
    );
}
