import type { Issue } from "../errors.js";
import type { ConfigSpec } from "../schema/types.js";
import type { VaultClient } from "../vault/client.js";
import { vaultDoctor } from "../vault-ops/doctor.js";
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
