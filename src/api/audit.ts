/**
 * Reading the audit log: query it with filters, follow it as it grows, and
 * verify its hash chain (docs/audit.md). Records name variables, sources and
 * outcomes, never a value; a value can be looked for only by its keyed MAC.
 *
 * ```ts
 * import { queryAudit, verifyChain } from "strongbox/audit";
 * const { events } = queryAudit(logFile, { names: ["DB_PASSWORD"] });
 * const report = verifyChain(logFile, process.env);
 * ```
 * @packageDocumentation
 */
import { auditKey, valueDigest } from "../audit/key.js";
// The stream sink reaches the credential rule: load the declarations it consults.
import "../providers/registry.js";

export type { AuditEvent, AuditSink } from "../audit/event.js";
export { followAudit } from "../audit/follow.js";
export { type StreamWriter, setAuditStreamWriter } from "../audit/open-sink.js";
export type { AuditFilter, ChainReport } from "../audit/query.js";
export { hasAuditRecords, queryAudit, queryMatches, verifyChain } from "../audit/query.js";

/**
 * The keyed MAC the audit records for `value` (`valueMac`), to find the
 * records of one value without the log ever holding it. Uses the existing
 * audit key only (E_STORE_KEY without one: nothing recorded can match).
 */
export function auditValueMac(
  env: Readonly<Record<string, string | undefined>>,
  value: string | Uint8Array,
): string {
  return valueDigest(auditKey(env, { create: false }), value);
}
