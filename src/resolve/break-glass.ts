import type { AuditEvent, AuditSink } from "../audit/event.js";
import { isPureVault } from "../environments/policy.js";
import type { Environment } from "../environments/select.js";
import { type Issue, issue, StrongboxError } from "../errors.js";
import { pureProvider } from "../providers/registry.js";
import type { Candidate, ResolvedEntry } from "./types.js";

/** An operator's request to let a pure-mode environment take secrets from its other sources, once. */
export interface BreakGlassRequest {
  /** Why (an incident id, "vault down"): required, recorded, never empty. */
  readonly reason: string;
}

/** What a break-glass resolution reports: the reason and the secrets that did not come from the pure source. */
export interface BreakGlassReport {
  readonly reason: string;
  /** Names only, never values. */
  readonly variables: readonly string[];
}

/** The longest reason recorded; an incident reference and a few words fit. */
const MAX_REASON = 500;

/**
 * Whether this resolution runs with the glass broken. Undefined when no
 * break-glass was asked for, or when the environment is not in pure mode
 * (where every configured source is allowed anyway; `warn` says so). Throws
 * `E_BREAK_GLASS` when the config forbids it or no audit sink could record it,
 * and `E_USAGE` for an empty reason: in all three, before anything is read.
 */
export function breakGlassFor(
  request: BreakGlassRequest | undefined,
  environment: Environment,
  sink: AuditSink | undefined,
  warn: (message: string) => void,
): BreakGlassRequest | undefined {
  if (request === undefined) return undefined;
  const reason = request.reason.trim();
  if (reason === "" || reason.length > MAX_REASON || /[\r\n]/.test(reason))
    throw new StrongboxError(
      "E_USAGE",
      `--break-glass needs a reason of one line (up to ${MAX_REASON} characters)`,
      { hint: 'name the incident, as in --break-glass "INC-1234 vault down"' },
    );
  if (!isPureVault(environment)) {
    warn(
      `--break-glass has no effect in environment "${environment.name}": it does not run in pure mode, so its other sources are allowed already`,
    );
    return undefined;
  }
  if (!environment.breakGlass)
    throw new StrongboxError(
      "E_BREAK_GLASS",
      `environment "${environment.name}" forbids --break-glass (environments.${environment.declaredAs}.breakGlass: false)`,
      { hint: "bring the secret manager back, or change the config through review" },
    );
  if (sink === undefined || sink.offByEnvironment === true)
    throw new StrongboxError(
      "E_BREAK_GLASS",
      `--break-glass in environment "${environment.name}" needs an audit log, and the audit is off`,
      {
        hint: "turn the audit on (audit.sink: file, stderr or syslog) so the break-glass is recorded",
      },
    );
  return { reason };
}

/**
 * With the glass broken the pure source is still preferred where it answers:
 * its reference goes first, and the other sources only stand in when it
 * fails (see `fallBack`). Without this, a stale `.env` would shadow a
 * healthy Vault for the whole invocation.
 */
export function referenceFirst(candidates: readonly Candidate[]): Candidate[] {
  const refs = candidates.filter((c) => c.source === "ref");
  return [...refs, ...candidates.filter((c) => c.source !== "ref")];
}

/** The secrets released from a source other than the environment's pure one. */
export function outsidePure(
  entries: readonly ResolvedEntry[],
  environment: Environment,
): BreakGlassReport["variables"] {
  const kind = pureProvider(environment.secretSources)?.kind;
  return entries
    .filter((e) => e.secret && e.provenance.status === "ok" && e.provenance.winner?.kind !== kind)
    .map((e) => e.name);
}

/**
 * Records the break-glass before any value leaves the resolver: the reason,
 * the environment and the names that did not come from the pure source (the
 * sink adds who). A record that cannot be written refuses the resolution,
 * whatever `audit.failClosed` says.
 */
export function recordBreakGlass(
  sink: AuditSink | undefined,
  environment: Environment,
  report: BreakGlassReport,
  time: string,
): Issue | undefined {
  const event: AuditEvent = {
    time,
    action: "break-glass",
    environment: environment.name,
    source: pureProvider(environment.secretSources)?.kind ?? "none",
    outcome: "ok",
    reason: report.reason,
    variables: report.variables,
    pid: process.pid,
  };
  try {
    if (sink === undefined) throw new StrongboxError("E_IO", "no audit sink");
    sink.write([event]);
    return undefined;
  } catch (error) {
    const why = error instanceof StrongboxError ? error.message : "the audit sink failed";
    return issue(
      "E_BREAK_GLASS",
      `${why}; a break-glass that cannot be recorded releases nothing in environment "${environment.name}"`,
      {
        hint: "fix the audit log's path or permissions, or send records to a stream (audit.sink: stderr)",
      },
    );
  }
}

/** The loud, value-free line a break-glass prints. */
export function breakGlassWarning(environment: Environment, report: BreakGlassReport): string {
  const words = pureProvider(environment.secretSources)?.words ?? "the pure source";
  const names = report.variables;
  return `BREAK-GLASS in environment "${environment.name}": ${names.length === 0 ? `every secret still came from ${words}` : `${names.length} secret${names.length === 1 ? "" : "s"} did not come from ${words}: ${names.join(", ")}`}; recorded in the audit log with the reason`;
}
