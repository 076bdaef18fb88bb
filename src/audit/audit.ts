import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import type { AuditActor } from "./identity.js";

/** One access to a secret. It names the secret and where it came from, never its value. */
export interface AuditEvent {
  /** ISO 8601 time of the access. */
  readonly time: string;
  readonly action:
    | "read"
    | "write"
    | "delete"
    | "purge"
    | "destroy"
    | "rotate"
    | "retire"
    | "rollback"
    | "rotate-key"
    | "rewrap"
    | "rekey"
    | "resolve";
  /** The environment of a resolution. */
  readonly environment?: string;
  /** The schema variable read by a resolution. */
  readonly variable?: string;
  /** The store secret read or written. */
  readonly secret?: string;
  readonly version?: number;
  /** The source kind that held the value, or `none` when nothing did. */
  readonly source: string;
  /** The reference read, when the value came through one. */
  readonly ref?: string;
  readonly outcome: "ok" | "missing" | "denied" | "invalid" | "error";
  /** The process that read it. */
  readonly pid: number;
  /** Who is behind it: user, host, command, git author, CI job (added by the sink). */
  readonly actor?: AuditActor;
}

/** Where audit events go. A sink that cannot record must throw: an unrecorded access is refused. */
export interface AuditSink {
  write(events: readonly AuditEvent[]): void;
}

/**
 * Appends events as JSON lines to `path` (created 0600). Each batch is one
 * `write` on an `O_APPEND` descriptor, so concurrent processes do not interleave
 * lines. Throws `E_IO` when the file cannot be written.
 */
export function createJsonlSink(path: string): AuditSink {
  return {
    write(events) {
      if (events.length === 0) return;
      const text = events.map((event) => `${JSON.stringify(event)}\n`).join("");
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        const fd = openSync(path, "a", 0o600);
        try {
          writeSync(fd, text);
          // On disk before the access it records takes effect (a store write follows it).
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (error) {
        throw new StrongboxError(
          "E_IO",
          `cannot write the audit log ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
          {
            hint: "secrets are not released while their access cannot be audited; fix the path or its permissions",
            cause: error,
          },
        );
      }
    },
  };
}

/**
 * The events of a JSONL audit log at or after `since`, oldest first, and how
 * many lines could not be read (a torn last line, an edited one). A missing
 * file has no events.
 */
export function readAuditEvents(
  path: string,
  since: Date,
): { readonly events: AuditEvent[]; readonly unreadable: number } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { events: [], unreadable: 0 };
    throw new StrongboxError("E_IO", `cannot read the audit log ${path}`, {
      hint: "check its permissions",
    });
  }
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

/**
 * The one rule for where audit records go, shared by every entry point
 * (`loadConfig`, the CLI's resolution and store commands, rotation): the
 * config's `audit.file` (relative to the config), else `STRONGBOX_AUDIT_FILE`.
 * Undefined when neither names a file.
 */
export function auditFileFor(
  config: { readonly audit?: { readonly file?: string } } | undefined,
  baseDir: string,
  env: Readonly<Record<string, string | undefined>> | undefined,
): string | undefined {
  const file = config?.audit?.file ?? env?.STRONGBOX_AUDIT_FILE;
  return file === undefined || file === "" ? undefined : resolve(baseDir, file);
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
}

/** The records of `path` that match `filter`, oldest first, and how many lines could not be read. */
export function queryAudit(
  path: string,
  filter: AuditFilter = {},
): { readonly events: AuditEvent[]; readonly unreadable: number } {
  const { events, unreadable } = readAuditEvents(path, filter.since ?? new Date(0));
  const names = filter.names === undefined ? undefined : new Set(filter.names);
  return {
    unreadable,
    events: events.filter(
      (event) =>
        (filter.until === undefined || Date.parse(event.time) <= filter.until.getTime()) &&
        (names === undefined ||
          (event.variable !== undefined && names.has(event.variable)) ||
          (event.secret !== undefined && names.has(event.secret))) &&
        (filter.environment === undefined || event.environment === filter.environment) &&
        (filter.outcome === undefined || event.outcome === filter.outcome) &&
        (filter.action === undefined || event.action === filter.action),
    ),
  };
}
