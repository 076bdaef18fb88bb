import { appendFileSync, readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type { AuditEvent, AuditSink } from "../audit/event.js";
import { StrongboxError } from "../errors.js";
import { vaultRefText } from "../providers/vault/index.js";
import type { VaultClient } from "../vault/client.js";
import type { MigrationPlan } from "./plan.js";

/**
 * One journal line. An `intent` line is written before a path is touched and a
 * `done` line after, so a process killed between the two still leaves enough
 * to undo a write that reached Vault.
 */
export interface JournalEntry {
  readonly state: "intent" | "done";
  readonly path: string;
  /** The path's version before the migration (0 = it did not exist). */
  readonly prior: number;
  readonly version?: number | undefined;
  readonly keys: readonly string[];
}

export interface ApplyResult {
  readonly written: readonly JournalEntry[];
  readonly migrated: number;
  readonly skipped: number;
  readonly errors: ReadonlyArray<{
    readonly path: string;
    readonly code: string;
    readonly message: string;
  }>;
  /** Keys whose read-back value differs from what was written (names only). */
  readonly mismatches: readonly string[];
}

/**
 * Writes the plan's `new` rows (and `different` ones with `force`), one KV v2
 * patch per path with check-and-set against the version the plan saw, so a
 * change made since planning is never overwritten silently. Each path written
 * is appended to the journal before the next, so a crash leaves a journal that
 * `rollbackMigration` can undo. Then reads every written key back and compares.
 */
export async function applyMigration(
  client: VaultClient,
  plan: MigrationPlan,
  options: {
    force?: boolean;
    journal: string;
    onProgress?: (done: number, total: number) => void;
    /** One record per variable written (or failed), as every other write is recorded. */
    audit?: AuditSink | undefined;
  },
): Promise<ApplyResult> {
  const wanted = plan.rows.filter(
    (row) => row.status === "new" || (options.force === true && row.status === "different"),
  );
  const byPath = new Map<string, Record<string, string>>();
  for (const row of wanted)
    byPath.set(row.path, {
      ...byPath.get(row.path),
      [row.key]: plan.values.get(row.variable) ?? "",
    });
  const written: JournalEntry[] = [];
  const errors: Array<{ path: string; code: string; message: string }> = [];
  let done = 0;
  const record = (path: string, outcome: AuditEvent["outcome"], extra: Partial<AuditEvent>) =>
    options.audit?.write(
      wanted
        .filter((row) => row.path === path)
        .map((row) => {
          const value = plan.values.get(row.variable);
          return {
            time: new Date().toISOString(),
            action: "write" as const,
            variable: row.variable,
            source: "vault",
            ref: vaultRefText(path, row.key),
            outcome,
            ...extra,
            ...(outcome === "ok" && value !== undefined && options.audit?.digest !== undefined
              ? { valueMac: options.audit.digest(value) }
              : {}),
            pid: process.pid,
          };
        }),
    );
  for (const [path, data] of byPath) {
    const prior = plan.versions[path] ?? 0;
    try {
      const keys = Object.keys(data);
      const intent: JournalEntry = { state: "intent", path, prior, keys };
      appendFileSync(options.journal, `${JSON.stringify(intent)}\n`, { mode: 0o600 });
      const version =
        prior === 0
          ? await client.kvWrite(path, data, { cas: 0 })
          : await client.kvPatch(path, data, { cas: prior });
      const entry: JournalEntry = { state: "done", path, prior, version, keys };
      appendFileSync(options.journal, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      written.push(entry);
      record(path, "ok", version === undefined ? {} : { version });
    } catch (error) {
      const known = error instanceof StrongboxError ? error : undefined;
      if (known?.code !== "E_AUDIT") record(path, "error", { code: known?.code ?? "E_VAULT" });
      errors.push({
        path,
        code: known?.code ?? "E_VAULT",
        message: known?.message ?? "write failed",
      });
    }
    options.onProgress?.(++done, byPath.size);
  }
  const mismatches: string[] = [];
  for (const entry of written) {
    const back = await client.kvRead(entry.path);
    for (const key of entry.keys)
      if (back?.data[key] !== byPath.get(entry.path)?.[key])
        mismatches.push(`${entry.path}#${key}`);
  }
  const migrated = written.reduce((sum, entry) => sum + entry.keys.length, 0);
  return { written, migrated, skipped: plan.rows.length - wanted.length, errors, mismatches };
}

/**
 * Undoes a journal, newest first: a path that was created is deleted with all
 * its versions; a path that existed gets its prior version's data written back
 * as a new version (check-and-set against its current version). A path whose
 * version has not moved past the journal's `prior` is left alone.
 *
 * A path written again after the migration (its current version is past the
 * one the migration wrote) is never undone: the rollback would destroy that
 * later write. Every path is checked before any is touched, and such paths
 * stop the whole rollback with `E_VAULT_CAS` naming them.
 */
export async function rollbackMigration(
  client: VaultClient,
  journal: string,
): Promise<JournalEntry[]> {
  const lines = readFileSync(journal, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalEntry);
  // Every path the migration meant to touch, whether or not its `done` line was written.
  const intents = [...new Map(lines.map((entry) => [entry.path, entry])).values()].reverse();
  const currents = new Map<string, number>();
  for (const entry of intents) {
    const metadata = await client.kvMetadata(entry.path);
    currents.set(entry.path, Number(metadata?.current_version ?? 0));
  }
  const later: JournalEntry[] = [];
  for (const entry of intents)
    if (await writtenSince(client, entry, currents.get(entry.path) ?? 0)) later.push(entry);
  refuseLaterWrites(later, currents);
  for (const entry of intents) {
    const current = currents.get(entry.path) ?? 0;
    if (current <= entry.prior) continue;
    if (entry.prior === 0) {
      await client.call({ method: "DELETE", path: await metadataPath(client, entry.path) });
      continue;
    }
    const before = await client.kvRead(entry.path, { version: entry.prior });
    await client.kvWrite(entry.path, before?.data ?? {}, { cas: current });
  }
  return intents;
}

/**
 * The version the migration left at a path: the one its `done` line recorded,
 * or, for a path whose write was not confirmed, the one check-and-set against
 * `prior` can have made (at most one).
 */
function migratedVersion(entry: JournalEntry): number {
  return entry.version ?? entry.prior + 1;
}

/**
 * Whether the path holds a write made after the migration: its current version
 * is past the migrated one and its data differs (a later rollback that wrote
 * the same data back loses nothing when undone).
 */
async function writtenSince(
  client: VaultClient,
  entry: JournalEntry,
  current: number,
): Promise<boolean> {
  const migrated = migratedVersion(entry);
  if (current <= migrated) return false;
  const [then, now] = await Promise.all([
    client.kvRead(entry.path, { version: migrated }),
    client.kvRead(entry.path, { version: current }),
  ]);
  if (then === undefined || now === undefined) return true;
  return !isDeepStrictEqual(then.data, now.data);
}

/** `E_VAULT_CAS` naming every path written again since the migration; nothing is undone then. */
function refuseLaterWrites(
  later: readonly JournalEntry[],
  currents: ReadonlyMap<string, number>,
): void {
  if (later.length === 0) return;
  const named = later
    .map(
      (entry) =>
        `${entry.path} (migrated as version ${migratedVersion(entry)}, now version ${currents.get(entry.path)})`,
    )
    .join(", ");
  throw new StrongboxError(
    "E_VAULT_CAS",
    `migrate --rollback: written again after the migration, so undoing it would destroy that later write: ${named}; nothing was rolled back`,
    {
      hint: "keep the later write and restore the rest by hand (`bao kv rollback -version=N PATH` writes an old version back as a new one), or remove the later write first and roll back again",
    },
  );
}

async function metadataPath(client: VaultClient, path: string): Promise<string> {
  const { mount } = await client.mountOf(path);
  return `${mount}metadata/${path.slice(mount.length)}`;
}
