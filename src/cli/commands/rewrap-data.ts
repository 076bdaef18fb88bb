import { openAuditSink } from "../../audit/open-sink.js";
import { fieldCipher } from "../../envelope/field-cipher.js";
import type { KeyService } from "../../envelope/key-service.js";
import { splitKeyId } from "../../envelope/key-service.js";
import { kmsKeys } from "../../envelope/kms-keys.js";
import { localKeys } from "../../envelope/local-keys.js";
import {
  qualified,
  type RewrapBatch,
  rewrapTable,
  type SqlClient,
} from "../../envelope/rewrap-table.js";
import { transitKeys } from "../../envelope/transit-keys.js";
import { ResolutionError, StrongboxError } from "../../errors.js";
import { openProject } from "../../project/open.js";
import { type AwsSettings, awsClientOptions } from "../../providers/aws/common.js";
import type { ConfigSpec } from "../../schema/types.js";
import { importModule } from "../../security/import-module.js";
import { VaultClient } from "../../vault/client.js";
import { type Command, RESOLVE_HELP, RESOLVE_OPTIONS, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say, writeJson } from "../io.js";
import { progressReporter } from "../progress.js";
import { resolveOpenProject } from "../resolve-for-cli.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox rewrap-data`: the master key rotation job over a PostgreSQL table. */
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
${STORE_HELP}
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
    const required = (name: string) => {
      const value = stringOption(invocation, name);
      if (value === undefined || value === "")
        throw new StrongboxError("E_USAGE", `rewrap-data needs --${name}`, {
          hint: "run `strongbox rewrap-data --help`",
        });
      return value;
    };
    const keyId = required("key-id");
    const table = required("table");
    const column = required("column");
    const tenant = required("tenant-column");
    const count = (name: string) => {
      const text = stringOption(invocation, name);
      if (text === undefined) return undefined;
      if (!/^[1-9][0-9]{0,6}$/.test(text))
        throw new StrongboxError(
          "E_USAGE",
          `--${name} takes a whole number, not "${text.slice(0, 20)}"`,
        );
      return Number(text);
    };
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const resolution = await resolveOpenProject(project, invocation, io);
    const variable = stringOption(invocation, "database") ?? "DATABASE_URL";
    const url = resolution.entries.find((entry) => entry.name === variable)?.raw;
    if (url === undefined) {
      // Only this variable's problems matter here; the rest of the schema may be for other tools.
      const issues = resolution.issues.filter((issue) => issue.variable === variable);
      if (issues.length > 0) throw new ResolutionError(resolution.environment.name, issues);
      throw new StrongboxError(
        "E_USAGE",
        `the schema has no value for ${variable} in ${resolution.environment.name}`,
        {
          hint: "declare the database URL in the config, or name the variable that holds it with --database",
        },
      );
    }
    const { service, closeService } = await keyServiceFor(keyId, invocation, io, project.config);
    const pg = await importModule<typeof import("pg")>("pg");
    const db = new pg.default.Client({ connectionString: url });
    try {
      await db.connect();
    } catch (error) {
      // The driver's message may quote the URL; the code and the variable's name are enough.
      throw new StrongboxError(
        "E_PROVIDER_UNAVAILABLE",
        `cannot connect to the database in ${variable} (${(error as { code?: string }).code ?? "error"})`,
        {
          hint: "check that the database is up and the URL's credentials are current",
        },
      );
    }
    const progress = progressReporter(io);
    const total = (progress === undefined ? undefined : await rowCount(db, table)) ?? 0;
    const audit = openAuditSink({
      config: project.config,
      baseDir: project.baseDir,
      env: io.env,
      cwd: io.cwd,
      stdoutIsData: invocation.values.json === true,
    });
    try {
      const batch = count("batch");
      const rate = count("rate");
      const job = stringOption(invocation, "job");
      const result = await rewrapTable({
        cipher: fieldCipher({ services: [service], keyFor: () => keyId }),
        db: db as SqlClient,
        table,
        key: stringOption(invocation, "key") ?? "id",
        column,
        tenant,
        keyId,
        ...(batch === undefined ? {} : { batchSize: batch }),
        ...(rate === undefined ? {} : { rowsPerSecond: rate }),
        ...(job === undefined ? {} : { job }),
        ...(audit === undefined ? {} : { audit }),
        onBatch: (done: RewrapBatch) =>
          progress?.(
            `rewrap ${table}.${column}`,
            Math.min(done.done, total),
            Math.max(total, done.done),
          ),
      });
      if (invocation.values.json === true) writeJson(io, result, true);
      else
        say(
          io,
          `strongbox: ${result.changed} of ${result.done} rows of ${table}.${column} rewrapped under ${keyId} version ${result.target}${result.resumed ? " (resumed)" : ""}`,
        );
      return EXIT_OK;
    } finally {
      await db.end().catch(() => {});
      await closeService();
    }
  },
};

async function keyServiceFor(
  keyId: string,
  invocation: Parameters<Command["run"]>[0],
  io: Parameters<Command["run"]>[1],
  config: ConfigSpec,
): Promise<{ service: KeyService; closeService: () => Promise<void> }> {
  const { service } = splitKeyId(keyId);
  if (!/^[a-z][a-z0-9-]*:./.test(keyId))
    throw new StrongboxError(
      "E_USAGE",
      `--key-id takes service:name, such as transit:tracker-mek-42`,
    );
  if (service === "transit") {
    const client = VaultClient.fromEnv(io.env, config.vault);
    return { service: transitKeys(client), closeService: () => client.close() };
  }
  if (service === "aws-kms") {
    const settings = (config as { aws?: AwsSettings }).aws ?? {};
    return {
      service: kmsKeys(awsClientOptions(settings, io.env, "AWS_ENDPOINT_URL_KMS")),
      closeService: async () => {},
    };
  }
  if (service === "local")
    return {
      service: localKeys(await openStoreForCli(invocation, io)),
      closeService: async () => {},
    };
  throw new StrongboxError(
    "E_USAGE",
    `no key service "${service}": use transit:, aws-kms: or local:`,
  );
}

/** The table's row count for the progress line, or undefined when it cannot be had. */
async function rowCount(
  db: { query: SqlClient["query"] },
  table: string,
): Promise<number | undefined> {
  // A name rewrapTable would refuse (with its own message) gets no count.
  try {
    const name = qualified(table);
    return Number((await db.query(`SELECT count(*) AS n FROM ${name}`)).rows[0]?.n ?? 0);
  } catch {
    return undefined;
  }
}
