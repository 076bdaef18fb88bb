import type { AuditEvent } from "../audit/event.js";
import { type AuditActor, auditActor } from "../audit/identity.js";
import { queryAudit } from "../audit/query.js";
import { StrongboxError } from "../errors.js";
import { formatRef } from "../refs/ref.js";
import {
  finishRotation,
  type LifecycleContext,
  type Rotated,
  refIn,
  rotateSecret,
} from "./rotate.js";
import { rotationIn } from "./status.js";

/** What a compromise drill did, and who touched the secrets since the window opened. Never a value. */
export interface CompromiseReport {
  readonly started: string;
  /** Who ran it, as `user@host`. */
  readonly by: string;
  /** Who ran it in full: OS user and host, git author, CI job. Names only, never a credential. */
  readonly who: AuditActor;
  readonly environment: string;
  /** A dry run: nothing was rotated or retired; `planned` says what would be. */
  readonly dryRun?: true;
  readonly planned?: ReadonlyArray<CompromisePlanned>;
  readonly since: string;
  /** The secret reported and its blast radius (`rotatesWith`), in order. */
  readonly secrets: readonly string[];
  readonly rotated: ReadonlyArray<
    Rotated & {
      readonly retired: readonly (number | string)[];
      /** Other keys of a shared path whose previous value went with the retired versions. */
      readonly shared?: ReadonlyArray<{ readonly key: string; readonly version: number }>;
    }
  >;
  readonly failed: ReadonlyArray<{ readonly name: string; readonly message: string }>;
  /** Audit records of access to those secrets since `since`, when an audit log is kept. */
  readonly accesses: readonly AuditEvent[];
  readonly auditLog?: string;
  /** Lines of the audit log that could not be read (edited or torn); named, not hidden. */
  readonly unreadableAuditLines: number;
}

/** What a compromise would do to one secret of the blast radius (a dry run). */
export interface CompromisePlanned {
  readonly name: string;
  readonly ref?: string;
  /** Why it could not be rotated, when that is known beforehand. */
  readonly problem?: string;
}

/**
 * Seed 001's compromise procedure in one call: rotate the secret now with no
 * overlap and retire every old version at once (for `JWT_SECRET` this is the
 * forced logout of every session), do the same for everything in its
 * `rotatesWith` blast radius (followed transitively), and list the audit
 * records of access to any of them since `since`. One secret's failure is
 * reported and does not stop the others. With `dryRun`, nothing is written:
 * the report says what would be rotated and who accessed what.
 */
export async function compromise(
  name: string,
  since: Date,
  ctx: LifecycleContext & { readonly auditLog?: string; readonly dryRun?: boolean },
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
  const { rotated, failed } =
    ctx.dryRun === true ? { rotated: [], failed: [] } : await rotateAll(secrets, ctx);
  const log: { events: AuditEvent[]; unreadable: number } =
    ctx.auditLog === undefined
      ? { events: [], unreadable: 0 }
      : queryAudit(ctx.auditLog, { since });
  const concerned = new Set(secrets);
  const planned = ctx.dryRun === true ? secrets.map((secret) => plan(secret, ctx)) : undefined;
  const refs = new Set([...rotated, ...(planned ?? [])].map((r) => r.ref));
  const accesses = log.events.filter(
    (event) =>
      event.source !== "lifecycle" &&
      ((event.variable !== undefined && concerned.has(event.variable)) ||
        (event.secret !== undefined && concerned.has(event.secret)) ||
        (event.ref !== undefined && refs.has(event.ref.replace(/\?.*$/, "")))),
  );
  const who = auditActor(ctx.processEnv, ctx.baseDir);
  return {
    started,
    by: `${who.user}@${who.host}`,
    who,
    environment: ctx.environment,
    ...(planned === undefined ? {} : { dryRun: true as const, planned }),
    since: since.toISOString(),
    secrets,
    rotated,
    failed,
    accesses,
    ...(ctx.auditLog === undefined ? {} : { auditLog: ctx.auditLog }),
    unreadableAuditLines: log.unreadable,
  };
}

/** Rotates each secret now and retires its old versions at once; a failure is reported, not thrown. */
async function rotateAll(secrets: readonly string[], ctx: LifecycleContext) {
  const rotated: Array<
    Rotated & {
      retired: readonly (number | string)[];
      shared: ReadonlyArray<{ key: string; version: number }>;
    }
  > = [];
  const failed: Array<{ name: string; message: string }> = [];
  for (const secret of secrets) {
    try {
      const done = await rotateSecret(secret, ctx);
      const finished = await finishRotation(secret, ctx, { force: true });
      rotated.push({ ...done, retired: finished.retired, shared: finished.shared });
    } catch (error) {
      failed.push({ name: secret, message: (error as Error).message });
    }
  }
  return { rotated, failed };
}

