import { BUILTIN_ENVIRONMENTS } from "../../environments/defaults.js";
import { StrongboxError } from "../../errors.js";
import { openProject } from "../../project/open.js";
import { vaultClientFor } from "../../project/vault-client.js";
import { matchGlob } from "../../schema/glob.js";
import { applyCopy, destroyTree, planCopy } from "../../vault-ops/env-tree.js";
import { type Command, stringOption } from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { say, writeJson, writeReport } from "../io.js";

/** Names of environments that may be created and destroyed at will. */
const EPHEMERAL = ["pr-*", "preview-*", "review-*"];

/** `strongbox env create|destroy`: ephemeral per-pull-request environments in Vault. */
export const envCommand: Command = {
  name: "env",
  options: {
    from: { type: "string" },
    mount: { type: "string" },
    config: { type: "string", short: "c" },
    apply: { type: "boolean" },
    force: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox env list [--json]
       strongbox env create NAME --from ENV [--apply [--force]]
       strongbox env destroy NAME [--apply]

list prints the environments the config declares (the built-in ones when it
declares none), one per line: the names --env takes.

Ephemeral environments (pr-*, preview-*, review-*) live at
<mount>/<project>/<NAME>/… in Vault. create copies every secret under
<mount>/<project>/<ENV>/ there; destroy removes every secret under it with all
versions. Both print the plan and change nothing without --apply.

Options:
      --from ENV      the environment to copy (create)
      --mount M       the KV v2 mount (default secret)
      --apply         carry out the plan
      --force         create: overwrite targets that already exist
      --json          print the plan or result as JSON
`,
  async run(invocation, io) {
    const [action, name] = invocation.positionals;
    if (action === "list") {
      const project = await openProject({
        cwd: io.cwd,
        configPath: stringOption(invocation, "config"),
        processEnv: io.env,
      });
      const names = Object.keys(project.config.environments ?? BUILTIN_ENVIRONMENTS);
      if (invocation.values.json === true) writeJson(io, { environments: names });
      else writeReport(io, `${names.join("\n")}\n`);
      return EXIT_OK;
    }
    if ((action !== "create" && action !== "destroy") || name === undefined)
      throw new StrongboxError("E_USAGE", "env: give `create NAME --from ENV` or `destroy NAME`");
    if (!EPHEMERAL.some((glob) => matchGlob(glob, name))) {
      throw new StrongboxError("E_USAGE", `env: ${name} is not an ephemeral environment name`, {
        hint: `only ${EPHEMERAL.join(", ")} can be created or destroyed here`,
      });
    }
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const base = `${stringOption(invocation, "mount") ?? "secret"}/${project.config.project ?? "app"}`;
    // The new environment's own Vault and credentials (`pr-*` settings apply to pr-47).
    const client = vaultClientFor(project.config, name, io.env);
    try {
      if (action === "create") {
        const from = stringOption(invocation, "from");
        if (from === undefined) throw new StrongboxError("E_USAGE", "env create: give --from ENV");
        const steps = await planCopy(client, `${base}/${from}`, `${base}/${name}`);
        if (invocation.values.apply !== true) {
          if (invocation.values.json === true) writeJson(io, { dryRun: true, steps });
          else
            for (const step of steps)
              writeReport(
                io,
                `copy ${step.from} -> ${step.to} (${step.keys} keys)${step.exists ? " [exists]" : ""}\n`,
              );
          say(io, `strongbox: dry run: ${steps.length} secrets would be copied; add --apply`);
          return EXIT_OK;
        }
        const copied = await applyCopy(client, steps, invocation.values.force === true);
        say(io, `strongbox: copied ${copied} of ${steps.length} secrets to ${base}/${name}`);
        return verdict(copied === steps.length);
      }
      if (invocation.values.apply !== true) {
        const { listTree } = await import("../../vault-ops/env-tree.js");
        const paths = await listTree(client, `${base}/${name}`);
        if (invocation.values.json === true) writeJson(io, { dryRun: true, paths });
        else for (const path of paths) writeReport(io, `destroy ${path}\n`);
        say(io, `strongbox: dry run: ${paths.length} secrets would be destroyed; add --apply`);
        return EXIT_OK;
      }
      const removed = await destroyTree(client, `${base}/${name}`);
      say(io, `strongbox: destroyed ${removed.length} secrets under ${base}/${name}`);
      return EXIT_OK;
    } finally {
      await client.close();
    }
  },
};
