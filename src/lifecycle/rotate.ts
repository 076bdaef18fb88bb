import type { AuditEvent, AuditSink } from "../audit/event.js";
import { environmentScope } from "../environments/scope.js";
import { StrongboxError } from "../errors.js";
import {
  canDescribe,
  canHistory,
  canRetire,
  canWrite,
  type ReadContext,
  type VersionInfo,
} from "../providers/provider.js";
import { providerFor } from "../providers/registry.js";
import { formatRef, type Ref } from "../refs/ref.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { generateSecret, parseGenerator } from "./generators.js";
import { refIn } from "./ref-in.js";
import { refuseShared, retirePlan } from "./retire-plan.js";
import { type LifecycleStatus, lifecycleStatus, type Rotation, rotationIn } from "./status.js";

export { refIn };

/** Where lifecycle operations run: the project, one environment, and the clock. */
export interface LifecycleContext {
  readonly config: ConfigSpec;
  /** The config's directory (relative refs and the store resolve against it). */
  readonly baseDir: string;
  readonly environment: string;
  /** The environment Strongbox was given: credentials for the sources. */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  /** The time now; injected so tests control due dates and soaks. */
  readonly now?: () => Date;
  readonly passphrase?: () => string | Promise<string>;
  readonly signal?: AbortSignal;
  /** Where rotations and retirements are recorded (names, refs and versions; never a value). */
  readonly audit?: AuditSink;
  /** One process reads several environments: see `ResolveOptions.isolateCredentials`. */
  readonly isolateCredentials?: boolean;
}

/** A secret's place in one environment: its variable, where it lives, and its lifecycle there. */
export interface SecretState {
  readonly name: string;
  readonly spec: VariableSpec;
  /** The ref the value lives at in this environment, or undefined without one. */
  readonly ref?: string;
  readonly rotation?: Rotation;
  readonly status: LifecycleStatus;
  /** Why the state is partial (no ref, a source without metadata, an unreachable source). */
  readonly note?: string;
}

/** The outcome of one rotation. Versions and times, never a value. */
export interface Rotated {
  readonly name: string;
  readonly ref: string;
  readonly version: number | string | undefined;
  /** The version that stays readable during the overlap. */
  readonly previous: number | string | undefined;
  readonly overlapUntil: Date;
  readonly finishAfter: Date;
}

const now = (ctx: LifecycleContext) => ctx.now?.() ?? new Date();

/** Records one lifecycle action; a log that cannot be written stops the action (as for reads). */
function record(
  ctx: LifecycleContext,
  event: Pick<AuditEvent, "action" | "variable" | "ref" | "outcome"> & {
    readonly version?: number;
  },
): void {
  ctx.audit?.write([
    {
      time: now(ctx).toISOString(),
      environment: ctx.environment,
      source: "lifecycle",
      pid: process.pid,
      ...event,
    },
  ]);
}

/** The environment's scope: its own store, Vault settings and credentials, as resolution reads them. */
function readContext(ctx: LifecycleContext): ReadContext {
  const scope = environmentScope(ctx.config, ctx.environment, ctx.processEnv, {
    isolated: ctx.isolateCredentials === true,
  });
  return {
    baseDir: ctx.baseDir,
    processEnv: scope.processEnv,
    config: scope.section,
    environment: ctx.environment,
    ...(scope.credentials === undefined ? {} : { credentials: scope.credentials }),
    ...(ctx.passphrase === undefined ? {} : { passphrase: ctx.passphrase }),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  };
}

/** The variable `name`, or `E_USAGE` naming the schema's secrets. */
function variable(name: string, ctx: LifecycleContext): VariableSpec {
  const spec = Object.hasOwn(ctx.config.variables, name) ? ctx.config.variables[name] : undefined;
  if (spec === undefined)
    throw new StrongboxError("E_USAGE", `${name} is not in the schema`, {
      hint: `secrets: ${Object.entries(ctx.config.variables)
        .filter(([, s]) => s.secret === true)
        .map(([n]) => n)
        .join(", ")}`,
    });
  return spec;
}

async function source(ref: Ref) {
  const definition = providerFor(ref.scheme);
  if (definition === undefined)
    throw new StrongboxError("E_REF", `unknown reference scheme "${ref.scheme}://"`);
  definition.validateRef(ref, formatRef(ref));
  return { definition, provider: await definition.create() };
}

/**
 * Every secret's lifecycle in the context's environment: when its value was
 * last written (from the source's metadata), when the next rotation is due,
 * whether it is overdue, and its expiry. One metadata read per secret with a
 * rotation or an expiry; a source that cannot say is noted, never fatal.
 */
