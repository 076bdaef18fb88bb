import type { AuditEvent, AuditSink } from "../audit/event.js";
import { checkSchema } from "../config/check-schema.js";
import { isPureVault } from "../environments/policy.js";
import { type EnvironmentScope, scopeOf } from "../environments/scope.js";
import {
  type Environment,
  environmentMismatch,
  selectEnvironment,
} from "../environments/select.js";
import type { Issue } from "../errors.js";
import { MIN_MASK_LENGTH } from "../redact/redactor.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import type { ReadScope } from "../security/read-guard.js";
import {
  type BreakGlassReport,
  type BreakGlassRequest,
  breakGlassFor,
  breakGlassWarning,
  outsidePure,
  recordBreakGlass,
  referenceFirst,
} from "./break-glass.js";
import { gatherCandidates } from "./candidates.js";
import { agentTrust, loadDotenvFiles } from "./dotenv-files.js";
import type { PendingRef, RefOutcome } from "./fetch-refs.js";
import { fallBack, type Picked, pick, registerRead } from "./pick.js";
import { withPreviousValues } from "./previous.js";
import { auditEvent, recordAccess } from "./record.js";
import { settle } from "./settle.js";
import type { Resolution, ResolvedEntry } from "./types.js";
import { undeclaredKeys, undeclaredWarnings, withUndeclared } from "./undeclared.js";
import type { Validated } from "./validate-value.js";

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
  /**
   * `--break-glass REASON`: in a pure-mode environment, secrets may come from
   * the environment's other sources for this one resolution (Vault still
   * first where it answers), recorded in the audit sink before anything is
   * released. Refused where the config forbids it or nothing can record it.
   */
  readonly breakGlass?: BreakGlassRequest | undefined;
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
      /**
       * The selected environment's scope (its provider sections and credentials), worked
       * out once per resolution from the environment the resolver selected.
       */
      readonly scope: EnvironmentScope;
      /** Where providers report what the user should know but that does not stop resolution. */
      readonly warn: (message: string) => void;
    }
  | { readonly kind: "validate"; readonly result: Promise<Validated> };
/** What the driver hands back for a step: the references' outcomes, or the validator's verdict. */
export type StepResult = Map<PendingRef, RefOutcome> | Validated;

/** A resolution's plan: the selected environment, the config with its companions, what was picked. */
interface Plan {
  readonly environment: Environment;
  readonly config: ConfigSpec;
  readonly picked: readonly Picked[];
  readonly issues: Issue[];
  /** `.env` keys the schema does not declare, one line each (unless passed through). */
  readonly warnings: readonly string[];
  /** The break-glass in force, when one was asked for in a pure-mode environment. */
  readonly glass: BreakGlassRequest | undefined;
}

/**
 * Resolves every variable of `config` for one environment: plan the candidates,
 * fetch references in batches, apply the environment's policy, validate, and
 * record provenance. A generator so that one body serves both the async
 * resolver and the sync one: it yields the steps that may need waiting. The
 * environment is selected once and carried through, its scope with it.
 */
export function* resolveSteps(
  declared: ConfigSpec,
  options: ResolveOptions,
): Generator<Step, Resolution, StepResult> {
  const plan = planResolution(declared, options);
  if (!("picked" in plan)) return plan;
  const { environment, config, picked, issues, glass } = plan;
  const pending = picked.flatMap((p) => (p.pending === undefined ? [] : [p.pending]));
  const warnings: string[] = [];
  const mismatch = environmentMismatch(declared, options.environment, options.processEnv ?? {});
  if (mismatch !== undefined) warnings.push(mismatch);
  const outcomes =
    pending.length === 0
      ? new Map<PendingRef, RefOutcome>()
      : ((yield {
          kind: "fetch",
          pending,
          strictTransport: isPureVault(environment),
          environment: environment.name,
          // The declaration the environment was selected by (`pr-*` for pr-47), not a second lookup.
          scope: scopeOf(
            config,
            config.environments?.[environment.declaredAs],
            options.processEnv ?? {},
            {
              isolated: options.isolateCredentials === true,
            },
          ),
          warn: collectInto(warnings),
        }) as Map<PendingRef, RefOutcome>);
  const entries: ResolvedEntry[] = [];
  const events: AuditEvent[] = [];
  const now = (options.now ?? (() => new Date()))().toISOString();
  for (const original of picked) {
    const fallback = fallBack(original, outcomes, environment, glass !== undefined);
    const p = fallback?.picked ?? original;
    if (fallback !== undefined) warnings.push(fallback.warning);
    const settled = yield* settle(p, outcomes, environment, glass !== undefined);
    entries.push(settled.entry);
    if (settled.issue !== undefined) issues.push(settled.issue);
    // A value handed over by `strongbox run` was recorded when the parent read it.
    if (p.secret && p.winner?.source !== "parent")
      events.push(auditEvent(p, settled, environment, now, options.audit));
  }
  warnings.push(...shortSecretWarnings(entries), ...plan.warnings);
  const broken = glass === undefined ? undefined : brokenGlass(glass, entries, environment);
  if (broken !== undefined) {
    const unrecordedGlass = recordBreakGlass(options.audit, environment, broken, now);
    if (unrecordedGlass !== undefined) issues.push(unrecordedGlass);
    warnings.unshift(breakGlassWarning(environment, broken));
  }
  const unrecorded = recordAccess(options.audit, events, config.audit, environment);
  if (unrecorded?.code === "E_AUDIT") issues.push(unrecorded);
  else if (unrecorded !== undefined) warnings.push(unrecorded.message);
  return {
    ok: issues.length === 0,
    environment,
    issues,
    entries,
    warnings,
    ...(broken === undefined ? {} : { breakGlass: broken }),
  };
}

