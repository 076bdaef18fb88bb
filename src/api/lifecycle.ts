/**
 * The secret lifecycle: generators, rotation with an overlap and a soak,
 * due dates and expiry, the inventory, the compromise procedure and smoke
 * tests of a resolved configuration (docs/lifecycle.md).
 *
 * ```ts
 * import { rotateDue } from "strongbox/lifecycle";
 * const results = await rotateDue({ config, baseDir, environment: "production", processEnv: process.env });
 * ```
 * @packageDocumentation
 */
export { lifecycleFindings } from "../lifecycle/check.js";
export type { CompromiseReport } from "../lifecycle/compromise.js";
export { compromise, compromiseMarkdown } from "../lifecycle/compromise.js";
export type { Generated, GeneratorSpec } from "../lifecycle/generators.js";
export { generateSecret, parseGenerator } from "../lifecycle/generators.js";
export type { InventoryRow } from "../lifecycle/inventory.js";
export { inventory } from "../lifecycle/inventory.js";
export type { LifecycleContext, Rotated, SecretState } from "../lifecycle/rotate.js";
export { finishRotation, lifecycleStates, rotateDue, rotateSecret } from "../lifecycle/rotate.js";
export type { SmokeOptions, SmokeResult } from "../lifecycle/smoke.js";
export { smokeTest } from "../lifecycle/smoke.js";
export { smokeGate } from "../lifecycle/smoke-gate.js";
export type { LifecycleStatus, Rotation } from "../lifecycle/status.js";
export { lifecycleStatus, rotationIn } from "../lifecycle/status.js";
export { withPreviousValues } from "../resolve/previous.js";
export type { Coerced } from "../schema/coerce.js";
/** Parses a duration as the schema writes it (`"1h30m"`, `"250ms"`, or bare milliseconds): `{ ok, value }` in milliseconds. */
export { parseDuration } from "../schema/coerce.js";
