/**
 * Vault/OpenBao as a library: the HTTP client (KV v1/v2, auth methods,
 * token renewal) and the schema-aware operations built on it: what a schema
 * needs from Vault, policies and AppRoles for it (`planSetup`/`applySetup`),
 * a health report (`vaultDoctor`), and copying or destroying an
 * environment's tree.
 *
 * ```ts
 * import { VaultClient, vaultDoctor } from "strongbox/vault";
 * const client = VaultClient.fromEnv(process.env, config.vault);
 * const report = await vaultDoctor(config, ["production"], client);
 * ```
 * @packageDocumentation
 */

import { environmentScope } from "../environments/scope.js";

export { isProductionName } from "../environments/defaults.js";

import { StrongboxError } from "../errors.js";
import { matchGlob } from "../schema/glob.js";
import type { ConfigSpec } from "../schema/types.js";

export type { VaultKeyRow } from "../diff/vault-paths.js";
export { diffVaultPaths } from "../diff/vault-paths.js";
export type { KvSecret, MountInfo, VaultSettings } from "../vault/client.js";
export { VaultClient } from "../vault/client.js";
export { writeVaultKey } from "../vault/write-key.js";
export type { DoctorReport } from "../vault-ops/doctor.js";
export { vaultDoctor } from "../vault-ops/doctor.js";
export type { CopyStep } from "../vault-ops/env-tree.js";
export { applyCopy, destroyTree, listTree, planCopy } from "../vault-ops/env-tree.js";
export type { VaultNeed } from "../vault-ops/plan.js";
export { concreteEnvironments, isVaultInProduction, vaultNeeds } from "../vault-ops/plan.js";
export type { PathUse, VaultFeature } from "../vault-ops/policy.js";
export { FEATURE_GRANTS, policyRules, policyText } from "../vault-ops/policy.js";
export type { Grant, SetupOptions, SetupPlan, SetupResult } from "../vault-ops/setup.js";
export { applySetup, planSetup } from "../vault-ops/setup.js";
export type {
  AwsBinding,
  CertBinding,
  JwtBinding,
  KubernetesBinding,
  LoginBinding,
  LoginRole,
  SetupMethod,
} from "../vault-ops/setup-login.js";
export { SETUP_METHODS } from "../vault-ops/setup-login.js";
export type { LoginSetupResult } from "../vault-ops/setup-login-apply.js";
export { applyLoginSetup } from "../vault-ops/setup-login-apply.js";

/** Names of environments that may be created and destroyed at will (`env create|destroy`). */
export const EPHEMERAL_ENVIRONMENTS: readonly string[] = ["pr-*", "preview-*", "review-*"];

/** Whether `name` is an ephemeral environment ({@link EPHEMERAL_ENVIRONMENTS}), whose tree may be copied or destroyed. */
export function isEphemeralEnvironment(name: string): boolean {
  return EPHEMERAL_ENVIRONMENTS.some((glob) => matchGlob(glob, name));
}

/**
 * The environment whose Vault settings a report or setup over `environments`
 * uses: every one must share one server and credential (the same `vault:`
 * settings and `credentialPrefix`), since one client serves them all;
 * otherwise `E_USAGE` names the groups.
 */
export function sharedVaultEnvironment(
  config: ConfigSpec,
  environments: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const groups = new Map<string, string[]>();
  for (const environment of environments) {
    const scope = environmentScope(config, environment, env);
    const key = JSON.stringify([scope.section("vault") ?? null, scope.credentials?.prefix ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), environment]);
  }
  if (groups.size > 1)
    throw new StrongboxError(
      "E_USAGE",
      `vault: ${[...groups.values()].map((names) => names.join(", ")).join(" / ")} have different Vault settings or credentials`,
      {
        hint: `run it once per Vault, e.g. ${[...groups.values()].map((names) => `--env ${names[0]}`).join(", then ")}`,
      },
    );
  return environments[0];
}
