import { appendFileSync, fstatSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ResolutionError, StrongboxError } from "../../errors.js";
import { FORMATS, type Format, formatPairs, githubMasks } from "../../format/formats.js";
import { envValue } from "../../util/env-value.js";
import {
  type Command,
  type Invocation,
  RESOLVE_HELP,
  RESOLVE_OPTIONS,
  stringOption,
} from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { writeData } from "../io.js";
import { resolveForCli } from "../resolve-for-cli.js";

/** `strongbox export --format F`: print the resolved configuration, values included. */
export const exportCommand: Command = {
  name: "export",
  options: {
    ...RESOLVE_OPTIONS,
    format: { type: "string" },
    "only-secrets": { type: "boolean" },
    "no-secrets": { type: "boolean" },
    name: { type: "string" },
    "env-file": { type: "string" },
  },
  usage: `Usage: strongbox export [options] [--format FORMAT]

Prints every resolved variable with its value (this output holds secrets:
send it to a file with mode 0600 or a pipe, not a log).

  dotenv   KEY='value' lines our parser, dotenv and Compose read back unchanged
  json     one JSON object of strings
  shell    export KEY='value' lines: eval "$(strongbox export --format shell)"
  docker   KEY=value lines for docker run --env-file (values taken verbatim;
           a value with a line break is refused)
  yaml     KEY: "value" lines
  systemd  KEY="value" lines for EnvironmentFile= (no line breaks)
  github   two streams: ::add-mask:: lines for every secret on stdout (the
           runner masks them in the log), and NAME<<DELIMITER heredocs
           appended to the file in $GITHUB_ENV (or --env-file PATH).
           Run it as is, without redirecting stdout into $GITHUB_ENV
  kubernetes  a Secret manifest (type Opaque, base64 data); --name sets its name
  direnv   export lines for .envrc: eval "$(strongbox export --format direnv)"

Options:
${RESOLVE_HELP}
      --format F      output format (default: dotenv)
      --name NAME     the Kubernetes Secret's name (default app-secrets)
      --env-file PATH with --format github: where the values go (default $GITHUB_ENV)
      --only-secrets  only variables marked secret
      --no-secrets    only variables not marked secret
`,
  async run(invocation, io) {
    const format = stringOption(invocation, "format") ?? "dotenv";
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new StrongboxError("E_USAGE", `export: unknown format "${format}"`, {
        hint: `formats: ${FORMATS.join(", ")}`,
      });
    }
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
      writeData(io, githubMasks(pairs, secrets));
      appendFileSync(target, formatPairs(pairs, "github"), { mode: 0o600 });
      return EXIT_OK;
    }
    writeData(
      io,
      formatPairs(pairs, format as Format, {
        name: stringOption(invocation, "name") ?? "app-secrets",
      }),
    );
    return EXIT_OK;
  },
};

/**
 * The env file for `--format github`: `--env-file`, else `$GITHUB_ENV`. Refuses
 * when stdout is that same file (`… >> "$GITHUB_ENV"`, the old advice): the
 * masks would land in the env file, where the runner rejects them and masks
 * nothing.
 */
function githubEnvFile(invocation: Invocation, io: CliIo): string {
  const given = stringOption(invocation, "env-file") ?? envValue(io.env, "GITHUB_ENV");
  if (given === undefined || given === "")
    throw new StrongboxError("E_USAGE", "export --format github: no env file to write values to", {
      hint: "run it inside a GitHub Actions step (which sets $GITHUB_ENV), or pass --env-file PATH",
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
