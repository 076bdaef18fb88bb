import type { AuditEvent, AuditSink, Principal } from "../audit/audit.js";
import { auditFailsClosed } from "../audit/open-sink.js";
import { checkSchema } from "../config/check-schema.js";
import { checkPolicy, isPureVault } from "../environments/policy.js";
import { type Environment, selectEnvironment } from "../environments/select.js";
import { type Issue, issue, StrongboxError } from "../errors.js";
import {
  isTransientCode,
  knownSchemes,
  providerFor,
  pureProvider,
  sourceWords,
} from "../providers/registry.js";
import { MIN_MASK_LENGTH } from "../redact/redactor.js";
import { registerIdentifier, registerSecret } from "../redact/registry.js";
import { formatRef, parseRef, type Ref, refScheme } from "../refs/ref.js";
import { fillRefTemplate } from "../refs/template.js";
import { matchGlob } from "../schema/glob.js";
import type { AuditSpec, ConfigSpec, SourceKind, VariableSpec } from "../schema/types.js";
import type { ReadScope } from "../security/read-guard.js";
import { gatherCandidates, isRequired } from "./candidates.js";
import { loadDotenvFiles } from "./dotenv-files.js";
import type { PendingRef, RefOutcome } from "./fetch-refs.js";
import { isCommittedFile } from "./git-tracked.js";
import { withPreviousValues } from "./previous.js";
import type { Candidate, Provenance, Resolution, ResolvedEntry } from "./types.js";
import { type Validated, validateValue } from "./validate-value.js";

/** How one resolution runs. Everything the outside world supplies is passed in. */
export interface ResolveOptions {
  /** The environment name; else `STRONGBOX_ENV`, the config's default, `local`. */
  readonly environment?: string | undefined;
  /** Explicit `.env` files (`-f`), relative to `cwd`; replaces the environment's own list. */
  readonly files?: readonly string[] | undefined;
  readonly processEnv?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** The directory of the config file; relative paths in the config resolve against it. */
  readonly baseDir?: string;
  /**
   * Receives one event per secret read. `loadConfig` opens the config's sink
   * by the one rule (`openAuditSink`) when none is given; `resolveConfig`
   * records only into a sink it is handed.
   */
  readonly audit?: AuditSink | undefined;
  /** Deadline for all provider reads together, in milliseconds (10 s by default). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Supplies the store passphrase when `STRONGBOX_PASSPHRASE` is unset; the library never prompts by itself. */
  readonly passphrase?: () => string | Promise<string>;
  /** The clock for audit timestamps; injected so tests are deterministic. */
  readonly now?: () => Date;
  /**
   * Decides whether the process environment holds values a parent
   * `strongbox run` already resolved for `environment` (policy checked there).
   * Only `loadConfig()` passes one, backed by a proof no variable can forge;
   * the CLI never does, so a nested command re-checks everything.
   */
  readonly trustParent?: (marker: string | undefined, environment: string) => boolean;
  /**
   * This process reads several environments (`diff --live`, `ui --live`): an
   * environment with a `credentialPrefix` is read with its own prefixed
   * credentials alone, never the ambient ones (see environments/scope.ts).
   */
  readonly isolateCredentials?: boolean;
  /**
   * Where `file://` references may read (security/read-guard.ts); by default
   * the config's directory and the files the config names. A caller
   * resolving references that come from elsewhere (a template's `{{ ref }}`)
   * passes the project's own scope.
   */
  readonly reads?: ReadScope;
}

/** A step the resolver cannot take by itself: reading references, or awaiting a validator. */
export type Step =
  | {
      readonly kind: "fetch";
      readonly pending: readonly PendingRef[];
      /** Pure Vault mode: remote providers refuse insecure transport. */
      readonly strictTransport: boolean;
      /** The environment being resolved (a store may keep one store per environment). */
      readonly environment: string;
      /** Where providers report what the user should know but that does not stop resolution. */
      readonly warn: (message: string) => void;
    }
  | { readonly kind: "validate"; readonly result: Promise<Validated> };
type StepResult = Map<PendingRef, RefOutcome> | Validated;

interface Picked {
  readonly name: string;
  readonly spec: VariableSpec;
  readonly envName: string;
  readonly secret: boolean;
  readonly required: boolean;
  readonly candidates: readonly Candidate[];
  readonly winner: Candidate | undefined;
  readonly pending?: PendingRef;
  readonly problem?: Issue;
}

