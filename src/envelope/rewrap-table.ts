import type { AuditSink } from "../audit/event.js";
import { StrongboxError } from "../errors.js";
import { splitKeyId } from "../keys/key-service.js";
import type { FieldCipher } from "./field-cipher.js";
import { ENVELOPE_TAG } from "./format.js";

/** What the job needs of a database: PostgreSQL through `pg` (a Client, or a PoolClient held for the job). */
export interface SqlClient {
  query(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** Options of {@link rewrapTable}. */
export interface RewrapTableOptions {
  readonly cipher: FieldCipher;
  readonly db: SqlClient;
  /** The table (`name` or `schema.name`). */
  readonly table: string;
  /** Its primary key column, the order the job walks in. */
  readonly key: string;
  /** The column holding envelopes. */
  readonly column: string;
  /** The column holding each row's tenant (the cipher's tenant). */
  readonly tenant: string;
  /** The master key being rotated: only its envelopes are rewrapped. */
  readonly keyId: string;
  /** The job's name, under which progress is checkpointed (default `<table>.<column>`). */
  readonly job?: string;
  /** Rows per batch and transaction (default 1,000). */
  readonly batchSize?: number;
  /** At most this many rows per second (default: as fast as the database allows). */
  readonly rowsPerSecond?: number;
  /** Told after every batch (a progress bar). */
  readonly onBatch?: (batch: RewrapBatch) => void | Promise<void>;
  /** Receives one `rewrap` record per committed batch: the job, the key, the target version, the rows changed. */
  readonly audit?: AuditSink;
  readonly signal?: AbortSignal;
}

export interface RewrapBatch {
  readonly job: string;
  /** Rows looked at in this batch, and rewrapped. */
  readonly rows: number;
  readonly rewrapped: number;
  /** Totals since the job started (across resumes). */
  readonly done: number;
  readonly changed: number;
  readonly lastKey: string;
  readonly target: number;
}

export interface RewrapResult {
  readonly job: string;
  readonly done: number;
  readonly changed: number;
  readonly target: number;
  /** True when this call continued a job an earlier run left unfinished. */
  readonly resumed: boolean;
}

const CHECKPOINTS = "strongbox_rewrap_jobs";

/**
 * The master key rotation job: walks a table in key order, in batches, and
 * rewraps every envelope of `keyId` under the key's latest version. Each batch
 * is one transaction that also moves the job's checkpoint, so a job killed at
 * any moment (SIGKILL included) resumes where its last batch committed, and a
 * batch runs again as a whole or not at all; rewrapping is idempotent, so a
 * finished job run again changes nothing. Every row stays readable throughout:
 * a row is under the old version or the new one, and both open until the old
 * one is retired (see {@link keyVersionsInUse}).
 *
 * PostgreSQL only (`FOR UPDATE`, `UPDATE … FROM (VALUES …)`).
 */
export async function rewrapTable(options: RewrapTableOptions): Promise<RewrapResult> {
  const job: JobNames = {
    options,
    name: options.job ?? `${options.table}.${options.column}`,
    table: qualified(options.table),
    key: identifier(options.key),
    column: identifier(options.column),
    tenant: identifier(options.tenant),
    batchSize: options.batchSize ?? 1_000,
  };
  const { keyType, latest, resumed } = await startJob(job);
  const started: Job = { ...job, keyType, latest };
  const pace = { started: Date.now(), sinceStart: 0 };
  for (;;) {
    if (options.signal?.aborted) throw interrupted(job.name);
    const batch = await runBatch(started);
    if ("finished" in batch)
      return { job: job.name, done: batch.done, changed: batch.changed, target: latest, resumed };
    auditBatch(started, batch);
    await options.onBatch?.(batch);
    await keepPace(pace, options.rowsPerSecond, batch.rows);
  }
}

/** One rewrap job as its batches see it: the options, and the checked, quoted names. */
interface Job {
  readonly options: RewrapTableOptions;
  /** The checkpoint's name. */
  readonly name: string;
  readonly table: string;
  readonly key: string;
  readonly column: string;
  readonly tenant: string;
  readonly batchSize: number;
  /** The primary key's own SQL type, so the walk and the update use its index. */
  readonly keyType: string;
  /** The key version every envelope moves to. */
  readonly latest: number;
}

/** A job before it starts: what its options name. */
type JobNames = Omit<Job, "keyType" | "latest">;

/**
 * The job's checkpoint, made or continued: the key column's type, the key's
 * latest version, and whether an unfinished run is resumed.
 */
async function startJob(
  job: JobNames,
): Promise<{ keyType: string; latest: number; resumed: boolean }> {
  const { db, keyId } = job.options;
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${CHECKPOINTS} (job text PRIMARY KEY, key_id text NOT NULL, target integer NOT NULL, last_key text, done bigint NOT NULL DEFAULT 0, changed bigint NOT NULL DEFAULT 0, started_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)`,
  );
  const existing = (await db.query(`SELECT * FROM ${CHECKPOINTS} WHERE job = $1`, [job.name]))
    .rows[0];
  const keyType = await keyColumnType(db, job.options.table, job.options.key);
  const latest = await job.options.cipher.latestVersion(keyId);
  // A job is restarted from the beginning when the key moved on since it began: rows it
  // passed are under a version that is no longer the latest.
  const resumed =
    existing !== undefined && existing.finished_at === null && Number(existing.target) === latest;
  if (!resumed)
    await db.query(
      `INSERT INTO ${CHECKPOINTS} (job, key_id, target) VALUES ($1, $2, $3)
       ON CONFLICT (job) DO UPDATE SET key_id = $2, target = $3, last_key = NULL, done = 0, changed = 0, started_at = now(), updated_at = now(), finished_at = NULL`,
      [job.name, keyId, latest],
    );
  return { keyType, latest, resumed };
}

/** The key column's own type (the name comes from the catalog); `E_USAGE` when there is no such column. */
async function keyColumnType(db: SqlClient, table: string, key: string): Promise<string> {
  const typed = (
    await db.query(
      "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped",
      [table, key],
    )
  ).rows[0] as { type?: string } | undefined;
  if (typed?.type === undefined)
    throw new StrongboxError("E_USAGE", `${table} has no column ${key}`, {
      hint: "give the table's primary key column as key",
    });
  return typed.type;
}

/**
 * One batch in one transaction: the rows after the checkpoint, locked, their
 * envelopes of the key rewrapped, the checkpoint moved. `finished` (with the
 * totals) when no row is left; rolled back as a whole on any error.
 */
async function runBatch(
  job: Job,
): Promise<RewrapBatch | { finished: true; done: number; changed: number }> {
  const { db } = job.options;
  await db.query("BEGIN");
  try {
    const checkpoint = (
      await db.query(
        `SELECT last_key, done, changed FROM ${CHECKPOINTS} WHERE job = $1 FOR UPDATE`,
        [job.name],
      )
    ).rows[0] as { last_key: string | null; done: string; changed: string };
    const rows = (
      await db.query(
        `SELECT ${job.key}::text AS k, ${job.tenant}::text AS t, ${job.column} AS v FROM ${job.table}
           WHERE ($1::text IS NULL OR ${job.key} > $1::text::${job.keyType}) ORDER BY ${job.key} LIMIT $2 FOR UPDATE`,
        [checkpoint.last_key, job.batchSize],
      )
    ).rows as Array<{ k: string; t: string; v: unknown }>;
    if (rows.length === 0) {
      await db.query(
        `UPDATE ${CHECKPOINTS} SET finished_at = now(), updated_at = now() WHERE job = $1`,
        [job.name],
      );
      await db.query("COMMIT");
      return { finished: true, done: Number(checkpoint.done), changed: Number(checkpoint.changed) };
    }
    const updates = await rewrapRows(job, rows);
    const lastKey = (rows[rows.length - 1] as { k: string }).k;
    const done = Number(checkpoint.done) + rows.length;
    const changed = Number(checkpoint.changed) + updates.length;
    await db.query(
      `UPDATE ${CHECKPOINTS} SET last_key = $2, done = $3, changed = $4, updated_at = now() WHERE job = $1`,
      [job.name, lastKey, done, changed],
    );
    await db.query("COMMIT");
    const rewrapped = updates.length;
    return {
      job: job.name,
      rows: rows.length,
      rewrapped,
      done,
      changed,
      lastKey,
      target: job.latest,
    };
  } catch (error) {
    await db.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/** The batch's envelopes of the job's key rewrapped, written back in one UPDATE; the moved rows. */
async function rewrapRows(
  job: Job,
  rows: ReadonlyArray<{ k: string; t: string; v: unknown }>,
): Promise<Array<[string, string]>> {
  const { cipher, keyId, db } = job.options;
  const updates: Array<[string, string]> = [];
  await Promise.all(
    rows.map(async (row) => {
      if (typeof row.v !== "string" || !row.v.startsWith(`${ENVELOPE_TAG}.`)) return;
      if (cipher.keyOf(row.v).keyId !== keyId) return;
      const moved = await cipher.rewrap(row.t, row.v, job.latest);
      if (moved !== undefined) updates.push([row.k, moved]);
    }),
  );
  if (updates.length > 0) {
    const values = updates.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(", ");
    await db.query(
      `UPDATE ${job.table} AS t SET ${job.column} = u.v FROM (VALUES ${values}) AS u(k, v) WHERE t.${job.key} = u.k::${job.keyType}`,
      updates.flat(),
    );
  }
  return updates;
}

/** One `rewrap` audit record per committed batch: the job, the key, the target version, the rows changed. */
function auditBatch(job: Job, batch: RewrapBatch): void {
  job.options.audit?.write([
    {
      time: new Date().toISOString(),
      action: "rewrap",
      secret: job.name,
      source: splitKeyId(job.options.keyId).service,
      ref: job.options.keyId,
      version: job.latest,
      rows: batch.rewrapped,
      outcome: "ok",
      pid: process.pid,
    },
  ]);
}

/** Waits as long as `rowsPerSecond` asks after `rows` more rows (the count restarts every million). */
async function keepPace(
  pace: { started: number; sinceStart: number },
  rowsPerSecond: number | undefined,
  rows: number,
): Promise<void> {
  pace.sinceStart += rows;
  if (rowsPerSecond === undefined) return;
  const due = pace.started + (pace.sinceStart / rowsPerSecond) * 1000;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  if (pace.sinceStart > 1_000_000) {
    pace.started = Date.now();
    pace.sinceStart = 0;
  }
}

/**
 * Which versions of each master key a column's envelopes are under, read
 * from the envelopes' clear header by SQL. Retire a version (Transit's
 * `min_decryption_version`) only once no row is below it:
 * {@link assertRetirable} says so or names how many rows are.
 */
export async function keyVersionsInUse(
  db: SqlClient,
  table: string,
  column: string,
): Promise<Map<string, Map<number, number>>> {
  const col = identifier(column);
  const rows = (
    await db.query(
      `SELECT split_part(${col}, '.', 2) AS kid, split_part(${col}, '.', 3) AS version, count(*) AS n
       FROM ${qualified(table)} WHERE ${col} LIKE '${ENVELOPE_TAG}.%' GROUP BY 1, 2`,
    )
  ).rows as Array<{ kid: string; version: string; n: string }>;
  const out = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const keyId = Buffer.from(row.kid, "base64url").toString("utf8");
    const versions = out.get(keyId) ?? new Map<number, number>();
    versions.set(Number(row.version), Number(row.n));
    out.set(keyId, versions);
  }
  return out;
}

/** Throws `E_ROTATION` while any row of `column` is under a version of `keyId` below `minVersion`. */
export async function assertRetirable(
  db: SqlClient,
  table: string,
  column: string,
  keyId: string,
  minVersion: number,
): Promise<void> {
  const versions =
    (await keyVersionsInUse(db, table, column)).get(keyId) ?? new Map<number, number>();
  const below = [...versions].filter(([version]) => version < minVersion);
  const rows = below.reduce((sum, [, n]) => sum + n, 0);
  if (rows > 0)
    throw new StrongboxError(
      "E_ROTATION",
      `${rows} row(s) of ${table}.${column} are still under ${keyId} version(s) ${below.map(([v]) => v).join(", ")}`,
      { hint: "run the rewrap job to the end before raising min_decryption_version" },
    );
}

function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name))
    throw new StrongboxError("E_USAGE", `"${name.slice(0, 64)}" is not a plain SQL identifier`, {
      hint: "give table and column names of letters, digits and _",
    });
  return `"${name}"`;
}

/** A table name (`name` or `schema.name`) checked as plain identifiers and quoted for SQL; `E_USAGE` otherwise. */
export function qualified(name: string): string {
  return name.split(".").map(identifier).join(".");
}

function interrupted(job: string): StrongboxError {
  return new StrongboxError(
    "E_INTERRUPTED",
    `rewrap job ${job} stopped; its last batch is committed`,
    {
      hint: "run it again to resume where it stopped",
    },
  );
}
