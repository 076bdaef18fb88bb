import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ResolutionError, StrongboxError } from "../../errors.js";
import { openProject, resolveProject } from "../../project.js";
import { createRedactor } from "../../redact/redactor.js";
import { withoutCredentials } from "../../security/credentials.js";
import { checkOutputPath, outputMode } from "../../security/output-file.js";
import { writeFileAtomic } from "../../store/atomic-write.js";
import { parseTemplate } from "../../template/parse.js";
import { checkFunctions, renderTemplate } from "../../template/render.js";
import { envValue } from "../../util/env-value.js";
import { VaultClient } from "../../vault/client.js";
import { vaultTemplateSource } from "../../vault-ops/template-source.js";
import { type Command, type Invocation, listOption, stringOption } from "../command.js";
import { type CliIo, say } from "../io.js";

/** `strongbox render`: render consul-template style templates from Vault, written safely. */
export const renderCommand: Command = {
  name: "render",
  options: {
    input: { type: "string", short: "i" },
    output: { type: "string", short: "o" },
    template: { type: "string", short: "t", multiple: true },
    dry: { type: "boolean" },
    reveal: { type: "boolean" },
    "allow-missing": { type: "boolean" },
    mode: { type: "string" },
    force: { type: "boolean" },
    env: { type: "string", short: "e" },
    config: { type: "string", short: "c" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox render -i TEMPLATE -o OUTPUT [options]
       strongbox render -t TEMPLATE:OUTPUT[:COMMAND]... [options]

Renders secrets.ctmpl-style templates (with secret, .Data.data.KEY, env,
printf, index, toJSON, base64Encode/Decode, if/with/range/else, and
Strongbox's own {{ strongbox "VAR" }} and {{ ref "REF" }} (any reference), which
resolve through the schema and the environment's policy) from
Vault/OpenBao (VAULT_ADDR and a token or AppRole, as for vault:// refs).
Each output is written atomically with mode 0600. A symlink at the output
path (unless --force), a symlinked directory on the way to it, and a
directory others can write to (without the sticky bit) are refused. A key missing
from a secret is an error unless --allow-missing. With -t, COMMAND runs
(sh -c) after its output is written.

Options:
  -i, --input PATH        the template
  -o, --output PATH       where to write it
  -t, --template I:O[:C]  a template, its output and an optional command (repeatable)
      --dry               print to stdout instead of writing; every value from Vault,
                          the schema's secrets or the environment is masked
      --reveal            with --dry: do not mask
      --allow-missing     render missing keys as empty
      --mode OCTAL        file mode of outputs (default 0600; read bits for the group
                          or others may be added, write and execute bits never)
      --force             write through a symlink at the output path
  -e, --env NAME          the environment for {{ strongbox "VAR" }} and {{ ref "…" }}
  -c, --config PATH       the config those resolve through
`,
  async run(invocation, io) {
    const jobs = [...(listOption(invocation, "template") ?? []).map(parseJob)];
    const input = stringOption(invocation, "input");
    if (input !== undefined)
      jobs.push({ input, output: stringOption(invocation, "output") ?? "", command: undefined });
    if (jobs.length === 0)
      throw new StrongboxError(
        "E_USAGE",
        "render: give -i TEMPLATE -o OUTPUT or -t TEMPLATE:OUTPUT",
        { hint: "strongbox render --help" },
      );
    const mode = outputMode(stringOption(invocation, "mode"), "render --mode");
    // Created on the first {{ secret }}: a template that reads no Vault path needs no Vault.
    let client: VaultClient | undefined;
    const secrets: Array<{ name: string; value: string }> = [];
    let vault: ReturnType<typeof vaultTemplateSource> | undefined;
    const source = () => {
      client ??= VaultClient.fromEnv(io.env);
      vault ??= vaultTemplateSource(client, {
        onValue: (name, value) => secrets.push({ name, value }),
      });
      return vault;
    };
    const cache = new Map<string, Promise<unknown>>();
    const secret = (path: string) => {
      if (!cache.has(path)) cache.set(path, source().secret(path));
      return cache.get(path) as Promise<unknown>;
    };
    try {
      for (const job of jobs) {
        const nodes = parseTemplate(readFileSync(resolve(io.cwd, job.input), "utf8"), job.input);
        checkFunctions(nodes, job.input);
        const text = await renderTemplate(nodes, {
          secret,
          env: (name) => {
            const value = envValue(io.env, name);
            // --dry masks what came from the environment too: it may be a secret the schema never named.
            if (value !== undefined && value !== "") secrets.push({ name, value });
            return value;
          },
          list: (path) => source().list(path),
          variable: (name) => resolveThroughSchema(invocation, io, name, undefined, secrets),
          ref: (text) => resolveThroughSchema(invocation, io, "REF", text, secrets),
          allowMissing: invocation.values["allow-missing"] === true,
          file: job.input,
        });
        if (invocation.values.dry === true) {
          io.stdout.write(
            invocation.values.reveal === true ? text : createRedactor(secrets).redact(text),
          );
          continue;
        }
        if (job.output === "")
          throw new StrongboxError("E_USAGE", "render: -i needs -o OUTPUT (or use --dry)");
        const output = resolve(io.cwd, job.output);
        checkOutputPath(output, io.cwd, { allowSymlink: invocation.values.force === true });
        writeFileAtomic(output, Buffer.from(text), mode);
        say(io, `strongbox: rendered ${job.input} -> ${job.output}`);
        if (job.command !== undefined) {
          const result = spawnSync("sh", ["-c", job.command], {
            stdio: "inherit",
            cwd: io.cwd,
            env: withoutCredentials(io.env),
          });
          if (result.status !== 0)
            throw new StrongboxError(
              "E_SPAWN",
              `render: the command after ${job.output} exited ${result.status}`,
              { hint: "check the command given with -t" },
            );
        }
      }
      return 0;
    } finally {
      await client?.close();
    }
  },
};

function parseJob(text: string): { input: string; output: string; command: string | undefined } {
  const [input, output, ...command] = text.split(":");
  if (!input || !output)
    throw new StrongboxError("E_USAGE", "render: -t takes TEMPLATE:OUTPUT[:COMMAND]");
  return { input, output, command: command.length === 0 ? undefined : command.join(":") };
}

/**
 * Resolves `{{ strongbox "VAR" }}` (a schema variable) or `{{ ref "…" }}` (a
 * reference, checked against the environment's policy as a secret) through
 * the project's config. Throws the resolution's own problems.
 */
async function resolveThroughSchema(
  invocation: Invocation,
  io: CliIo,
  name: string,
  ref: string | undefined,
  secrets: Array<{ name: string; value: string }>,
): Promise<string> {
  const project = await openProject({
    cwd: io.cwd,
    configPath: stringOption(invocation, "config"),
    processEnv: io.env,
  });
  const config =
    ref === undefined
      ? project.config
      : { ...project.config, variables: { [name]: { secret: true, ref } } };
  if (ref === undefined && !Object.hasOwn(project.config.variables, name)) {
    throw new StrongboxError(
      "E_TEMPLATE",
      `{{ strongbox "${name}" }}: ${name} is not in the schema`,
      { hint: 'declare it, or use {{ ref "…" }}' },
    );
  }
  const resolution = await resolveProject(
    { ...project, config },
    { environment: stringOption(invocation, "env"), processEnv: io.env, cwd: io.cwd },
  );
  const entry = resolution.entries.find((e) => e.name === name);
  const problems = resolution.issues.filter((i) => i.variable === name);
  if (entry?.raw === undefined || problems.length > 0)
    throw new ResolutionError(
      resolution.environment.name,
      problems.length > 0 ? problems : resolution.issues,
    );
  if (entry.secret) secrets.push({ name, value: entry.raw });
  return entry.raw;
}
