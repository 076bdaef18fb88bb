/**
 * The gates: the schema check, the three-layer check (schema,
 * `.env.example`, templates, and Vault with `live`), the hygiene lint, and
 * the scan of build output for resolved secret values. Each returns every
 * problem at once as {@link Issue}s with stable codes and rules.
 *
 * ```ts
 * import { checkProjectLayers } from "strongbox/check";
 * const report = await checkProjectLayers(project, { cwd: process.cwd() });
 * const problems = report.issues.map((issue) => `${issue.code} ${issue.rule}: ${issue.message}`);
 * ```
 * @packageDocumentation
 */
export { checkSchema } from "../config/check-schema.js";
export type { DiffRow, DiffSide, EnvironmentDiff, Equality } from "../diff/environments.js";
export { diffAgainstFile, diffEnvironments } from "../diff/environments.js";
export type { DoctorCheck } from "../doctor/local.js";
export { localDoctor } from "../doctor/local.js";
export type { Issue } from "../errors.js";
export { installHook, uninstallHook } from "../hygiene/hook.js";
export type { LintRule } from "../hygiene/lint.js";
export { lintProject } from "../hygiene/lint.js";
export type { ScanHit } from "../hygiene/scan.js";
export { checkScanRoot, scanForSecrets } from "../hygiene/scan.js";
export type { StagedFinding } from "../hygiene/staged.js";
export { scanStaged } from "../hygiene/staged.js";
export type { LayerFile, LayerReport, LayerRule } from "../layers/check-layers.js";
export { checkLayers, layersDiff } from "../layers/check-layers.js";
export type { ProjectLayerOptions, ProjectLayerReport } from "../layers/check-project.js";
export { checkProjectLayers } from "../layers/check-project.js";
export { liveLayerIssues } from "../layers/live.js";
