import type { Resolution } from "../resolve/types.js";
import { withoutCredentials } from "../security/credentials.js";
import { attestationFor, MARKER } from "./attestation.js";

/**
 * The environment a child receives: the parent's, without Strongbox's
 * credentials (unless the schema declares one), plus every resolved variable
 * under its env name, plus a marker naming this process as the one that
 * resolved, which the child's `loadConfig()` can verify (see attestation.ts).
 */
export function childEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  resolution: Resolution,
): Record<string, string> {
  const declared = new Set(resolution.entries.map((entry) => entry.envName));
  const env = withoutCredentials(parent, declared);
  for (const entry of resolution.entries)
    if (entry.raw !== undefined) env[entry.envName] = entry.raw;
  env.STRONGBOX_ENV = resolution.environment.name;
  env[MARKER] = attestationFor(resolution.environment.name);
  return env;
}
