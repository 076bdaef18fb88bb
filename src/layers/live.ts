import type { Issue } from "../errors.js";
import type { ConfigSpec } from "../schema/types.js";
import type { VaultClient } from "../vault/client.js";
import { vaultDoctor } from "../vault-ops/doctor.js";
import { vaultNeeds } from "../vault-ops/plan.js";
import { layerIssue } from "./check-layers.js";

/**
 * The live layer of the gate (`check --layers --live`): what the schema says
 * Vault holds for `environment` and Vault does not (missing or empty), as
 * `E_LAYERS` issues. Names only; values are read to tell empty from set and
 * never kept.
 */
export async function liveLayerIssues(
  config: ConfigSpec,
  environment: string,
  client: VaultClient,
): Promise<Issue[]> {
  const report = await vaultDoctor(config, [environment], client);
  if (!report.server.reachable)
    return [
      layerIssue(
        "live-missing",
        `Vault at ${report.address} is unreachable: ${report.server.error}`,
      ),
    ];
  return report.environments.flatMap((env) => [
    ...env.missing.map((variable) =>
      layerIssue(
        "live-missing",
        `${variable} is missing in Vault for environment "${env.environment}"`,
        variable,
      ),
    ),
    ...env.empty.map((variable) =>
      layerIssue(
        "live-empty",
        `${variable} is empty in Vault for environment "${env.environment}"`,
        variable,
      ),
    ),
    ...env.errors.map((error) =>
      layerIssue("live-missing", `${error.variable}: ${error.message}`, error.variable),
    ),
  ]);
}

/** A Vault path a template reads (`%s` standing for the environment) and the keys it renders. */
export interface TemplateRead {
  readonly path: string;
  readonly keys: readonly string[];
}

/**
 * Keys Vault holds at the paths the schema and the templates read for
 * `environment` that neither declares (`live-orphan`): a secret someone put
 * in Vault that nothing renders or reads, often one renamed in the code but
 * not in Vault. Names only.
 */
export async function liveOrphanIssues(
  config: ConfigSpec,
  environment: string,
  client: VaultClient,
  templates: readonly TemplateRead[],
): Promise<Issue[]> {
  const declared = new Map<string, Set<string>>();
  const add = (path: string, key: string) => {
    const keys = declared.get(path) ?? new Set<string>();
    keys.add(key);
    declared.set(path, keys);
  };
  for (const need of vaultNeeds(config, environment)) add(need.path, need.key);
  for (const read of templates) {
    // A template names the API path (`secret/data/app`); the client reads the logical one.
    const path = read.path.replaceAll("%s", environment).replace(/^([^/]+)\/data\//, "$1/");
    if (read.keys.length === 0) declared.set(path, declared.get(path) ?? new Set());
    for (const key of read.keys) add(path, key);
  }
  const issues: Issue[] = [];
  for (const [path, keys] of declared) {
    let secret: Awaited<ReturnType<VaultClient["kvRead"]>>;
    try {
      secret = await client.kvRead(path);
    } catch {
      continue; // unreachable or denied: the missing/empty check above already says so
    }
    for (const key of Object.keys(secret?.data ?? {}).sort())
      if (!keys.has(key))
        issues.push(
          layerIssue(
            "live-orphan",
            `${key} is in Vault at ${path} for environment "${environment}" but neither the schema nor a template declares it`,
            key,
          ),
        );
  }
  return issues;
}
