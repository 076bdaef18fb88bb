import { dirname } from "node:path";
import { findConfigIfAny } from "../config/find-config.js";
import { loadConfigFile } from "../config/load-file.js";
import { variablesStoredAs } from "../providers/store/declared-as.js";
import { storeProvider } from "../providers/store/index.js";
import type { Ref } from "../refs/ref.js";
import { plannedPick } from "../resolve/winner.js";
import type { ConfigSpec } from "../schema/types.js";
import { closest } from "../util/suggest.js";

/** Where `set` stored a secret, and the environment its notes are about. */
export interface SetNoteOptions {
  readonly name: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly configPath?: string | undefined;
  /** `-e`: the environment (else `STRONGBOX_ENV`, the config's default, `local`). */
  readonly environment?: string | undefined;
}

/** The reference that reads store secret `name`, spelled by the store provider. */
const storeRef = (name: string) => `${storeProvider.scheme}://${name}`;

const isStoreRef = (ref: Ref | undefined, name: string) =>
  ref !== undefined && ref.scheme === storeProvider.scheme && ref.path === name;

/**
 * What a person should know after `set NAME` stored a value that the project
 * will not read: NAME is no variable of the schema and nothing reads
 * `store://NAME` (a typo, with the closest variable named), or NAME is a
 * variable whose value comes from elsewhere here (a `.env` line, the process
 * environment, the schema default), named by file and line. Computed by
 * resolution's own precedence, reading no source; names and places only,
 * never a value. A config that cannot be read gives no notes: the value is
 * stored already, and `check` reports the config.
 */
export async function storeSetNotes(options: SetNoteOptions): Promise<string[]> {
  try {
    const configPath = findConfigIfAny(options.cwd, options.configPath);
    if (configPath === undefined) return [];
    const config = await loadConfigFile(configPath, options.env);
    return notesFor(options.name, config, {
      baseDir: dirname(configPath),
      processEnv: options.env,
      environment: options.environment,
    });
  } catch {
    return [];
  }
}

function notesFor(
  name: string,
  config: ConfigSpec,
  where: Parameters<typeof plannedPick>[2],
): string[] {
  const variables = Object.keys(config.variables);
  const readers = variables.filter((variable) =>
    isStoreRef(plannedPick(variable, config, where)?.pending?.ref, name),
  );
  if (readers.length > 0) return [];
  const picked = plannedPick(name, config, where);
  if (picked === undefined) {
    if (variablesStoredAs(config, name).length > 0) return [];
    const near = closest(name, variables);
    return [
      `${name} is not in the schema${near === undefined ? "" : ` (did you mean ${near}?)`}: stored, but no variable reads ${storeRef(name)} until the schema declares it`,
    ];
  }
  const winner = picked.winner;
  if (winner === undefined || winner.source === "ref" || winner.source === "default")
    return [
      `${name} is stored, but it reads ${winner === undefined ? "no source" : winner.place} here, not ${storeRef(name)}: write ${picked.envName}=${storeRef(name)} in the environment's .env file, or ref: ${storeRef(name)} in the schema`,
    ];
  const fix =
    winner.source === "dotenv"
      ? `remove that line, or make it ${picked.envName}=${storeRef(name)}`
      : `unset it to read the store`;
  return [`${name} is stored, but ${winner.place} wins here: ${fix}`];
}
