import {
  applyCopy,
  destroyTree,
  EPHEMERAL_ENVIRONMENTS,
  isEphemeralEnvironment,
  isProductionName,
  listTree,
  planCopy,
  type VaultClient,
} from "../../api/vault.js";
import { StrongboxError } from "../../errors.js";
import { openSession } from "../../index.js";
import { type Command, type Invocation, stringOption } from "../command.js";
import { confirmOrStop } from "../confirm.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { type CliIo, say, writeJson, writeReport } from "../io.js";

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
    yes: { type: "boolean", short: "y" },
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
versions. Both print the plan and change nothing without --apply. Copying
production's secrets asks first on a terminal and needs --yes off one.

Options:
      --from ENV      the environment to copy (create)
      --mount M       the KV v2 mount (default secret)
      --apply         carry out the plan
      --force         create: overwrite targets that already exist
      --json          print the plan or result as JSON
  -y, --yes           create --from production --apply: copy without asking
                      (needed off a terminal)
`,
  async run(invocation, io) {
    const [action, name] = invocation.positionals;
    if (action === "list") return listEnvironments(invocation, io);
    if ((action !== "create" && action !== "destroy") || name === undefined)
      throw new StrongboxError("E_USAGE", "env: give `create NAME --from ENV` or `destroy NAME`");
    if (!isEphemeralEnvironment(name)) {
      throw new StrongboxError("E_USAGE", `env: ${name} is not an ephemeral environment name`, {
        hint: `only ${EPHEMERAL_ENVIRONMENTS.join(", ")} can be created or destroyed here`,
      });
    }
    // The new environment's own Vault and credentials (`pr-*` settings apply to pr-47).
    const session = await openSession({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
      environment: name,
    });
    const base = `${stringOption(invocation, "mount") ?? "secret"}/${session.config.project ?? "app"}`;
    const client = session.vault();
    try {
      if (action === "create") return await create(client, base, name, invocation, io);
      return await destroy(client, `${base}/${name}`, invocation, io);
    } finally {
      await session.close();
    }
  },
};

/** `env list`: the names `--env` takes. */
async function listEnvironments(invocation: Invocation, io: CliIo): Promise<number> {
  const session = await openSession({
    cwd: io.cwd,
    configPath: stringOption(invocation, "config"),
    processEnv: io.env,
  });
  const names = session.environments();
  if (invocation.values.json === true) writeJson(io, { environments: names });
  else writeReport(io, `${names.join("\n")}\n`);
  return EXIT_OK;
}

/** `env create NAME --from ENV`: copies the `--from` tree to NAME's (a plan without `--apply`). */
async function create(
  client: VaultClient,
  base: string,
  name: string,
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
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
  if (isProductionName(from))
    await confirmOrStop(invocation, io, {
      command: "env create",
      question: `copy ${steps.length} production secrets to ${base}/${name}? [y/N] `,
      why: `this copies ${steps.length} production secrets to ${base}/${name}`,
      hint: "look at the plan without --apply, then pass --yes to copy",
    });
  const copied = await applyCopy(client, steps, invocation.values.force === true);
  say(io, `strongbox: copied ${copied} of ${steps.length} secrets to ${base}/${name}`);
  return verdict(copied === steps.length);
}

/** `env destroy NAME`: removes every secret under the tree, all versions (a plan without `--apply`). */
async function destroy(
  client: VaultClient,
  tree: string,
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
  if (invocation.values.apply !== true) {
    const paths = await listTree(client, tree);
    if (invocation.values.json === true) writeJson(io, { dryRun: true, paths });
    else for (const path of paths) writeReport(io, `destroy ${path}\n`);
    say(io, `strongbox: dry run: ${paths.length} secrets would be destroyed; add --apply`);
    return EXIT_OK;
  }
  const removed = await destroyTree(client, tree);
  say(io, `strongbox: destroyed ${removed.length} secrets under ${tree}`);
  return EXIT_OK;
}
