import type { AuditEvent } from "../audit/event.js";
import { vaultRefText } from "../providers/vault/index.js";

/**
 * The audit record of one Vault path read or written outside resolution (a
 * template, `diff --vault`): the path as the secret, its `vault://` ref, never
 * a value.
 */
export function vaultPathEvent(
  path: string,
  action: "read" | "write",
  outcome: AuditEvent["outcome"],
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return {
    time: new Date().toISOString(),
    action,
    secret: path,
    source: "vault",
    ref: vaultRefText(path),
    outcome,
    ...extra,
    pid: process.pid,
  };
}
