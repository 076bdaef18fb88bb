import { rewrapColumn } from "../../api/crypto.js";
import { StrongboxError } from "../../errors.js";
import {
  type Command,
  type Invocation,
  RESOLVE_HELP,
  RESOLVE_OPTIONS,
  stringOption,
} from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say, writeJson } from "../io.js";
import { progressReporter } from "../progress.js";
import { resolveOpenProject } from "../resolve-for-cli.js";
import { openStoreForCli, STORE_DIR_HELP, STORE_OPTION } from "../store-context.js";

export const rewrapDataCommand: Command = {
  name: "rewrap-data",
  options: {
    ...RESOLVE_OPTIONS,
    ...STORE_OPTION,
    "key-id": { type: "string" },
    table: { type: "string" },
    key: { type: "string" },
    column: { type: "string" },
    "tenant-column": { type: "string" },
    database: { type: "string" },
    batch: { type: "string" },
    rate: { type: "string" },
    job: { type: "string" },
    json: { type: "boolean" },
  },
  usage: `Usage: strongbox rewrap-data --key-id SERVICE:NAME --table T --column C --tenant-column C
                             [--key id] [--database VAR] [--batch 1000] [--rate N] [--job NAME] [--json]

After a master key rotation (a new Transit key version), moves every field
envelope of that key in one PostgreSQL column to the key's latest version:
the data keys are rewrapped (Transit rewrap, KMS ReEncrypt), the ciphertext
is not touched, and every row stays readable throughout. One transaction per
batch, checkpointed in strongbox_rewrap_jobs: killed at any point, it resumes
where it stopped when run again; run again after the end, it changes nothing.
One audit record per batch; a progress line on a terminal.

The database URL is the value of schema variable VAR (default DATABASE_URL),
resolved for the environment like any other: never on the command line.
Key services: transit:NAME (Vault from VAULT_* and the config), aws-kms:ID
(the AWS SDK's credentials), local:NAME (the project's store).

Options:
${RESOLVE_HELP}
${STORE_DIR_HELP}
      --key-id ID         the master key rotated, e.g. transit:tracker-mek-42
      --table T           the table (name or schema.name)
      --key COLUMN        its primary key (default id)
      --column C          the column holding envelopes
      --tenant-column C   the column holding each row's tenant
      --database VAR      the schema variable holding the database URL (default DATABASE_URL)
      --batch N           rows per batch and transaction (default 1000)
      --rate N            at most N rows per second
      --job NAME          the checkpoint's name (default TABLE.COLUMN)
      --json              print the result as JSON
`,
  async run(invocation, io) {
    const keyId = required(invocation, "key-id");
    const table = required(invocation, "table");
    const column = required(invocation, "column");
    const tenant = required(invocation, "tenant-column");
    const progress = progressReporter(io);
    const result = await rewrapColumn({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      env: io.env,
      resolve: (project) => resolveOpenProject(project, invocation, io),
      openStore: () => openStoreForCli(invocation, io),
      keyId,
      table,
      key: stringOption(invocation, "key"),
      column,
      tenant,
      database: stringOption(invocation, "database"),
      batchSize: count(invocation, "batch"),
      rowsPerSecond: count(invocation, "rate"),
      job: stringOption(invocation, "job"),
      stdoutIsData: invocation.values.json === true,
      ...(progress === undefined
        ? {}
        : { onProgress: (done, total) => progress(`rewrap ${table}.${column}`, done, total) }),
    });
    if (invocation.values.json === true) writeJson(io, result, true);
    else
      say(
        io,
        `strongbox: ${result.changed} of ${result.done} rows of ${table}.${column} rewrapped under ${keyId} version ${result.target}${result.resumed ? " (resumed)" : ""}`,
      );
    return EXIT_OK;
  },
};

/** A required option's value; `E_USAGE` when it is missing or empty. */
function required(invocation: Invocation, name: string): string {
  const value = stringOption(invocation, name);
  if (value === undefined || value === "")
    throw new StrongboxError("E_USAGE", `rewrap-data needs --${name}`, {
      hint: "run `strongbox rewrap-data --help`",
    });
  return value;
}

/** A whole-number option (`--batch`, `--rate`), or undefined when it is not given. */
function count(invocation: Invocation, name: string): number | undefined {
  const text = stringOption(invocation, name);
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,6}$/.test(text))
    throw new StrongboxError(
      "E_USAGE",
      `--${name} takes a whole number, not "${text.slice(0, 20)}"`,
    );
  return Number(text);
}
