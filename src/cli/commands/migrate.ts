import { resolve } from "node:path";
import {
  applyMigration,
  planMigration,
  rollbackMigration,
  skippedCredentialsLine,
  sourcesFromEnvironment,
  sourcesFromFiles,
} from "../../api/migrate.js";
import { StrongboxError } from "../../errors.js";
import { openSession, type ProjectSession } from "../../index.js";
import { type Command, type Invocation, listOption, stringOption } from "../command.js";
import { confirmOrStop } from "../confirm.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { type CliIo, say, writeJson, writeReport, writeTerminal } from "../io.js";
import { table } from "../table.js";

/** `strongbox migrate`: move `.env` secrets into Vault, dry run first. */
export const migrateCommand: Command = {
  name: "migrate",
  options: {
    file: { type: "string", short: "f", multiple: true },
    "from-env": { type: "boolean" },
    name: { type: "string", multiple: true },
    env: { type: "string", short: "e" },
    config: { type: "string", short: "c" },
    secrets: { type: "string", multiple: true },
    mount: { type: "string" },
    apply: { type: "boolean" },
    force: { type: "boolean" },
    journal: { type: "string" },
    rollback: { type: "string" },
    json: { type: "boolean" },
    yes: { type: "boolean", short: "y" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox migrate [-f FILE]... [--from-env] [--env E] [--secrets CAT]... [--apply [--force]]
       strongbox migrate --rollback JOURNAL

Moves secrets from .env files (or the current environment) into Vault. Without
--apply it only prints the plan: each variable, its target path#key and
whether the target is new, the same, different, or skipped (never values).
Secrets are the variables the schema marks secret, else names like *_KEY,
*_SECRET, *_TOKEN, *_PASSWORD, DATABASE_URL, or URLs with a password. Targets
are the schema's vault:// reference for the environment, else
secret/<project>/<env>/<category> (category: the schema component, or
database, redis, stripe, s3, mail, app by name).

--apply writes new keys (different ones only with --force), one check-and-set
patch per path, records each path in a journal, then reads every key back.
--rollback JOURNAL restores the versions the journal recorded; a path written again
since the migration is not rolled back (E_VAULT_CAS names it).

Options:
  -f, --file PATH     a .env file to read (repeatable)
      --from-env      read the current environment instead: the schema's variables
                      and those named with --name, never Strongbox's credentials
      --name N        with --from-env: also take N (repeatable or comma-separated)
  -e, --env NAME      the target environment (default production; --apply
                      without --env asks on a terminal, and needs --env or
                      --yes off one)
      --secrets CATS  only these categories (space- or comma-separated, or
                      repeated: --secrets database redis stripe); an unknown
                      category is an error listing the known ones
      --mount M       the KV mount for targets the schema does not name (default secret)
      --apply         write; without it nothing changes
      --force         with --apply: overwrite keys that differ
      --journal PATH  where to record what was written (default migrate-<time>.jsonl)
      --json          print the plan or result as JSON
  -y, --yes           with --apply: write to the default environment without asking
`,
  async run(invocation, io) {
    const environment = stringOption(invocation, "env") ?? "production";
    const session = await openSession({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
      environment,
      auditCwd: io.cwd,
    });
    const client = session.vault();
    try {
      const rollback = stringOption(invocation, "rollback");
      if (rollback !== undefined) return await rollBack(client, rollback, io);
      const categories = selectedCategories(invocation);
      const mount = stringOption(invocation, "mount");
      const plan = await planMigration(client, session.config, sourcesOf(session, invocation, io), {
        environment,
        ...(categories === undefined ? {} : { categories }),
        ...(mount === undefined ? {} : { mount }),
      });
      if (invocation.values.apply !== true) {
        if (invocation.values.json === true) writeJson(io, { dryRun: true, rows: plan.rows });
        else writeReport(io, planTable(plan.rows));
        say(io, "strongbox: dry run: nothing was written; add --apply to migrate");
        return EXIT_OK;
      }
      if (stringOption(invocation, "env") === undefined)
        await confirmOrStop(invocation, io, {
          command: "migrate",
          question: `migrate these secrets into Vault for "${environment}" (the default environment)? [y/N] `,
          why: `no --env given, so the secrets would be written for "${environment}", the default`,
          hint: `name the target: --env ${environment} (or pass --yes)`,
        });
      return await apply(session, plan, invocation, io);
    } finally {
      await session.close();
    }
  },
};

type Client = ReturnType<ProjectSession["vault"]>;
type Plan = Awaited<ReturnType<typeof planMigration>>;

/** `--rollback JOURNAL`: restores every path the journal's migration wrote. */
async function rollBack(client: Client, journal: string, io: CliIo): Promise<number> {
  const entries = await rollbackMigration(client, resolve(io.cwd, journal));
  say(
    io,
    `strongbox: rolled back ${entries.length} path${entries.length === 1 ? "" : "s"}: ${entries.map((e) => e.path).join(", ")}`,
  );
  return EXIT_OK;
}

/** The values to migrate: `--from-env` (the schema's names, or `--name`), else the `-f` files. */
function sourcesOf(session: ProjectSession, invocation: Invocation, io: CliIo) {
  const onCredentials = (names: readonly string[]) =>
    say(io, `strongbox: ${skippedCredentialsLine(names)}`);
  if (invocation.values["from-env"] === true)
    return sourcesFromEnvironment(
      io.env,
      Object.entries(session.config.variables).map(([name, spec]) => spec.env ?? name),
      listValues(invocation, "name"),
      onCredentials,
    );
  const files = listOption(invocation, "file");
  return sourcesFromFiles(files ?? usage("migrate: give -f FILE or --from-env"), {
    cwd: io.cwd,
    env: io.env,
    onCredentials,
  });
}

/** `--apply`: writes the plan with a journal, then reports what was migrated. */
async function apply(
  session: ProjectSession,
  plan: Plan,
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
  const journal = resolve(
    io.cwd,
    stringOption(invocation, "journal") ??
      `migrate-${new Date().toISOString().replace(/[:.]/g, "-")}.jsonl`,
  );
  const progress =
    io.stderr.isTTY === true && io.quiet !== true
      ? (done: number, total: number) =>
          writeTerminal(io, `migrating: ${done}/${total} paths`, { before: "\r", after: "" })
      : undefined;
  const result = await applyMigration(session.vault(), plan, {
    force: invocation.values.force === true,
    journal,
    audit: session.audit(),
    ...(progress ? { onProgress: progress } : {}),
  });
  if (progress) writeTerminal(io, "", { before: "", after: "\n" });
  const clean = result.errors.length === 0 && result.mismatches.length === 0;
  if (invocation.values.json === true) writeJson(io, { journal, ...result }, clean);
  else {
    writeReport(io, planTable(plan.rows));
    say(
      io,
      `strongbox: migrated ${result.migrated}, skipped ${result.skipped}, errors ${result.errors.length}; journal ${journal}`,
    );
    for (const error of result.errors) say(io, `  ✗ ${error.message} (${error.code})`);
    for (const key of result.mismatches)
      say(io, `  ✗ ${key} reads back different from what was written`);
  }
  return verdict(clean);
}

function usage(message: string): never {
  throw new StrongboxError("E_USAGE", message);
}

/**
 * `--secrets database redis` (seed 000's spelling), `--secrets database,redis`
 * and `--secrets database --secrets redis` all select both: words after
 * `--secrets` are categories too. A word without `--secrets` is a mistake.
 */
function selectedCategories(invocation: Invocation): string[] | undefined {
  const named = listValues(invocation, "secrets");
  const words = invocation.positionals.flatMap((word) => word.split(",")).filter(Boolean);
  if (named === undefined) {
    if (words.length > 0)
      usage(
        `migrate: unexpected argument ${words[0]}; to select categories, use --secrets ${words.join(" ")}`,
      );
    return undefined;
  }
  return [...named, ...words.map((word) => word.trim())];
}

/** A repeatable option whose values may also be comma-separated (`--secrets a,b --secrets c`). */
function listValues(invocation: Invocation, name: string): string[] | undefined {
  return listOption(invocation, name)?.flatMap((value) =>
    value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean),
  );
}

function planTable(
  rows: ReadonlyArray<{
    variable: string;
    path: string;
    key: string;
    status: string;
    reason?: string;
  }>,
): string {
  return table(
    ["VARIABLE", "TARGET", "STATUS"],
    rows.map((row) => [
      row.variable,
      `${row.path}#${row.key}`,
      row.status + (row.reason ? ` (${row.reason})` : ""),
    ]),
  );
}
