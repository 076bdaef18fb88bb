import type { Resolution } from "../resolve/types.js";

/** Strongbox's own credentials: a child never inherits them unless the schema declares them. */
export const CREDENTIAL_VARIABLES = [
  "STRONGBOX_MASTER_KEY",
  "STRONGBOX_PASSPHRASE",
  "VAULT_TOKEN",
  "BAO_TOKEN",
] as const;

/**
 * The environment a child receives: the parent's, without Strongbox's
 * credentials, plus every resolved variable under its env name, plus a marker
 * saying which environment was resolved so the child's `loadConfig()` trusts it.
 */
export function childEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  resolution: Resolution,
): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(parent)) if (value !== undefined) env[key] = value;
  const declared = new Set(resolution.entries.map((entry) => entry.envName));
  for (const name of CREDENTIAL_VARIABLES) if (!declared.has(name)) delete env[name];
  for (const entry of resolution.entries)
    if (entry.raw !== undefined) env[entry.envName] = entry.raw;
  env.STRONGBOX_ENV = resolution.environment.name;
  env.STRONGBOX_RESOLVED = resolution.environment.name;
  return env;
}
