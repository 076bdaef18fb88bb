import { type Issue, issue } from "../errors.js";
import { isVaultRefText } from "../providers/vault/index.js";
import { refTexts, schemaRefFor } from "../refs/template.js";
import { identityPartProblem } from "../schema/identity-name.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";

const HINT =
  "use lower-case letters, digits and _, joined by single -, as in shop, prod-eu, billing_worker";

/**
 * The names `vault setup` would make Vault identities of, held to the one
 * identity-name rule (schema/identity-name.ts), each problem naming its
 * field: the project and every component of a variable that reads Vault, and
 * every declared environment in which a variable reads Vault.
 */
export function checkIdentityNames(config: ConfigSpec): Issue[] {
  const issues: Issue[] = [];
  const variables = Object.entries(config.variables).filter(
    (entry): entry is [string, VariableSpec] => entry[1] !== null && typeof entry[1] === "object",
  );
  const readsVault = (spec: VariableSpec) => refTexts(spec).some((text) => isVaultRefText(text));
  const vaultVariables = variables.filter(([, spec]) => readsVault(spec));
  if (vaultVariables.length === 0) return issues;
  const project = config.project === undefined ? undefined : identityPartProblem(config.project);
  if (project !== undefined)
    issues.push(issue("E_SCHEMA", `project: the name ${project}`, { hint: HINT }));
  for (const [name, spec] of vaultVariables) {
    const problem = spec.component === undefined ? undefined : identityPartProblem(spec.component);
    if (problem !== undefined)
      issues.push(
        issue("E_SCHEMA", `${name}: the component name ${problem}`, { variable: name, hint: HINT }),
      );
  }
  for (const environment of Object.keys(config.environments ?? {})) {
    if (environment.includes("*")) continue;
    if (!vaultVariables.some(([, spec]) => isVaultRefText(schemaRefFor(spec, environment))))
      continue;
    const problem = identityPartProblem(environment);
    if (problem !== undefined)
      issues.push(
        issue("E_SCHEMA", `environments.${environment}: the name ${problem}`, { hint: HINT }),
      );
  }
  return issues;
}
