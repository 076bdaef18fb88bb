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
export type { KvSecret, MountInfo, VaultSettings } from "../vault/client.js";
export { VaultClient } from "../vault/client.js";
export { writeVaultKey } from "../vault/write-key.js";
export type { DoctorReport } from "../vault-ops/doctor.js";
export { vaultDoctor } from "../vault-ops/doctor.js";
export type { CopyStep } from "../vault-ops/env-tree.js";
export { applyCopy, destroyTree, listTree, planCopy } from "../vault-ops/env-tree.js";
export type { VaultNeed } from "../vault-ops/plan.js";
export { concreteEnvironments, isVaultInProduction, vaultNeeds } from "../vault-ops/plan.js";
export type { Grant, SetupPlan, SetupResult } from "../vault-ops/setup.js";
export { applySetup, planSetup } from "../vault-ops/setup.js";
