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
    const path = logicalPath(read.path, environment);
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

/** A template's API path (`secret/data/app`, `%s` for the environment) as the client reads it (`secret/app`). */
function logicalPath(path: string, environment: string): string {
  return path.replaceAll("%s", environment).replace(/^([^/]+)\/data\//, "$1/");
}

/**
 * Keys the templates render (`{{ .Data.data.KEY }}` in `secrets.ctmpl` or
 * the project's templates) that Vault does not hold for `environment`, or
 * holds empty: the file vault-agent would write has a hole, though the
 * schema may be complete. Keys the schema reads at the same path are left to
 * {@link liveLayerIssues}, so nothing is reported twice. Each path is read
 * once; values are compared with "" and never kept.
 */
export async function liveTemplateIssues(
  config: ConfigSpec,
  environment: string,
  client: VaultClient,
  templates: readonly TemplateRead[],
): Promise<Issue[]> {
  const checked = new Set(vaultNeeds(config, environment).map((n) => `${n.path}#${n.key}`));
  const wanted = new Map<string, Set<string>>();
  for (const read of templates) {
    const path = logicalPath(read.path, environment);
    for (const key of read.keys)
      if (!checked.has(`${path}#${key}`))
        wanted.set(path, (wanted.get(path) ?? new Set()).add(key));
  }
  const issues: Issue[] = [];
  const where = `for environment "${environment}"`;
  for (const [path, keys] of wanted) {
    let data: Readonly<Record<string, unknown>> | undefined;
    try {
      data = (await client.kvRead(path))?.data;
    } catch (error) {
      const message = error instanceof Error ? error.message : "cannot be read";
      for (const key of keys)
        issues.push(
          layerIssue("live-missing", `${key} (a template key at ${path}): ${message}`, key),
        );
      continue;
    }
    const verb = data === undefined ? "put" : "patch";
    const hint = (key: string) =>
      `write it: bao kv ${verb} ${path.replace(/^([^/]+)\//, "-mount=$1 ")} ${key}=… (or fix the template's path)`;
    for (const key of [...keys].sort()) {
      const value = data?.[key];
      if (value === undefined || value === null)
        issues.push(
          layerIssue(
            "live-missing",
            `${key} is rendered by a template from ${path} but is missing in Vault ${where}`,
            key,
            hint(key),
          ),
        );
      else if (value === "")
        issues.push(
          layerIssue(
            "live-empty",
            `${key} is rendered by a template from ${path} but is empty in Vault ${where}`,
            key,
            hint(key),
          ),
        );
    }
  }
  return issues;
}