/**
 * Resolves every variable of `config` for one environment: plan the candidates,
 * fetch references in batches, apply the environment's policy, validate, and
 * record provenance. A generator so that one body serves both the async
 * resolver and the sync one: it yields the steps that may need waiting.
 */
export function* resolveSteps(
  declared: ConfigSpec,
  options: ResolveOptions,
): Generator<Step, Resolution, StepResult> {
  const processEnv = options.processEnv ?? {};
  const cwd = options.cwd ?? ".";
  const schemaIssues = checkSchema(declared);
  const environment = selectEnvironment(declared, options.environment, processEnv);
  if (typeof declared.variables !== "object" || declared.variables === null)
    return { ok: false, environment, issues: schemaIssues, entries: [] };
  // Rotated secrets bring their previous value along while a rotation overlaps.
  const config = withPreviousValues(declared, environment.name);
  // A variable whose definition is broken is reported, not resolved; the others still are,
  // so one run lists every problem in the config and in the values alike.
  const broken = new Set(
    schemaIssues.flatMap((item) => (item.variable === undefined ? [] : [item.variable])),
  );
  const preResolved =
    options.trustParent?.(processEnv.STRONGBOX_RESOLVED, environment.name) === true;
  const explicit = options.files !== undefined && options.files.length > 0;
  const loaded = preResolved
    ? { files: [], issues: [] }
    : loadDotenvFiles(explicit ? (options.files ?? []) : environment.files, {
        baseDir: options.baseDir ?? cwd,
        cwd,
        explicit,
        processEnv,
      });
  const issues: Issue[] = [...schemaIssues, ...loaded.issues];
  const inputs = { processEnv, files: loaded.files, environment, preResolved };
  const picked = Object.entries(config.variables)
    .filter(([name]) => !broken.has(name))
    .map(([name, spec]) =>
      pick(name, spec, gatherCandidates(name, spec, inputs), environment, config, preResolved),
    );
  registerRead(picked, environment.name);
  const pending = picked.flatMap((p) => (p.pending === undefined ? [] : [p.pending]));
  const warnings: string[] = [];
  const outcomes =
    pending.length === 0
      ? new Map<PendingRef, RefOutcome>()
      : ((yield {
          kind: "fetch",
          pending,
          strictTransport: isPureVault(environment),
          environment: environment.name,
          warn: (message: string) => {
            if (!warnings.includes(message)) warnings.push(message);
          },
        }) as Map<PendingRef, RefOutcome>);
  const entries: ResolvedEntry[] = [];
  const events: AuditEvent[] = [];
  const now = (options.now ?? (() => new Date()))().toISOString();
  for (const original of picked) {
    const fallback = fallBack(original, outcomes, environment);
    const p = fallback?.picked ?? original;
    if (fallback !== undefined) warnings.push(fallback.warning);
    const settled = yield* settle(p, outcomes, environment);
    entries.push(settled.entry);
    if (settled.issue !== undefined) issues.push(settled.issue);
    // A value handed over by `strongbox run` was recorded when the parent read it.
    if (p.secret && p.winner?.source !== "parent")
      events.push(auditEvent(p, settled, environment, now, options.audit));
  }
  for (const entry of entries)
    if (
      entry.secret &&
      entry.raw !== undefined &&
      entry.raw.length > 0 &&
      entry.raw.length < MIN_MASK_LENGTH
    )
      warnings.push(
        `${entry.name} is a secret of ${entry.raw.length} character${entry.raw.length === 1 ? "" : "s"}: too short to mask in output, and too short to be a secret; use a longer value`,
      );
  const unrecorded = recordAccess(options.audit, events, config.audit, environment);
  if (unrecorded?.code === "E_AUDIT") issues.push(unrecorded);
  else if (unrecorded !== undefined) warnings.push(unrecorded.message);
  return { ok: issues.length === 0, environment, issues, entries, warnings };
}

/**
 * Outside pure Vault mode, when Vault cannot be reached for a variable's
 * reference, the next source that holds a literal value (a later file, the
 * schema default) is used instead, with a warning. Pure Vault mode never falls
 * back: there, an unreachable Vault stops the start.
 */
