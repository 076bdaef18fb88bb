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
import { readUserFile } from "../fs/read-user-file.js";
import { readPlaintextDotenv } from "../migrate/read-dotenv.js";

export type { ApplyResult, JournalEntry } from "../migrate/apply.js";
export { applyMigration, rollbackMigration } from "../migrate/apply.js";
export type { ImportAction, ImportOptions, ImportResult } from "../migrate/import-dotenv.js";
export { importDotenv } from "../migrate/import-dotenv.js";
export type { MigrationPlan, PlanRow, RowStatus, SourceValue } from "../migrate/plan.js";
export { categoryOf, planMigration } from "../migrate/plan.js";
export { readPlaintextDotenv } from "../migrate/read-dotenv.js";
export { sourcesFromEnvironment, sourcesFromFiles } from "../migrate/sources.js";

/**
 * Reads and parses a plaintext `.env` file a user named, by the rules of
 * {@link readPlaintextDotenv}; a missing or unreadable file is `E_IO` naming
 * it as the user wrote it (`shown`), after the command (`context`), with `hint`.
 */
export function readPlaintextDotenvFile(
  path: string,
  where: {
    readonly shown: string;
    readonly context: string;
    readonly hint: string;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly nothing: string;
  },
): ReturnType<typeof readPlaintextDotenv> {
  const text = readUserFile(path, where);
  return readPlaintextDotenv(text, where);
}
/**
 * The one line that says which credential variables a migration or import
 * left out (names only), and the split of items into those named as
 * credentials (the one credential rule) and the rest, for every command that
 * moves a file's values somewhere.
 */
export { partitionCredentials, skippedCredentialsLine } from "../security/credentials.js";
