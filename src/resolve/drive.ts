import { setMaxListeners } from "node:events";
import { issue } from "../errors.js";
import type { ReadContext } from "../providers/provider.js";
import { providerFor } from "../providers/registry.js";
import type { ConfigSpec } from "../schema/types.js";
import { fetchRefs, type PendingRef, type RefOutcome, toOutcome } from "./fetch-refs.js";
import { projectReadScope } from "./read-scope.js";
import { type ResolveOptions, resolveSteps, type Step } from "./resolve.js";
import type { Resolution } from "./types.js";

/**
 * Resolves `config` for one environment. Never throws for a user's mistake in
 * values: every problem is in `issues`. Throws only when the config itself
 * cannot be used at all (an unknown environment).
 */
export async function resolveConfig(
  config: ConfigSpec,
  options: ResolveOptions = {},
): Promise<Resolution> {
  const steps = resolveSteps(config, options);
  let step = steps.next();
  while (!step.done) {
    const current = step.value;
    step = steps.next(
      current.kind === "fetch"
        ? await fetchRefs(current.pending, {
            ...context(config, options, deadline(options), current),
            strictTransport: current.strictTransport,
            environment: current.environment,
            warn: current.warn,
          })
        : await current.result,
    );
  }
  return step.value;
}

/** One deadline for all provider reads of a resolution, joined with the caller's signal. */
function deadline(options: ResolveOptions): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  // Every request of the resolution listens to this one signal; dozens in parallel are normal.
  setMaxListeners(1000, signal);
  return signal;
}

/**
 * The synchronous resolver, for code that must have its config before anything
 * async can run. It reads the process environment, `.env` files, defaults,
 * `env://` and `file://` references; a reference to a remote or encrypted source,
 * or an async validator, is reported as a problem that names `loadConfig()`.
 */
export function resolveConfigSync(config: ConfigSpec, options: ResolveOptions = {}): Resolution {
  const steps = resolveSteps(config, options);
  let step = steps.next();
  while (!step.done) {
    const current = step.value;
    if (current.kind === "fetch") {
      step = steps.next(
        fetchRefsSync(current.pending, {
          ...context(config, options, undefined, current),
          strictTransport: current.strictTransport,
          environment: current.environment,
          warn: current.warn,
        }),
      );
    } else {
      current.result.catch(() => undefined);
      step = steps.next({
        ok: false,
        issue: issue("E_INVALID", "a validator is asynchronous", {
          hint: "use `await loadConfig()` instead of loadConfigSync()",
        }),
      });
    }
  }
  return step.value;
}

/**
 * What the providers of the step's environment read with: the scope the
 * resolver worked out for the environment it selected (own settings, own
 * credentials).
 */
function context(
  config: ConfigSpec,
  options: ResolveOptions,
  signal: AbortSignal | undefined,
  step: Extract<Step, { kind: "fetch" }>,
): ReadContext {
  const { environment, scope } = step;
  const baseDir = options.baseDir ?? options.cwd ?? ".";
  return {
    baseDir,
    processEnv: scope.processEnv,
    // Judged with the whole environment: another environment's prefixed *_FILE names a credential too.
    reads:
      options.reads ?? projectReadScope(config, environment, options.processEnv ?? {}, baseDir),
    config: scope.section,
    ...(scope.credentials === undefined ? {} : { credentials: scope.credentials }),
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
    ...(signal === undefined ? {} : { signal }),
  };
}

function fetchRefsSync(
  pending: readonly PendingRef[],
  ctx: ReadContext,
): Map<PendingRef, RefOutcome> {
  const outcomes = new Map<PendingRef, RefOutcome>();
  for (const item of pending) {
    const definition = providerFor(item.ref.scheme);
    if (definition?.readSync === undefined) {
      outcomes.set(item, {
        ok: false,
        kind: definition?.kind,
        absent: false,
        issue: issue(
          "E_PROVIDER_UNAVAILABLE",
          `${item.variable}: ${item.ref.scheme}:// references cannot be resolved synchronously`,
          {
            variable: item.variable,
            hint: "use `await loadConfig()`, or start the app with `strongbox run` so values arrive resolved",
          },
        ),
      });
      continue;
    }
    const result = definition.readSync([item.ref], ctx).get(item.ref);
    outcomes.set(item, toOutcome(item, result, definition.kind));
  }
  return outcomes;
}
