import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Issue } from "../../errors.js";
import { ResolutionError } from "../../errors.js";
import { checkLayers } from "../../layers/check-layers.js";
import { openProject, type Project } from "../../project.js";
import {
  type Command,
  type Invocation,
  listOption,
  RESOLVE_HELP,
  RESOLVE_OPTIONS,
  stringOption,
} from "../command.js";
import { verdict } from "../exit-codes.js";
import { type CliIo, say } from "../io.js";
import { resolveForCli } from "../resolve-for-cli.js";

/** `strongbox check`: resolve and validate only. The CI gate. */
export const checkCommand: Command = {
  name: "check",
  options: {
    ...RESOLVE_OPTIONS,
    json: { type: "boolean" },
    layers: { type: "boolean" },
    diff: { type: "boolean" },
    live: { type: "boolean" },
    template: { type: "string", multiple: true },
  },
  usage: `Usage: strongbox check [options]

Resolves and validates every variable for the environment without printing
any value. Exits 0 when all is well, 4 when any variable has a problem (all
are listed), 3 when the config or schema is invalid.

With --layers it checks instead that the three layers agree, needing no
secret values (the CI gate): every variable a secrets.ctmpl renders is in the
schema with the same Vault path and key, every schema variable is in
.env.example and nothing else is, no secret has a value there, and [VAULT]
markers match production's sources. Exit 4 on any disagreement.

Options:
${RESOLVE_HELP}
      --json          print the result as JSON on stdout
      --layers        check schema, .env.example and secrets*.ctmpl against each other
      --diff          with --layers: list what each layer lacks
      --live          with --layers: also check that every secret the environment
                      (--env, default production) reads from Vault exists and
                      is not empty there (names only; needs VAULT_ADDR and a token)
      --template PATH with --layers: a template to check (repeatable; default
                      secrets.ctmpl and secrets.*.ctmpl beside the config)
`,
  async run(invocation, io) {
    if (invocation.values.layers === true) return checkLayersCommand(invocation, io);
    const resolution = await resolveForCli(invocation, io);
    if (!resolution.ok) throw new ResolutionError(resolution.environment.name, resolution.issues);
    const resolved = resolution.entries.filter((entry) => entry.raw !== undefined);
    const secrets = resolved.filter((entry) => entry.secret).length;
    if (invocation.values.json === true) {
      const body = {
        ok: true,
        environment: resolution.environment.name,
        variables: resolved.length,
        secrets,
        unset: resolution.entries.length - resolved.length,
      };
      io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else {
      say(
        io,
        `strongbox: ok: ${resolved.length} variables resolved for environment "${resolution.environment.name}" (${secrets} secret${secrets === 1 ? "" : "s"})`,
      );
    }
    return 0;
  },
};

async function checkLayersCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const project = await openProject({
    cwd: io.cwd,
    configPath: stringOption(invocation, "config"),
    processEnv: io.env,
  });
  const read = (path: string) => ({
    path: relative(io.cwd, path) || path,
    text: readFileSync(path, "utf8"),
  });
  const examplePath = join(project.baseDir, ".env.example");
  const explicit = listOption(invocation, "template");
  const templates =
    explicit !== undefined
      ? explicit.map((path) => resolve(io.cwd, path))
      : readdirSync(project.baseDir)
          .filter((name) => /^secrets(\.[\w-]+)?\.ctmpl$/.test(name))
          .map((name) => join(project.baseDir, name));
  const layered = checkLayers(project.config, {
    ...(existsSync(examplePath) ? { example: read(examplePath) } : {}),
    templates: templates.map(read),
  });
  const live =
    invocation.values.live === true
      ? await liveIssues(project, stringOption(invocation, "env") ?? "production", io)
      : [];
  const report = {
    ...layered,
    ok: layered.ok && live.length === 0,
    issues: [...layered.issues, ...live],
  };
  if (invocation.values.json === true) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (report.ok) {
    say(
      io,
      `strongbox: ok: the schema, ${existsSync(examplePath) ? ".env.example" : "(no .env.example)"} and ${templates.length} template${templates.length === 1 ? "" : "s"} agree`,
    );
  } else {
    say(
      io,
      `strongbox: error: the layers disagree in ${report.issues.length} place${report.issues.length === 1 ? "" : "s"} (E_LAYERS)`,
    );
    for (const item of report.issues) say(io, `  ✗ ${item.message} (${item.rule})`);
    say(
      io,
      "strongbox: hint: `strongbox generate example` and `strongbox generate ctmpl` rewrite both layers from the schema",
    );
  }
  if (invocation.values.diff === true && !report.ok) {
    const lines = [
      "--- schema",
      "+++ .env.example",
      ...report.missing.example.map((name) => `-${name}`),
      "--- templates",
      "+++ schema",
      ...report.missing.schema.map((name) => `+${name}`),
    ];
    io.stdout.write(`${lines.join("\n")}\n`);
  }
  return verdict(report.ok);
}

async function liveIssues(project: Project, environment: string, io: CliIo): Promise<Issue[]> {
  const { VaultClient } = await import("../../vault/client.js");
  const { liveLayerIssues } = await import("../../layers/live.js");
  const client = VaultClient.fromEnv(io.env, project.config.vault);
  try {
    return await liveLayerIssues(project.config, environment, client);
  } finally {
    await client.close();
  }
}
