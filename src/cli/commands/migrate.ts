import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDotenv } from "../../dotenv/parse.js";
import { StrongboxError } from "../../errors.js";
import { applyMigration, rollbackMigration } from "../../migrate/apply.js";
import { planMigration, type SourceValue } from "../../migrate/plan.js";
import { openProject } from "../../project.js";
import { isCredentialVariable } from "../../security/credentials.js";
import { envValue } from "../../util/env-value.js";
import { VaultClient } from "../../vault/client.js";
import { type Command, listOption, stringOption } from "../command.js";
import { verdict } from "../exit-codes.js";
import { say } from "../io.js";

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
--rollback JOURNAL restores the versions the journal recorded.

Options:
  -f, --file PATH     a .env file to read (repeatable)
      --from-env      read the current environment instead: the schema's variables
                      and those named with --name, never Strongbox's credentials
      --name N        with --from-env: also take N (repeatable or comma-separated)
  -e, --env NAME      the target environment (default production)
      --secrets CATS  only these categories (repeatable or comma-separated:
                      --secrets database,redis,stripe)
      --mount M       the KV mount for targets the schema does not name (default secret)
      --apply         write; without it nothing changes
      --force         with --apply: overwrite keys that differ
      --journal PATH  where to record what was written (default migrate-<time>.jsonl)
      --json          print the plan or result as JSON
`,
  async run(invocation, io) {
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const client = VaultClient.fromEnv(io.env, project.config.vault);
    try {
      const rollback = stringOption(invocation, "rollback");
      if (rollback !== undefined) {
        const entries = await rollbackMigration(client, resolve(io.cwd, rollback));
        say(
          io,
          `strongbox: rolled back ${entries.length} path${entries.length === 1 ? "" : "s"}: ${entries.map((e) => e.path).join(", ")}`,
        );
        return 0;
      }
      const sources = readSources(
        invocation,
        io,
        new Set(Object.entries(project.config.variables).map(([name, spec]) => spec.env ?? name)),
      );
      const environment = stringOption(invocation, "env") ?? "production";
      const categories = listOption(invocation, "secrets")?.flatMap((value) =>
        value
          .split(",")
          .map((part) => part.trim())
          .filter(Boolean),
      );
      const mount = stringOption(invocation, "mount");
      const plan = await planMigration(client, project.config, sources, {
        environment,
        ...(categories === undefined ? {} : { categories }),
        ...(mount === undefined ? {} : { mount }),
      });
      if (invocation.values.apply !== true) {
        if (invocation.values.json === true)
          io.stdout.write(`${JSON.stringify({ dryRun: true, rows: plan.rows }, null, 2)}\n`);
        else io.stdout.write(planTable(plan.rows));
        say(io, "strongbox: dry run: nothing was written; add --apply to migrate");
        return 0;
      }
      const journal = resolve(
        io.cwd,
        stringOption(invocation, "journal") ??
          `migrate-${new Date().toISOString().replace(/[:.]/g, "-")}.jsonl`,
      );
      const progress =
        io.stderr.isTTY === true
          ? (done: number, total: number) => io.stderr.write(`\rmigrating: ${done}/${total} paths`)
          : undefined;
      const result = await applyMigration(client, plan, {
        force: invocation.values.force === true,
        journal,
        ...(progress ? { onProgress: progress } : {}),
      });
      if (progress) io.stderr.write("\n");
      if (invocation.values.json === true)
        io.stdout.write(`${JSON.stringify({ journal, ...result }, null, 2)}\n`);
      else {
        io.stdout.write(planTable(plan.rows));
        say(
          io,
          `strongbox: migrated ${result.migrated}, skipped ${result.skipped}, errors ${result.errors.length}; journal ${journal}`,
        );
        for (const error of result.errors) say(io, `  ✗ ${error.message} (${error.code})`);
        for (const key of result.mismatches)
          say(io, `  ✗ ${key} reads back different from what was written`);
      }
      return verdict(result.errors.length === 0 && result.mismatches.length === 0);
    } finally {
      await client.close();
    }
  },
};

function readSources(
  invocation: Parameters<Command["run"]>[0],
  io: Parameters<Command["run"]>[1],
  schemaNames: ReadonlySet<string>,
): SourceValue[] {
  if (invocation.values["from-env"] === true) return fromEnvironment(invocation, io, schemaNames);
  const files = listOption(invocation, "file");
  if (files === undefined)
    throw new StrongboxError("E_USAGE", "migrate: give -f FILE or --from-env");
  return files.flatMap((file) => {
    const parsed = parseDotenv(readFileSync(resolve(io.cwd, file), "utf8"), {
      source: file,
      lookup: (name) => envValue(io.env, name),
      refuse: isCredentialVariable,
    });
    if (parsed.issues.length > 0)
      throw Object.defineProperty(
        new StrongboxError(
          "E_DOTENV_PARSE",
          `migrate: ${file} cannot be parsed; nothing was planned`,
        ),
        "issues",
        { value: parsed.issues },
      );
    return parsed.entries.flatMap((entry) =>
      isCredentialVariable(entry.key)
        ? []
        : [{ name: entry.key, value: entry.value, place: `${file}:${entry.line}` }],
    );
  });
}

/**
 * `--from-env` takes the schema's variables and the names given with
 * `--name`, nothing else: a shell's environment also holds credentials
 * (VAULT_TOKEN, STRONGBOX_MASTER_KEY), CI tokens and shell state (PWD), and
 * none of those belong in an application's secrets.
 */
function fromEnvironment(
  invocation: Parameters<Command["run"]>[0],
  io: Parameters<Command["run"]>[1],
  schemaNames: ReadonlySet<string>,
): SourceValue[] {
  const named = (listOption(invocation, "name") ?? []).flatMap((value) =>
    value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean),
  );
  const credentials = named.filter(isCredentialVariable);
  if (credentials.length > 0)
    throw new StrongboxError(
      "E_USAGE",
      `migrate: ${credentials.join(", ")} ${credentials.length === 1 ? "is a credential" : "are credentials"} Strongbox uses to reach its sources, never an application secret`,
      { hint: "drop it from --name; credentials stay with the process that uses them" },
    );
  const wanted = new Set([...schemaNames, ...named]);
  return [...wanted].flatMap((name) => {
    const value = envValue(io.env, name);
    return value === undefined || value === "" || isCredentialVariable(name)
      ? []
      : [{ name, value, place: "the environment" }];
  });
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
  const cells = rows.map((row) => [
    row.variable,
    `${row.path}#${row.key}`,
    row.status + (row.reason ? ` (${row.reason})` : ""),
  ]);
  const widths = [0, 1, 2].map((i) =>
    Math.max(
      ["VARIABLE", "TARGET", "STATUS"][i]?.length ?? 0,
      ...cells.map((c) => c[i]?.length ?? 0),
    ),
  );
  const line = (c: string[]) =>
    c
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[line(["VARIABLE", "TARGET", "STATUS"]), ...cells.map(line)].join("\n")}\n`;
}
