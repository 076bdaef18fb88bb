import { resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { readUserFile } from "../fs/read-user-file.js";
import { isCredentialVariable, partitionCredentials } from "../security/credentials.js";
import { envValue } from "../util/env-value.js";
import type { SourceValue } from "./plan.js";
import { readPlaintextDotenv } from "./read-dotenv.js";

/**
 * The values `.env` files hold, for a migration plan: each with the file and
 * line it came from. Credentials are never taken (nor expanded): each one
 * left out is told to `onCredentials`, by name; a file that cannot be parsed
 * stops the plan before anything is planned.
 */
export function sourcesFromFiles(
  files: readonly string[],
  options: {
    readonly cwd: string;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly onCredentials?: (names: readonly string[]) => void;
  },
): SourceValue[] {
  const skipped: string[] = [];
  const sources = files.flatMap((file) => {
    const text = readUserFile(resolve(options.cwd, file), {
      shown: file,
      context: "migrate",
      hint: "give the .env file to migrate with -f",
    });
    const entries = readPlaintextDotenv(text, {
      shown: `migrate: ${file}`,
      env: options.env,
      nothing: "nothing was planned",
    });
    const { credentials, others } = partitionCredentials(entries, (entry) => entry.key);
    skipped.push(...credentials.map((entry) => entry.key));
    return others.map((entry) => ({
      name: entry.key,
      value: entry.value,
      place: `${file}:${entry.line}`,
    }));
  });
  if (skipped.length > 0) options.onCredentials?.([...new Set(skipped)]);
  return sources;
}

/**
 * The values a process environment holds for the schema's variables and the
 * names given, nothing else: a shell's environment also holds credentials
 * (VAULT_TOKEN, STRONGBOX_MASTER_KEY), CI tokens and shell state (PWD), and
 * none of those belong in an application's secrets. Naming a credential is
 * `E_USAGE`.
 */
export function sourcesFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  schemaNames: Iterable<string>,
  named: readonly string[] = [],
  onCredentials?: (names: readonly string[]) => void,
): SourceValue[] {
  const asked = named.filter(isCredentialVariable);
  if (asked.length > 0)
    throw new StrongboxError(
      "E_USAGE",
      `migrate: ${asked.join(", ")} ${asked.length === 1 ? "is a credential" : "are credentials"} Strongbox uses to reach its sources, never an application secret`,
      { hint: "drop it from --name; credentials stay with the process that uses them" },
    );
  const set = [...new Set([...schemaNames, ...named])].filter((name) => {
    const value = envValue(env, name);
    return value !== undefined && value !== "";
  });
  // A schema may declare a credential (so `run` hands it on); it still never moves into Vault.
  const { credentials, others } = partitionCredentials(set, (name) => name);
  if (credentials.length > 0) onCredentials?.(credentials);
  return others.map((name) => ({
    name,
    value: envValue(env, name) as string,
    place: "the environment",
  }));
}
