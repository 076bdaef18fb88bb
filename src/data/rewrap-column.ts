import { openAuditSink } from "../audit/open-sink.js";
import type { AwsSettings } from "../aws/client.js";
import { fieldCipher } from "../envelope/field-cipher.js";
import { localKeyService } from "../envelope/local-keys.js";
import {
  qualified,
  type RewrapResult,
  rewrapTable,
  type SqlClient,
} from "../envelope/rewrap-table.js";
import { ResolutionError, StrongboxError } from "../errors.js";
import type { KeyService } from "../keys/key-service.js";
import { openKeyService } from "../keys/registry.js";
import { openProject, type Project, resolveProject } from "../project/open.js";
import type { Resolution } from "../resolve/types.js";
import { importModule } from "../security/import-module.js";
import type { Store } from "../store/store.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Options of {@link rewrapColumn}. */
export interface RewrapColumnOptions {
  /** Where the project is looked for, and its config file (default: found from `cwd`). */
  readonly cwd: string;
  readonly configPath?: string | undefined;
  /** The environment Strongbox was given (Vault, AWS, the store's settings). */
  readonly env: Env;
  /** Resolves the project; default: {@link resolveProject} for `environment`. */
  readonly resolve?: (project: Project) => Promise<Resolution>;
  readonly environment?: string | undefined;
  /** Opens the project's store, for `local:` keys (without it only remote key services are offered). */
  readonly openStore?: () => Promise<Store>;
  /** The master key rotated (`transit:NAME`, `aws-kms:ID`, `local:NAME`). */
  readonly keyId: string;
  readonly table: string;
  /** Its primary key column (default `id`). */
  readonly key?: string | undefined;
  readonly column: string;
  readonly tenant: string;
  /** The schema variable holding the database URL (default `DATABASE_URL`). */
  readonly database?: string | undefined;
  readonly batchSize?: number | undefined;
  readonly rowsPerSecond?: number | undefined;
  readonly job?: string | undefined;
  /** True when stdout carries the result (JSON): an audit log on stdout is kept off it. */
  readonly stdoutIsData?: boolean;
  /** Told after each batch: rows done, of the table's rows (counted only when this is given). */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * `rewrap-data` as a library call: the database URL resolved from the
 * project's schema (never an argument), the key service made from the
 * environment and config, then {@link rewrapTable} over the column with one
 * audit record per batch.
 */
export async function rewrapColumn(options: RewrapColumnOptions): Promise<RewrapResult> {
  const { env } = options;
  const project = await openProject({
    cwd: options.cwd,
    configPath: options.configPath,
    processEnv: env,
  });
  const resolution = await (options.resolve?.(project) ??
    resolveProject(project, {
      environment: options.environment,
      processEnv: env,
      cwd: options.cwd,
    }));
  const variable = options.database ?? "DATABASE_URL";
  const url = databaseUrl(resolution, variable);
  const config = project.config as typeof project.config & { aws?: AwsSettings };
  const opened = await openKeyService(
    options.keyId,
    { env, vault: config.vault, aws: config.aws },
    options.openStore === undefined ? [] : [localKeyService(options.openStore)],
  );
  try {
    const db = await connect(url, variable);
    try {
      return await rewrapConnected(options, project, db, opened.service);
    } finally {
      await db.end().catch(() => {});
    }
  } finally {
    await opened.close();
  }
}

/** The job over a connected database: the progress count, the audit sink, the table walk. */
async function rewrapConnected(
  options: RewrapColumnOptions,
  project: Project,
  db: SqlClient,
  service: KeyService,
): Promise<RewrapResult> {
  const { onProgress, keyId } = options;
  const total = (onProgress === undefined ? undefined : await rowCount(db, options.table)) ?? 0;
  const audit = openAuditSink({
    config: project.config,
    baseDir: project.baseDir,
    env: options.env,
    cwd: options.cwd,
    stdoutIsData: options.stdoutIsData === true,
  });
  return rewrapTable({
    cipher: fieldCipher({ services: [service], keyFor: () => keyId }),
    db,
    table: options.table,
    key: options.key ?? "id",
    column: options.column,
    tenant: options.tenant,
    keyId,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.rowsPerSecond === undefined ? {} : { rowsPerSecond: options.rowsPerSecond }),
    ...(options.job === undefined ? {} : { job: options.job }),
    ...(audit === undefined ? {} : { audit }),
    onBatch: (batch) => onProgress?.(Math.min(batch.done, total), Math.max(total, batch.done)),
  });
}

/** The resolved value of `variable`; its own resolution problems, or `E_USAGE` when it has none. */
function databaseUrl(resolution: Resolution, variable: string): string {
  const url = resolution.entries.find((entry) => entry.name === variable)?.raw;
  if (url !== undefined) return url;
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

/** A connected PostgreSQL client; the error names the variable, never the URL. */
async function connect(
  url: string,
  variable: string,
): Promise<SqlClient & { end(): Promise<void> }> {
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
  return db as unknown as SqlClient & { end(): Promise<void> };
}

/** The table's row count for the progress line, or undefined when it cannot be had. */
async function rowCount(db: SqlClient, table: string): Promise<number | undefined> {
  // A name rewrapTable would refuse (with its own message) gets no count.
  try {
    const name = qualified(table);
    return Number((await db.query(`SELECT count(*) AS n FROM ${name}`)).rows[0]?.n ?? 0);
  } catch {
    return undefined;
  }
}
