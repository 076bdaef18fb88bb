import { hostname, userInfo } from "node:os";
import type { AuditEvent } from "../audit/event.js";
import { queryAudit } from "../audit/query.js";
import { StrongboxError } from "../errors.js";
import { finishRotation, type LifecycleContext, type Rotated, rotateSecret } from "./rotate.js";

/** What a compromise drill did, and who touched the secrets since the window opened. Never a value. */
export interface CompromiseReport {
  readonly started: string;
  readonly by: string;
  readonly environment: string;
  readonly since: string;
  /** The secret reported and its blast radius (`rotatesWith`), in order. */
  readonly secrets: readonly string[];
  readonly rotated: ReadonlyArray<Rotated & { readonly retired: readonly (number | string)[] }>;
  readonly failed: ReadonlyArray<{ readonly name: string; readonly message: string }>;
  /** Audit records of access to those secrets since `since`, when an audit log is kept. */
  readonly accesses: readonly AuditEvent[];
  readonly auditLog?: string;
  /** Lines of the audit log that could not be read (edited or torn); named, not hidden. */
  readonly unreadableAuditLines: number;
}

/**
 * Seed 001's compromise procedure in one call: rotate the secret now with no
 * overlap and retire every old version at once (for `JWT_SECRET` this is the
 * forced logout of every session), do the same for everything in its
 * `rotatesWith` blast radius (followed transitively), and list the audit
 * records of access to any of them since `since`. One secret's failure is
 * reported and does not stop the others.
 */
export async function compromise(
  name: string,
  since: Date,
  ctx: LifecycleContext & { readonly auditLog?: string },
): Promise<CompromiseReport> {
  if (Number.isNaN(since.getTime()))
    throw new StrongboxError(
      "E_USAGE",
      "compromise: --since must be a time such as 2026-11-27T18:00Z",
    );
  if (!Object.hasOwn(ctx.config.variables, name))
    throw new StrongboxError("E_USAGE", `compromise: ${name} is not in the schema`);
  const secrets = blastRadius(name, ctx);
  const started = (ctx.now?.() ?? new Date()).toISOString();
  const rotated: Array<Rotated & { retired: readonly (number | string)[] }> = [];
  const failed: Array<{ name: string; message: string }> = [];
  for (const secret of secrets) {
    try {
      const done = await rotateSecret(secret, ctx);
      const finished = await finishRotation(secret, ctx, { force: true });
      rotated.push({ ...done, retired: finished.retired });
    } catch (error) {
      failed.push({ name: secret, message: (error as Error).message });
    }
  }
  const log: { events: AuditEvent[]; unreadable: number } =
    ctx.auditLog === undefined
      ? { events: [], unreadable: 0 }
      : queryAudit(ctx.auditLog, { since });
  const concerned = new Set(secrets);
  const refs = new Set(rotated.map((r) => r.ref));
  const accesses = log.events.filter(
    (event) =>
      event.source !== "lifecycle" &&
      ((event.variable !== undefined && concerned.has(event.variable)) ||
        (event.secret !== undefined && concerned.has(event.secret)) ||
        (event.ref !== undefined && refs.has(event.ref.replace(/\?.*$/, "")))),
  );
  return {
    started,
    by: actor(),
    environment: ctx.environment,
    since: since.toISOString(),
    secrets,
    rotated,
    failed,
    accesses,
    ...(ctx.auditLog === undefined ? {} : { auditLog: ctx.auditLog }),
    unreadableAuditLines: log.unreadable,
  };
}

/** `name` and every secret its `rotatesWith` reaches, each once, in the order reached. */
function blastRadius(name: string, ctx: LifecycleContext): string[] {
  const order: string[] = [];
  const visit = (current: string) => {
    if (order.includes(current) || !Object.hasOwn(ctx.config.variables, current)) return;
    order.push(current);
    for (const next of ctx.config.variables[current]?.rotatesWith ?? []) visit(next);
  };
  visit(name);
  return order;
}

/** The incident report as markdown: what was rotated, by whom, and who accessed what since. */
export function compromiseMarkdown(report: CompromiseReport): string {
  const lines = [
    `# Incident: compromise of ${report.secrets[0]} (${report.environment})`,
    "",
    `- Started: ${report.started} by ${report.by}`,
    `- Suspected since: ${report.since}`,
    `- Blast radius: ${report.secrets.join(", ")}`,
    "",
    "## Rotated (no overlap; old versions retired at once)",
    "",
    "| secret | where | new version | retired |",
    "|---|---|---|---|",
    ...report.rotated.map(
      (r) => `| ${r.name} | ${r.ref} | ${r.version ?? "?"} | ${r.retired.join(", ") || "none"} |`,
    ),
    ...(report.failed.length === 0
      ? []
      : [
          "",
          "## Not rotated: do these by hand",
          "",
          ...report.failed.map((f) => `- ${f.name}: ${f.message}`),
        ]),
    "",
    `## Access since ${report.since}`,
    "",
    ...(report.auditLog === undefined
      ? [
          "No audit log is configured (`audit.file` or STRONGBOX_AUDIT_FILE): accesses cannot be listed.",
        ]
      : report.accesses.length === 0
        ? [`No access recorded in ${report.auditLog}.`]
        : [
            "| time | action | secret | source | outcome | pid |",
            "|---|---|---|---|---|---|",
            ...report.accesses.map(
              (e) =>
                `| ${e.time} | ${e.action} | ${e.variable ?? e.secret ?? ""} | ${e.ref ?? e.source} | ${e.outcome} | ${e.pid} |`,
            ),
          ]),
    ...(report.unreadableAuditLines > 0
      ? [
          "",
          `${report.unreadableAuditLines} line(s) of the audit log could not be read: check it for tampering.`,
        ]
      : []),
    "",
    "## Next steps",
    "",
    "- Restart or roll every service in the blast radius so none keeps the old values in memory.",
    "- Check that sessions and tokens issued before the rotation are refused.",
    "",
  ];
  return lines.join("\n");
}

function actor(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `uid-${process.getuid?.() ?? "?"}@${hostname()}`;
  }
}
