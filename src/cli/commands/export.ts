import { ResolutionError, StrongboxError } from "../../errors.js";
import { FORMATS, type Format, formatPairs } from "../../format/formats.js";
import { type Command, RESOLVE_HELP, RESOLVE_OPTIONS, stringOption } from "../command.js";
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
  github   ::add-mask:: lines for secrets, then NAME<<DELIMITER heredocs:
           strongbox export --format github >> "$GITHUB_ENV"
  kubernetes  a Secret manifest (type Opaque, base64 data); --name sets its name
  direnv   export lines for .envrc: eval "$(strongbox export --format direnv)"

Options:
${RESOLVE_HELP}
      --format F      output format (default: dotenv)
      --name NAME     the Kubernetes Secret's name (default app-secrets)
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
    const secrets = new Set(
      resolution.entries.filter((entry) => entry.secret).map((entry) => entry.envName),
    );
    io.stdout.write(
      formatPairs(pairs, format as Format, {
        secrets,
        name: stringOption(invocation, "name") ?? "app-secrets",
      }),
    );
    return 0;
  },
};
