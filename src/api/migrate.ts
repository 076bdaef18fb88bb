/**
 * Moving plaintext secrets to where they belong: `.env` files or a process
 * environment into Vault (plan first, apply with a journal, roll back), and
 * a `.env` file into the encrypted store.
 *
 * ```ts
 * import { planMigration, sourcesFromFiles } from "strongbox/migrate";
 * const sources = sourcesFromFiles([".env"], { cwd, env: process.env });
 * const plan = await planMigration(client, config, sources, { environment: "production" });
 * ```
 * @packageDocumentation
 */
export type { ApplyResult, JournalEntry } from "../migrate/apply.js";
export { applyMigration, rollbackMigration } from "../migrate/apply.js";
export type { ImportAction, ImportOptions, ImportResult } from "../migrate/import-dotenv.js";
export { importDotenv } from "../migrate/import-dotenv.js";
export type { MigrationPlan, PlanRow, RowStatus, SourceValue } from "../migrate/plan.js";
export { categoryOf, planMigration } from "../migrate/plan.js";
export { sourcesFromEnvironment, sourcesFromFiles } from "../migrate/sources.js";