/** What a broken glass let through: the reason and the secrets from outside the pure source. */
function brokenGlass(
  glass: BreakGlassRequest,
  entries: readonly ResolvedEntry[],
  environment: Environment,
): BreakGlassReport {
  return { reason: glass.reason, variables: outsidePure(entries, environment) };
}

/**
 * Selects the environment, checks the schema, reads the `.env` files and
 * picks each variable's candidates; a config without variables ends here.
 */
function planResolution(declared: ConfigSpec, options: ResolveOptions): Plan | Resolution {
  const processEnv = options.processEnv ?? {};
  const cwd = options.cwd ?? ".";
  const schemaIssues = checkSchema(declared);
  const environment = selectEnvironment(declared, options.environment, processEnv);
  const notes: string[] = [];
  const glass = breakGlassFor(options.breakGlass, environment, options.audit, (line) =>
    notes.push(line),
  );
  if (typeof declared.variables !== "object" || declared.variables === null)
    return { ok: false, environment, issues: schemaIssues, entries: [] };
  // Rotated secrets bring their previous value along while a rotation overlaps.
  const withPrevious = withPreviousValues(declared, environment.name);
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
        trust: agentTrust(declared.vault),
      });
  const undeclared = undeclaredKeys(withPrevious, loaded.files);
  const pass = declared.passUndeclared === true;
  const through = pass ? withUndeclared(withPrevious, undeclared, loaded.files) : undefined;
  const config = through?.config ?? withPrevious;
  const inputs = { processEnv, files: loaded.files, environment, preResolved };
  const ranked = (name: string, spec: VariableSpec) => {
    const found = through?.candidates.get(name) ?? gatherCandidates(name, spec, inputs);
    return glass === undefined ? found : referenceFirst(found);
  };
  const picked = Object.entries(config.variables)
    .filter(([name]) => !broken.has(name))
    .map(([name, spec]) => pick(name, spec, ranked(name, spec), environment, config, preResolved));
  registerRead(picked, environment.name);
  return {
    environment,
    config,
    picked,
    issues: [...schemaIssues, ...loaded.issues],
    warnings: [...notes, ...(through?.warnings ?? undeclaredWarnings(withPrevious, undeclared))],
    glass,
  };
}

/** A provider's `warn`: each distinct message once, in the resolution's warnings. */
function collectInto(warnings: string[]): (message: string) => void {
  return (message) => {
    if (!warnings.includes(message)) warnings.push(message);
  };
}

/** A warning for each secret too short to mask in output (and too short to be a secret). */
function shortSecretWarnings(entries: readonly ResolvedEntry[]): string[] {
  return entries
    .filter(
      (entry) =>
        entry.secret &&
        entry.raw !== undefined &&
        entry.raw.length > 0 &&
        entry.raw.length < MIN_MASK_LENGTH,
    )
    .map(
      (entry) =>
        `${entry.name} is a secret of ${entry.raw?.length} character${entry.raw?.length === 1 ? "" : "s"}: too short to mask in output, and too short to be a secret; use a longer value`,
    );
}
