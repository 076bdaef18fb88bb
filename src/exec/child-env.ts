import { withoutCredentials } from "../security/credentials.js";
import { attestationFor, MARKER } from "./attestation.js";

/**
 * What a child's environment is made from: a resolution's entries (env name
 * and raw value) and the environment's name. The resolver's `Resolution` is
 * one; exec needs only this much, so it names nothing above its floor.
 */
export interface ChildEnvSource {
  readonly entries: ReadonlyArray<{ readonly envName: string; readonly raw?: string | undefined }>;
  readonly environment: { readonly name: string };
}

/**
 * The environment a child receives: the parent's, without Strongbox's
 * credentials (unless the schema declares one), plus every resolved variable
 * under its env name, plus a marker naming this process as the one that
 * resolved, which the child's `loadConfig()` can verify (see attestation.ts).
 */
export function childEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  resolution: ChildEnvSource,
): Record<string, string> {
  const declared = new Set(resolution.entries.map((entry) => entry.envName));
  const env = withoutCredentials(parent, declared);
  for (const entry of resolution.entries)
    if (entry.raw !== undefined) env[entry.envName] = entry.raw;
  env.STRONGBOX_ENV = resolution.environment.name;
  env[MARKER] = attestationFor(resolution.environment.name);
  return env;
}
