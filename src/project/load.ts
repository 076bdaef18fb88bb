import { openAuditSink } from "../audit/open-sink.js";
import { ResolutionError } from "../errors.js";
import { isAttested } from "../exec/attestation.js";
import { resolveConfig, resolveConfigSync } from "../resolve/drive.js";
import type { ResolveOptions } from "../resolve/resolve.js";
import type { Resolution } from "../resolve/types.js";
import type { ConfigSpec, ResolvedConfig, VariableMap } from "../schema/types.js";

/** Node's `util.inspect.custom`, by its registered name, so loading the library skips node:util. */
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Options of {@link loadConfig}; every field defaults from the running process. */
export type LoadOptions = Omit<ResolveOptions, "trustParent">;

/**
 * Resolves `config` for the current environment and returns a frozen object whose
 * type is inferred from the schema. Throws a {@link ResolutionError} listing every
 * problem at once (missing, invalid, forbidden source, bad reference).
 * Printing the object (`console.log`, `JSON.stringify`) masks its secrets.
 *
 * @example
 * const config = await loadConfig(schema); // config.PORT: number
 */
export async function loadConfig<V extends VariableMap>(
  config: ConfigSpec<V>,
  options: LoadOptions = {},
): Promise<ResolvedConfig<V>> {
  const filled = withDefaults(config, options);
  return toConfigObject<V>(await resolveConfig(config, filled));
}

/**
 * The synchronous {@link loadConfig}: for values from the environment, `.env`
 * files, defaults, `env://` and `file://` references, or an app started by
 * `strongbox run` (which hands over values already resolved). Other references
 * are reported as problems that name `loadConfig()`.
 */
export function loadConfigSync<V extends VariableMap>(
  config: ConfigSpec<V>,
  options: LoadOptions = {},
): ResolvedConfig<V> {
  return toConfigObject<V>(resolveConfigSync(config, withDefaults(config, options)));
}

function withDefaults(config: ConfigSpec, options: LoadOptions): ResolveOptions {
  const cwd = options.cwd ?? process.cwd();
  const baseDir = options.baseDir ?? cwd;
  const processEnv = options.processEnv ?? process.env;
  const audit = options.audit ?? openAuditSink({ config, baseDir, env: processEnv, cwd });
  return {
    ...options,
    cwd,
    baseDir,
    processEnv,
    trustParent: isAttested,
    ...(audit === undefined ? {} : { audit }),
  };
}

/** Builds the frozen, typed object from a resolution, or throws its problems. */
export function toConfigObject<V extends VariableMap>(resolution: Resolution): ResolvedConfig<V> {
  if (!resolution.ok) throw new ResolutionError(resolution.environment.name, resolution.issues);
  const values: Record<string, unknown> = {};
  const masked: Record<string, unknown> = {};
  for (const entry of resolution.entries) {
    if (!("value" in entry)) continue;
    // defineProperty, not assignment: a variable named __proto__ must be a value, not a prototype.
    own(values, entry.name, deepFreeze(entry.value));
    own(masked, entry.name, entry.secret || entry.pii === true ? "[redacted]" : entry.value);
  }
  Object.defineProperty(values, "toJSON", { value: () => masked, enumerable: false });
  Object.defineProperty(values, INSPECT, { value: () => masked, enumerable: false });
  return Object.freeze(values) as ResolvedConfig<V>;
}

function own(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: false });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