function fallBack(
  p: Picked,
  outcomes: Map<PendingRef, RefOutcome>,
  environment: Environment,
): { picked: Picked; warning: string } | undefined {
  const outcome = p.pending === undefined ? undefined : outcomes.get(p.pending);
  if (
    outcome === undefined ||
    outcome.ok ||
    !isTransientCode(outcome.issue.code) ||
    isPureVault(environment)
  )
    return undefined;
  const index = p.candidates.findIndex(
    (c, i) => i > 0 && c.source !== "ref" && refScheme(c.raw) === undefined,
  );
  const replacement = p.candidates[index];
  if (replacement === undefined || p.winner === undefined) return undefined;
  const failed = {
    ...p.winner,
    note: `${outcome.issue.code}: ${sourceWords(outcome.kind ?? "")} could not be reached; fell back`,
  };
  const candidates = [
    replacement,
    failed,
    ...p.candidates.filter((_c, i) => i !== index && i !== 0),
  ];
  const { pending: _pending, problem: _problem, ...rest } = p;
  return {
    picked: { ...rest, candidates, winner: replacement },
    warning: `${p.name}: ${sourceWords(outcome.kind ?? "")} could not be reached (${outcome.issue.code}); using ${replacement.place} instead, as environment "${environment.name}" allows`,
  };
}

function pick(
  name: string,
  spec: VariableSpec,
  candidates: Candidate[],
  environment: Environment,
  config: ConfigSpec,
  preResolved: boolean,
): Picked {
  const base = {
    name,
    spec,
    envName: spec.env ?? name,
    secret: spec.secret === true,
    required: isRequired(spec, environment.name),
    candidates,
    winner: candidates[0],
  };
  const winner = candidates[0];
  if (winner === undefined || winner.source === "parent" || preResolved) return base;
  const scheme = refScheme(winner.raw);
  const isRef =
    winner.source === "ref" || (scheme !== undefined && knownSchemes().includes(scheme));
  if (!isRef) return base;
  try {
    const text =
      winner.source === "ref"
        ? fillRefTemplate(winner.raw, name, spec, environment.name, config)
        : winner.raw;
    const ref = parseRef(text, name);
    const definition = providerFor(ref.scheme);
    if (definition === undefined)
      throw new StrongboxError("E_REF", `${name}: unknown reference scheme "${ref.scheme}://"`);
    definition.validateRef(ref, name);
    return { ...base, pending: { variable: name, ref } };
  } catch (error) {
    const known = error as StrongboxError;
    return {
      ...base,
      problem: issue("E_REF", `${known.message} (in ${winner.place})`, {
        variable: name,
        hint: known.hint,
      }),
    };
  }
}

interface Settled {
  readonly entry: ResolvedEntry;
  readonly issue?: Issue;
  readonly kind?: SourceKind | "default";
  readonly ref?: Ref;
  readonly version?: number;
  readonly principal?: Principal;
  readonly outcome: AuditEvent["outcome"];
}