export async function lifecycleStates(ctx: LifecycleContext): Promise<SecretState[]> {
  const at = now(ctx);
  const secrets = Object.entries(ctx.config.variables).filter(([, spec]) => spec.secret === true);
  return Promise.all(
    secrets.map(async ([name, spec]): Promise<SecretState> => {
      const rotation = rotationIn(spec, ctx.environment);
      const base = { name, spec, ...(rotation === undefined ? {} : { rotation }) };
      let ref: Ref | undefined;
      try {
        ref = refIn(name, spec, ctx);
      } catch (error) {
        return {
          ...base,
          status: lifecycleStatus(spec, ctx.environment, undefined, at),
          note: (error as Error).message,
        };
      }
      if (ref === undefined)
        return {
          ...base,
          status: lifecycleStatus(spec, ctx.environment, undefined, at),
          ...(rotation === undefined
            ? {}
            : { note: "no ref in this environment: its last rotation is unknown" }),
        };
      const text = formatRef(ref);
      if (rotation === undefined)
        return {
          ...base,
          ref: text,
          status: lifecycleStatus(spec, ctx.environment, undefined, at),
        };
      try {
        const { provider } = await source(ref);
        if (!canDescribe(provider))
          return {
            ...base,
            ref: text,
            status: lifecycleStatus(spec, ctx.environment, undefined, at),
            note: `${ref.scheme}:// records no time of writing`,
          };
        const metadata = await provider.metadata(ref, readContext(ctx));
        const written = metadata?.updatedAt ?? metadata?.createdAt;
        return {
          ...base,
          ref: text,
          status: lifecycleStatus(
            spec,
            ctx.environment,
            written === undefined ? undefined : new Date(written),
            at,
            metadata === undefined,
          ),
          ...(metadata === undefined ? { note: "not stored yet" } : {}),
        };
      } catch (error) {
        return {
          ...base,
          ref: text,
          status: lifecycleStatus(spec, ctx.environment, undefined, at),
          note: (error as Error).message,
        };
      }
    }),
  );
}

/**
 * Rotates `name` in the context's environment: a new value (from `value`, or
 * the rotation's generator) is written as a new version where the variable
 * lives; the previous version stays readable (`NAME?version=previous`) for the
 * overlap and is retired by {@link finishRotation} after the soak. The source
 * must keep versions and be able to retire one (the store, Vault KV v2, AWS
 * Secrets Manager, Azure Key Vault); anything else is `E_ROTATION`.
 */
export async function rotateSecret(
  name: string,
  ctx: LifecycleContext,
  options: { readonly value?: string; readonly overlap?: boolean } = {},
): Promise<Rotated> {
  const spec = variable(name, ctx);
  if (spec.secret !== true)
    throw new StrongboxError("E_ROTATION", `${name} is not a secret; only secrets are rotated`);
  const ref = refIn(name, spec, ctx);
  if (ref === undefined)
    throw new StrongboxError(
      "E_ROTATION",
      `${name} has no ref in environment "${ctx.environment}", so there is no source to write its new value to`,
      {
        hint: "declare where it lives: NAME=store://NAME in the environment's .env file (import --rewrite writes it), or ref: { production: vault://…, '*': store://… } in the schema",
      },
    );
  const { provider } = await source(ref);
  if (!canWrite(provider) || !canHistory(provider) || !canRetire(provider))
    throw new StrongboxError(
      "E_ROTATION",
      `${name}: ${ref.scheme}:// cannot keep the previous value beside the new one and retire it later`,
      {
        hint: "rotate secrets kept in the store, Vault KV v2, AWS Secrets Manager or Azure Key Vault",
      },
    );
  const rotation = rotationIn(spec, ctx.environment);
  let value = options.value;
  if (value === undefined) {
    if (rotation?.generator === undefined)
      throw new StrongboxError(
        "E_ROTATION",
        `${name} has no generator for environment "${ctx.environment}"`,
        {
          hint: "add rotation.generator (such as bytes:32) to the schema, or give the new value on stdin",
        },
      );
    value = (
      await generateSecret(parseGenerator(rotation.generator, `${name}: rotation.generator`), {
        env: ctx.processEnv,
      })
    ).value;
  }
  const read = readContext(ctx);
  const target = { ...ref, params: {} } as Ref;
  const before = current(await provider.history(target, read));
  // Recorded before the write, as the store does: a rotation that cannot be audited does not happen.
  record(ctx, { action: "rotate", variable: name, ref: formatRef(target), outcome: "ok" });
  const written = await provider.write(target, value, read);
  const after = current(await provider.history(target, read));
  const at = now(ctx);
  return {
    name,
    ref: formatRef(target),
    version: written.version ?? after?.version,
    previous: before?.version,
    overlapUntil: new Date(at.getTime() + (rotation?.overlapMs ?? 0)),
    finishAfter: new Date(at.getTime() + Math.max(rotation?.soakMs ?? 0, rotation?.overlapMs ?? 0)),
  };
}

function current(history: readonly VersionInfo[]): VersionInfo | undefined {
  return history.find((version) => version.current) ?? history.at(-1);
}