/** What a compromise would do to `name`, read from the schema alone (a dry run writes nothing). */
function plan(name: string, ctx: LifecycleContext): CompromisePlanned {
  const spec = ctx.config.variables[name];
  if (spec?.secret !== true) return { name, problem: "not a secret; only secrets are rotated" };
  let ref: string | undefined;
  try {
    const found = refIn(name, spec, ctx);
    ref = found === undefined ? undefined : formatRef({ ...found, params: {} });
  } catch (error) {
    return { name, problem: (error as Error).message };
  }
  if (ref === undefined) return { name, problem: `no ref in environment "${ctx.environment}"` };
  return rotationIn(spec, ctx.environment)?.generator === undefined
    ? { name, ref, problem: "no rotation.generator: it cannot be given a new value here" }
    : { name, ref };
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
    `# Incident: compromise of ${report.secrets[0]} (${report.environment})${report.dryRun === true ? ": DRY RUN, nothing changed" : ""}`,
    "",
    `- Started: ${report.started} by ${report.by}`,
    `- Who: ${whoText(report.who)}`,
    `- Suspected since: ${report.since}`,
    `- Blast radius: ${report.secrets.join(", ")}`,
    "",
    ...(report.planned === undefined ? rotatedSection(report) : plannedSection(report.planned)),
    "",
    `## Access since ${report.since}`,
    "",
    ...accessSection(report),
    ...(report.unreadableAuditLines > 0
      ? [
          "",
          `${report.unreadableAuditLines} line(s) of the audit log could not be read: check it for tampering.`,
        ]
      : []),
    "",
    "## Next steps",
    "",
    ...(report.dryRun === true
      ? ["- Run `strongbox compromise` again without --dry-run to rotate and retire."]
      : [
          "- Restart or roll every service in the blast radius so none keeps the old values in memory.",
          "- Check that sessions and tokens issued before the rotation are refused.",
        ]),
    "",
  ];
  return lines.join("\n");
}

function whoText(who: AuditActor): string {
  return [
    `${who.user}@${who.host}`,
    ...(who.git === undefined ? [] : [`git ${who.git}`]),
    ...(who.ci === undefined
      ? []
      : [`CI ${[who.ci.system, who.ci.actor, who.ci.job, who.ci.run].filter(Boolean).join(" ")}`]),
  ].join(", ");
}

function rotatedSection(report: CompromiseReport): string[] {
  const shared = report.rotated.flatMap((r) =>
    (r.shared ?? []).map(
      (entry) =>
        `- ${r.ref}: version ${entry.version} also held ${entry.key}'s previous value; it is gone too.`,
    ),
  );
  return [
    "## Rotated (no overlap; old versions retired at once)",
    "",
    "| secret | where | new version | retired |",
    "|---|---|---|---|",
    ...report.rotated.map(
      (r) => `| ${r.name} | ${r.ref} | ${r.version ?? "?"} | ${r.retired.join(", ") || "none"} |`,
    ),
    ...(shared.length === 0 ? [] : ["", ...shared]),
    ...(report.failed.length === 0
      ? []
      : [
          "",
          "## Not rotated: do these by hand",
          "",
          ...report.failed.map((f) => `- ${f.name}: ${f.message}`),
        ]),
  ];
}

function plannedSection(planned: readonly CompromisePlanned[]): string[] {
  return [
    "## Would rotate (no overlap) and retire every older version at once",
    "",
    "| secret | where | note |",
    "|---|---|---|",
    ...planned.map((p) => `| ${p.name} | ${p.ref ?? "-"} | ${p.problem ?? "ready"} |`),
  ];
}

function accessSection(report: CompromiseReport): string[] {
  if (report.auditLog === undefined)
    return [
      "No audit log is configured (`audit.file` or STRONGBOX_AUDIT_FILE): accesses cannot be listed.",
    ];
  if (report.accesses.length === 0) return [`No access recorded in ${report.auditLog}.`];
  return [
    "| time | action | secret | source | outcome | who | pid |",
    "|---|---|---|---|---|---|---|",
    ...report.accesses.map(
      (e) =>
        `| ${e.time} | ${e.action} | ${e.variable ?? e.secret ?? ""} | ${e.ref ?? e.source} | ${e.outcome} | ${accessWho(e)} | ${e.pid} |`,
    ),
  ];
}

/** Who made an access: the actor the audit recorded, and the source's principal (never a token). */
function accessWho(event: AuditEvent): string {
  const parts = [
    ...(event.actor === undefined ? [] : [`${event.actor.user}@${event.actor.host}`]),
    ...(event.principal === undefined
      ? []
      : [
          [event.principal.method, event.principal.role, event.principal.accessor]
            .filter(Boolean)
            .join(" "),
        ]),
  ].filter((part) => part !== "");
  return parts.join(", ") || "?";
}