function* settle(
  p: Picked,
  outcomes: Map<PendingRef, RefOutcome>,
  environment: Environment,
): Generator<Step, Settled, StepResult> {
  const shadowed = p.candidates.slice(1).map((c) => ({
    source: c.source,
    place: c.place,
    reason: c.note ?? `shadowed by ${p.winner?.place}`,
  }));
  const provenance = (status: Provenance["status"], winner?: Provenance["winner"]): Provenance => ({
    variable: p.name,
    envName: p.envName,
    secret: p.secret,
    required: p.required,
    status,
    ...(winner === undefined ? {} : { winner }),
    shadowed,
  });
  const entry = (
    status: Provenance["status"],
    winner?: Provenance["winner"],
    extra: { raw?: string; value?: unknown } = {},
  ): ResolvedEntry => ({
    name: p.name,
    envName: p.envName,
    secret: p.secret,
    ...(p.spec.pii === true ? { pii: true } : {}),
    ...extra,
    provenance: provenance(status, winner),
  });
  const winner = p.winner;
  if (winner === undefined) {
    if (!p.required) return { entry: entry("unset"), outcome: "missing" };
    return { entry: entry("problem"), issue: missingIssue(p, environment), outcome: "missing" };
  }
  if (p.problem !== undefined)
    return { entry: entry("problem"), issue: p.problem, outcome: "error" };
  let raw = winner.raw;
  let kind: SourceKind | "default" = kindOf(winner);
  let rootCredential = false;
  let version: number | undefined;
  let principal: Principal | undefined;
  const ref = p.pending?.ref;
  if (p.pending !== undefined) {
    const outcome = outcomes.get(p.pending);
    if (outcome === undefined || !outcome.ok) {
      const problem = outcome?.issue ?? issue("E_INTERNAL", `${p.name}: reference was not fetched`);
      if (outcome?.absent === true && !p.required)
        return { entry: entry("unset"), outcome: "missing" };
      return {
        entry: entry("problem"),
        issue: problem,
        outcome: outcome?.absent ? "missing" : "error",
      };
    }
    raw = outcome.fetched.value;
    kind = outcome.kind;
    version = outcome.fetched.version;
    principal = outcome.fetched.principal;
    rootCredential = outcome.fetched.rootCredential === true;
  }
  // The value itself, however it was read (a literal that looks like a URL, a fetched secret).
  if (p.secret || p.spec.pii === true) registerSecret(p.name, raw);
  const winnerInfo: Provenance["winner"] = {
    source: winner.source,
    place: winner.place,
    kind,
    ...(ref === undefined ? {} : { ref: formatRef(ref) }),
    ...(version === undefined ? {} : { version }),
  };
  if (winner.source !== "parent") {
    const inline =
      p.secret &&
      winner.source === "dotenv" &&
      ref === undefined &&
      winner.file !== undefined &&
      isCommittedFile(winner.file);
    const denied = checkPolicy(environment, {
      variable: p.name,
      secret: p.secret,
      source: kind,
      place: winner.place,
      inline,
      rootCredential,
    });
    if (denied !== undefined)
      return {
        entry: entry("problem", winnerInfo),
        issue: denied,
        outcome: "denied",
        kind,
        ...(ref ? { ref } : {}),
        ...(version === undefined ? {} : { version }),
        ...(principal === undefined ? {} : { principal }),
      };
  }
  const pendingValidation = validateValue(p.name, p.spec, raw, winner.place);
  const validated =
    pendingValidation instanceof Promise
      ? ((yield { kind: "validate", result: pendingValidation }) as Validated)
      : pendingValidation;
  if (!validated.ok)
    return {
      entry: entry("problem", winnerInfo),
      issue: validated.issue,
      outcome: "invalid",
      kind,
      ...(ref ? { ref } : {}),
    };
  return {
    entry: entry("ok", winnerInfo, { raw, value: validated.value }),
    outcome: "ok",
    kind,
    ...(ref ? { ref } : {}),
    ...(version === undefined ? {} : { version }),
    ...(principal === undefined ? {} : { principal }),
  };
}

/**
 * Puts every secret and `pii: true` value read (the winner's and the
 * shadowed ones') in the process's redaction registry before anything is
 * validated, so no message about them (a validator's, a policy's) can print
 * one; variable and environment names are Strongbox's own words.
 */
function registerRead(picked: readonly Picked[], environment: string): void {
  registerIdentifier(environment);
  for (const p of picked) {
    registerIdentifier(p.name);
    registerIdentifier(p.envName);
    if (!p.secret && p.spec.pii !== true) continue;
    for (const candidate of p.candidates)
      if (typeof candidate.raw === "string" && !isReference(candidate.raw))
        registerSecret(p.name, candidate.raw);
  }
}

/** A well-formed reference names where a value is, which Strongbox prints (`explain`); a malformed one may be a pasted secret. */
function isReference(text: string): boolean {
  try {
    parseRef(text);
    return true;
  } catch {
    return false;
  }
}

function kindOf(candidate: Candidate): SourceKind | "default" {
  switch (candidate.source) {
    case "dotenv":
      return "dotenv";
    case "default":
      return "default";
    default:
      return "env";
  }
}

function missingIssue(p: Picked, environment: Environment): Issue {
  const pure = pureProvider(environment.secretSources);
  const where =
    pure !== undefined && p.secret
      ? `put it in ${pure.words} and declare a ${pure.scheme}:// ref for it`
      : `set ${p.envName} in the environment${environment.files.length > 0 ? ` or in ${environment.files.join(", ")}` : ""}, or declare a ref or default in the schema`;
  return issue("E_MISSING", `${p.name} is missing in environment "${environment.name}"`, {
    variable: p.name,
    hint: `${where}; run \`strongbox explain ${p.name}\` to see where it looked`,
  });
}

function auditEvent(
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
function recordAccess(
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