/**
 * Retires the live versions of `name` older than its current value (on a path
 * other keys share, only those holding an old value of `name`; see
 * `retirePlan`), once the
 * current version has soaked for the rotation's `soak` (or at once with
 * `force`, as a compromise needs). Returns the versions retired; none when
 * there is nothing left to retire.
 */
export async function finishRotation(
  name: string,
  ctx: LifecycleContext,
  options: {
    readonly force?: boolean;
    /**
     * Asked just before retiring (the soak has passed): a reason to hold the
     * previous version (failing smoke checks), or undefined to go ahead.
     * Skipped with `force`.
     */
    readonly verify?: () => Promise<string | undefined>;
  } = {},
): Promise<{
  readonly ref: string;
  readonly retired: readonly (number | string)[];
  /** Other keys of the path whose previous value went too (only with `force`). */
  readonly shared: ReadonlyArray<{ readonly key: string; readonly version: number }>;
}> {
  const spec = variable(name, ctx);
  const ref = refIn(name, spec, ctx);
  if (ref === undefined)
    throw new StrongboxError(
      "E_ROTATION",
      `${name} has no ref in environment "${ctx.environment}"`,
    );
  const { provider } = await source(ref);
  if (!canHistory(provider) || !canRetire(provider))
    throw new StrongboxError("E_ROTATION", `${name}: ${ref.scheme}:// cannot retire a version`);
  const target = { ...ref, params: {} } as Ref;
  const read = readContext(ctx);
  const plan = await retirePlan(provider, target, read);
  if (plan === undefined || plan.retire.length === 0)
    return { ref: formatRef(target), retired: [], shared: [] };
  // The previous value stays for the overlap (readers still use it) and the new one soaks
  // (it must prove itself); the old version goes only when both have passed.
  const policy = rotationIn(spec, ctx.environment);
  const soak = Math.max(policy?.soakMs ?? 0, policy?.overlapMs ?? 0);
  const since = plan.since === undefined ? undefined : Date.parse(plan.since);
  const ready = since === undefined ? now(ctx) : new Date(since + soak);
  if (options.force !== true && ready.getTime() > now(ctx).getTime())
    throw new StrongboxError(
      "E_ROTATION",
      `${name}: the new version is soaking until ${ready.toISOString()}; the previous one stays until then`,
      { hint: "wait, or pass --force (a compromise retires at once)" },
    );
  if (options.force !== true) refuseShared(name, formatRef(target), plan);
  if (options.force !== true && options.verify !== undefined) {
    const hold = await options.verify();
    if (hold !== undefined)
      throw new StrongboxError("E_ROTATION", `${name}: the previous version stays: ${hold}`, {
        hint: "fix the failing checks (strongbox smoke), then finish again",
      });
  }
  record(ctx, { action: "retire", variable: name, ref: formatRef(target), outcome: "ok" });
  await provider.retire(target, plan.retire, read);
  return { ref: formatRef(target), retired: plan.retire, shared: plan.shared };
}

/**
 * What `rotate --due` does in one environment: rotates every secret that is
 * overdue and has a generator, then finishes every rotation whose soak has
 * passed. Each secret's outcome is reported; one failure does not stop the
 * others.
 */
export async function rotateDue(
  ctx: LifecycleContext,
  options: {
    readonly verify?: () => Promise<string | undefined>;
    /** Told how far it has come: `done` of `total` secrets with a rotation policy. */
    readonly onProgress?: (operation: string, done: number, total: number) => void;
  } = {},
): Promise<
  Array<{
    readonly name: string;
    readonly action: "rotated" | "finished" | "failed";
    readonly detail: string;
  }>
> {
  const results: Array<{
    name: string;
    action: "rotated" | "finished" | "failed";
    detail: string;
  }> = [];
  const states = (await lifecycleStates(ctx)).filter(
    (state) => state.rotation !== undefined && state.ref !== undefined,
  );
  for (const [index, state] of states.entries()) {
    options.onProgress?.("rotating what is due", index, states.length);
    try {
      // A secret never stored is not due, but `rotate --due` still gives it its first value.
      if (state.status.overdue || state.status.neverSet === true) {
        const rotated = await rotateSecret(state.name, ctx);
        results.push({
          name: state.name,
          action: "rotated",
          detail: `version ${rotated.version ?? "?"}, previous ${rotated.previous ?? "none"} readable until ${rotated.overlapUntil.toISOString()}`,
        });
        continue;
      }
      const finished = await finishRotation(state.name, ctx, options).catch(
        (error: StrongboxError) => {
          if (error.code === "E_ROTATION" && /soaking/.test(error.message)) return undefined;
          throw error;
        },
      );
      if (finished !== undefined && finished.retired.length > 0)
        results.push({
          name: state.name,
          action: "finished",
          detail: `retired ${finished.retired.join(", ")}`,
        });
    } catch (error) {
      results.push({ name: state.name, action: "failed", detail: (error as Error).message });
    }
  }
  if (states.length > 0) options.onProgress?.("rotating what is due", states.length, states.length);
  return results;
}
