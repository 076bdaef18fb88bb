import { checkProjectLayers, layersDiff } from "../../api/check.js";
import { lifecycleFindings } from "../../api/lifecycle.js";
import { ResolutionError } from "../../errors.js";
import { openProject } from "../../index.js";
import {
  BREAK_GLASS_HELP,
  BREAK_GLASS_OPTIONS,
  type Command,
  type Invocation,
  listOption,
  RESOLVE_HELP,
  RESOLVE_OPTIONS,
  stringOption,
} from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { type CliIo, say, writeJson, writeReport } from "../io.js";
import { lifecycleContext } from "../lifecycle-context.js";
import { resolveOpenProject } from "../resolve-for-cli.js";

/** `strongbox check`: resolve and validate only. The CI gate. */
export const checkCommand: Command = {
  name: "check",
  options: {
    ...RESOLVE_OPTIONS,
    ...BREAK_GLASS_OPTIONS,
    json: { type: "boolean" },
    layers: { type: "boolean" },
    diff: { type: "boolean" },
    live: { type: "boolean" },
    template: { type: "string", multiple: true },
    code: { type: "string" },
  },
  usage: `Usage: strongbox check [options]

Resolves and validates every variable for the environment without printing
any value. Exits 0 when all is well, 4 when any variable has a problem (all
are listed), 3 when the config or schema is invalid.

With --layers it checks instead that the three layers agree, needing no
secret values (the CI gate): every variable a secrets.ctmpl renders is in the
schema with the same Vault path and key, every schema variable is in
.env.example and nothing else is, no secret has a value there, and [VAULT]
markers match production's sources. A Pydantic BaseSettings class (config.py
beside the config, or --code) is read statically, without running Python:
its fields must be in the schema, SecretStr fields secrets, types compatible,
and every variable production reads from Vault a field. Exit 4 on any
disagreement.

Options:
${RESOLVE_HELP}
${BREAK_GLASS_HELP}
      --json          print the result as JSON on stdout
      --layers        check schema, .env.example and secrets*.ctmpl against each other
      --diff          with --layers: list what each layer lacks
      --live          with --layers: also check that every secret the environment
                      (--env, default production) reads from Vault exists and
                      is not empty there (names only; needs VAULT_ADDR and a token)
      --template PATH with --layers: a template to check (repeatable; default
                      secrets.ctmpl and secrets.*.ctmpl beside the config)
      --code FILE     with --layers: the Python file with the BaseSettings class
                      (default config.py beside the config, when present)
`,
  async run(invocation, io) {
    if (invocation.values.layers === true) return checkLayersCommand(invocation, io);
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const resolution = await resolveOpenProject(project, invocation, io);
    if (!resolution.ok) throw new ResolutionError(resolution.environment.name, resolution.issues);
    const lifecycle = await lifecycleFindings({
      ...(await lifecycleContext(invocation, io, project)),
      environment: resolution.environment.name,
    });
    for (const warning of lifecycle.warnings) say(io, `strongbox: warning: ${warning}`);
    if (lifecycle.issues.length > 0)
      throw new ResolutionError(resolution.environment.name, lifecycle.issues);
    const resolved = resolution.entries.filter((entry) => entry.raw !== undefined);
    const secrets = resolved.filter((entry) => entry.secret).length;
    if (invocation.values.json === true) {
      const body = {
        ok: true,
        ...(lifecycle.warnings.length === 0 ? {} : { warnings: lifecycle.warnings }),
        environment: resolution.environment.name,
        variables: resolved.length,
        secrets,
        unset: resolution.entries.length - resolved.length,
        ...(resolution.breakGlass === undefined ? {} : { breakGlass: resolution.breakGlass }),
      };
      writeJson(io, body);
    } else {
      say(
        io,
        `strongbox: ok: ${resolved.length} variables resolved for environment "${resolution.environment.name}" (${secrets} secret${secrets === 1 ? "" : "s"})`,
      );
    }
    return EXIT_OK;
  },
};

async function checkLayersCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const project = await openProject({
    cwd: io.cwd,
    configPath: stringOption(invocation, "config"),
    processEnv: io.env,
  });
  const report = await checkProjectLayers(project, {
    cwd: io.cwd,
    templates: listOption(invocation, "template"),
    code: stringOption(invocation, "code"),
    ...(invocation.values.live === true
      ? { live: { environment: stringOption(invocation, "env") ?? "production", env: io.env } }
      : {}),
  });
  if (invocation.values.json === true) {
    writeJson(io, report);
  } else if (report.ok) {
    say(
      io,
      `strongbox: ok: the schema, ${report.code === undefined ? "" : `${report.code}, `}${report.example === undefined ? "(no .env.example)" : ".env.example"} and ${report.templates.length} template${report.templates.length === 1 ? "" : "s"} agree`,
    );
  } else {
    say(
      io,
      `strongbox: error: the layers disagree in ${report.issues.length} place${report.issues.length === 1 ? "" : "s"} (E_LAYERS)`,
    );
    for (const item of report.issues)
      say(
        io,
        `  ✗ ${item.message} (${item.rule})${item.hint === undefined ? "" : `\n      hint: ${item.hint}`}`,
      );
    say(
      io,
      "strongbox: hint: `strongbox generate example` and `strongbox generate ctmpl` rewrite both layers from the schema",
    );
  }
  if (invocation.values.diff === true) writeReport(io, layersDiff(report));
  return verdict(report.ok);
}
