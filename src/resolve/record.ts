import type { AuditEvent, AuditSink } from "../audit/event.js";
import { auditFailsClosed } from "../audit/open-sink.js";
import { isPureVault } from "../environments/policy.js";
import type { Environment } from "../environments/select.js";
import { type Issue, issue, StrongboxError } from "../errors.js";
import { formatRef } from "../refs/ref.js";
import { matchGlob } from "../schema/glob.js";
import type { AuditSpec } from "../schema/types.js";
import type { Picked } from "./pick.js";
import type { Settled } from "./settle.js";

/** The audit record of one secret's read, whatever its outcome; a digest of the value at most. */
export function auditEvent(
  p: Picked,
  settled: Settled,
  environment: Environment,
  time: string,
  sink: AuditSink | undefined,
): AuditEvent {
  const raw = settled.outcome === "ok" ? settled.entry.raw : undefined;
  return {
    time,
    action: "read",
    environment: environment.name,
    variable: p.name,
    source: settled.kind ?? "none",
    ...(settled.ref === undefined ? {} : { ref: formatRef(settled.ref) }),
    ...(settled.version === undefined ? {} : { version: settled.version }),
    outcome: settled.outcome,
    ...(settled.issue === undefined ? {} : { code: settled.issue.code }),
    ...(raw === undefined ? {} : valueMacOf(sink, raw)),
    ...(settled.principal === undefined ? {} : { principal: settled.principal }),
    pid: process.pid,
  };
}

/** The record's `valueMac`; a sink that cannot make one (no usable key) fails at its write instead. */
function valueMacOf(sink: AuditSink | undefined, raw: string): { valueMac?: string } {
  try {
    return sink?.digest === undefined ? {} : { valueMac: sink.digest(raw) };
  } catch {
    return {};
  }
}

/**
 * Writes a resolution's records. When the sink fails, the access is refused
 * (an `E_AUDIT` issue: no value is released) where the audit fails closed,
 * and a warning elsewhere.
 */
export function recordAccess(
  sink: AuditSink | undefined,
  events: readonly AuditEvent[],
  spec: AuditSpec | undefined,
  environment: Environment,
): Issue | undefined {
  if (sink === undefined || events.length === 0) return undefined;
  try {
    sink.write(events);
    return undefined;
  } catch (error) {
    const reason = error instanceof StrongboxError ? error.message : "the audit sink failed";
    if (
      auditFailsClosed(spec, { name: environment.name, pure: isPureVault(environment) }, matchGlob)
    )
      return issue(
        "E_AUDIT",
        `${reason}; no secret is released unrecorded in environment "${environment.name}"`,
        {
          hint: "fix the audit log's path or permissions, or send records to a stream (audit.sink: stderr)",
        },
      );
    // STRONGBOX_AUDIT_SINK=off where a lost record is allowed: silent, as asked.
    if (sink.offByEnvironment === true) return undefined;
    return issue("E_IO", `${reason}; ${events.length} access(es) went unrecorded`);
  }
}
