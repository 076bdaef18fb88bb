import { fstatSync, statSync } from "node:fs";
import { resolve } from "node:path";
import {
  appendToRegularFile,
  checkOutputPath,
  FORMAT_RECORDS,
  FORMATS,
  type FormatOption,
  type FormatRecord,
  formatPairs,
  githubMasks,
  isFormat,
  writeOutputFile,
} from "../../api/render.js";
import { ResolutionError, StrongboxError } from "../../errors.js";
import {
  BREAK_GLASS_HELP,
  BREAK_GLASS_OPTIONS,
  type Command,
  type Invocation,
  RESOLVE_HELP,
  RESOLVE_OPTIONS,
  stringOption,
} from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { say, writeData } from "../io.js";
import { resolveForCli } from "../resolve-for-cli.js";

const RECORDS: ReadonlyArray<readonly [string, FormatRecord]> = Object.entries(FORMAT_RECORDS);

/** Each format's lines in `export --help`: its name, then its help aligned in one column. */
function formatHelp(): string {
  return RECORDS.map(
    ([name, record]) =>
      `  ${name}${" ".repeat(Math.max(2, 9 - name.length))}${record.help.join(`\n${" ".repeat(11)}`)}`,
  ).join("\n");
}

/** The options the formats read, as the command line declares them. */
function formatOptionSpecs(): Record<string, { type: FormatOption["type"] }> {
  return Object.fromEntries(
    RECORDS.flatMap(([, record]) =>
      Object.entries(record.options ?? {}).map(([flag, option]) => [flag, { type: option.type }]),
    ),
  );
}

/** The formats' own options under "Options:" in `export --help`. */
function formatOptionHelp(): string {
  return RECORDS.flatMap(([, record]) =>
    Object.values(record.options ?? {}).map((option) => `      ${option.help}\n`),
  ).join("");
}

/** `strongbox export --format F`: print the resolved configuration, values included. */
export const exportCommand: Command = {
  name: "export",
  options: {
    ...RESOLVE_OPTIONS,
    ...BREAK_GLASS_OPTIONS,
    format: { type: "string" },
    output: { type: "string", short: "o" },
    "only-secrets": { type: "boolean" },
    "no-secrets": { type: "boolean" },
    name: { type: "string" },
    ...formatOptionSpecs(),
  },
  usage: `Usage: strongbox export [options] [--format FORMAT] [-o FILE]

Prints every resolved variable with its value (this output holds secrets:
send it to a file with mode 0600 or a pipe, not a log). With -o FILE the
values go only to FILE: created with mode 0600 (never readable by others,
not even for an instant), an existing file replaced atomically; a symlink,
a directory, a pipe or a device at FILE, or a directory others can write
to on the way, is refused.

${formatHelp()}

Options:
${RESOLVE_HELP}
${BREAK_GLASS_HELP}
      --format F      output format (default: dotenv)
  -o, --output FILE   write to FILE (mode 0600) instead of stdout
      --name NAME     the Kubernetes Secret's name (default app-secrets)
${formatOptionHelp()}      --only-secrets  only variables marked secret
      --no-secrets    only variables not marked secret
`,
  async run(invocation, io) {
    const format = stringOption(invocation, "format") ?? "dotenv";
    if (!isFormat(format)) {
      throw new StrongboxError("E_USAGE", `export: unknown format "${format}"`, {
        hint: `formats: ${FORMATS.join(", ")}`,
      });
    }
    const output = stringOption(invocation, "output");
    if (output !== undefined && format === "github")
      throw new StrongboxError(
        "E_USAGE",
        "export --format github writes its values to $GITHUB_ENV (or --github-env); -o does not apply",
        { hint: "drop -o, or use --github-env PATH" },
      );
    if (output === "")
      throw new StrongboxError("E_USAGE", "export: -o takes a file path", {
        hint: "strongbox export -o .env.local",
      });
    // Refused before anything is resolved (and checked again when written).
    if (output !== undefined) checkOutputPath(output, io.cwd);
    const resolution = await resolveForCli(invocation, io);
    if (!resolution.ok) throw new ResolutionError(resolution.environment.name, resolution.issues);
    const only = invocation.values["only-secrets"] === true;
    const none = invocation.values["no-secrets"] === true;
    const pairs = resolution.entries.flatMap((entry) =>
      entry.raw === undefined || (only && !entry.secret) || (none && entry.secret)
        ? []
        : [[entry.envName, entry.raw] as const],
    );
    if (format === "github") {
      // Masked as everywhere else output is masked: secrets and `pii: true` values.
      const secrets = new Set(
        resolution.entries
          .filter((entry) => entry.secret || entry.pii === true)
          .map((entry) => entry.envName),
      );
      const target = githubEnvFile(invocation, io);
      // The file first: a refused one (a symlink, a FIFO) stops before anything is printed.
      // The runner reads it only when the step ends, after the masks.
      appendToRegularFile(target, formatPairs(pairs, "github"));
      writeData(io, githubMasks(pairs, secrets));
      return EXIT_OK;
    }
    const text = formatPairs(pairs, format, {
      name: stringOption(invocation, "name") ?? "app-secrets",
    });
    if (output === undefined) writeData(io, text);
    else {
      writeOutputFile(resolve(io.cwd, output), io.cwd, text, { mode: 0o600 });
      say(io, `strongbox: wrote ${pairs.length} variable(s) to ${output} (mode 0600)`);
    }
    return EXIT_OK;
  },
};

/**
 * The env file for `--format github`: `--github-env`, else `$GITHUB_ENV`. Refuses
 * when stdout is that same file (`… >> "$GITHUB_ENV"`, the old advice): the
 * masks would land in the env file, where the runner rejects them and masks
 * nothing.
 */
function githubEnvFile(invocation: Invocation, io: CliIo): string {
  const given = stringOption(invocation, "github-env") ?? io.env.GITHUB_ENV;
  if (given === undefined || given === "")
    throw new StrongboxError("E_USAGE", "export --format github: no env file to write values to", {
      hint: "run it inside a GitHub Actions step (which sets $GITHUB_ENV), or pass --github-env PATH",
    });
  const path = resolve(io.cwd, given);
  const out = io.stdout as { fd?: number };
  try {
    const target = statSync(path);
    const stdout = typeof out.fd === "number" ? fstatSync(out.fd) : undefined;
    if (stdout !== undefined && stdout.ino === target.ino && stdout.dev === target.dev)
      throw new StrongboxError(
        "E_USAGE",
        "export --format github: stdout is the env file itself; masks would be written into it",
        {
          hint: "drop the redirection: `strongbox export --format github` writes values to $GITHUB_ENV by itself and prints only the masks",
        },
      );
  } catch (error) {
    if (error instanceof StrongboxError) throw error;
  }
  return path;
}
