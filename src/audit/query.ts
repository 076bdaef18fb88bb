import { readFileSync } from "node:fs";
import { StrongboxError } from "../errors.js";
import type { AuditEvent } from "./event.js";
import { assertRegularLog, auditSegments } from "./log-file.js";

/**
 * The events of a JSONL audit log at or after `since`, oldest first, and how
 * many lines could not be read (a torn last line, an edited one). A missing
 * file has no events.
 */
export function readAuditEvents(
  path: string,
  since: Date,
): { readonly events: AuditEvent[]; readonly unreadable: number } {
  const text = [...auditSegments(path), path].map(readLog).join("");
  const events: AuditEvent[] = [];
  let unreadable = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const event = JSON.parse(line) as AuditEvent;
      if (typeof event.time !== "string") throw new Error("no time");
      if (Date.parse(event.time) >= since.getTime()) events.push(event);
    } catch {
      unreadable++;
    }
  }
  return { events, unreadable };
}

function readLog(path: string): string {
  assertRegularLog(path, "read");
  try {
    const text = readFileSync(path, "utf8");
    return text === "" || text.endsWith("\n") ? text : `${text}\n`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw new StrongboxError("E_IO", `cannot read the audit log ${path}`, {
      hint: "check its permissions",
    });
  }
}

/** Which records a query keeps; every field is optional. */
export interface AuditFilter {
  readonly since?: Date;
  readonly until?: Date;
  /** A variable or store secret name. */
  readonly names?: readonly string[];
  readonly environment?: string;
  readonly outcome?: AuditEvent["outcome"];
  readonly action?: AuditEvent["action"];
  /** An OS user, a git author's name or email, a CI actor or a host. */
  readonly actor?: string;
  /** Records that handled the value with this keyed HMAC (see `AuditSink.digest`). */
  readonly valueMac?: string;
}

/** The records of `path` that match `filter`, oldest first, and how many lines could not be read. */
export function queryAudit(
  path: string,
  filter: AuditFilter = {},
): { readonly events: AuditEvent[]; readonly unreadable: number } {
  const { events, unreadable } = readAuditEvents(path, filter.since ?? new Date(0));
  return { unreadable, events: events.filter((event) => queryMatches(event, filter)) };
}

/** Whether one record matches a query's filter. Checkpoints only match when asked for by action. */
export function queryMatches(event: AuditEvent, filter: AuditFilter): boolean {
  const time = Date.parse(event.time);
  return (
    (filter.since === undefined || time >= filter.since.getTime()) &&
    (filter.until === undefined || time <= filter.until.getTime()) &&
    (filter.names === undefined ||
      (event.variable !== undefined && filter.names.includes(event.variable)) ||
      (event.secret !== undefined && filter.names.includes(event.secret))) &&
    (filter.environment === undefined || event.environment === filter.environment) &&
    (filter.outcome === undefined || event.outcome === filter.outcome) &&
    (filter.action === undefined
      ? event.action !== "checkpoint"
      : event.action === filter.action) &&
    (filter.actor === undefined || actedBy(event, filter.actor)) &&
    (filter.valueMac === undefined || event.valueMac === filter.valueMac)
  );
}

/** Whether `who` names the event's actor: the OS user or host exactly, a git author or CI actor by part. */
function actedBy(event: AuditEvent, who: string): boolean {
  const actor = event.actor;
  if (actor === undefined) return false;
  const needle = who.toLowerCase();
  return (
    actor.user === who ||
    actor.host === who ||
    (actor.git?.toLowerCase().includes(needle) ?? false) ||
    actor.ci?.actor === who
  );
}
