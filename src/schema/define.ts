import type { ConfigSpec, VariableMap } from "./types.js";

/**
 * Declares a project's configuration. Returns its argument unchanged; its only
 * job is to keep every literal (enum values, `required: false`) so that
 * `loadConfig(config)` can infer the exact type of each variable.
 *
 * @example
 * export default defineConfig({
 *   variables: {
 *     PORT: { type: "port", default: 3000 },
 *     DATABASE_URL: { type: "url", secret: true },
 *   },
 * });
 */
export function defineConfig<const V extends VariableMap>(
  config: ConfigSpec<V> & {
    readonly variables: { readonly [K in keyof V]: CheckedVariable<V[K]> };
  },
): ConfigSpec<V> {
  return config;
}

/** Rejects, at compile time, an enum default that is not one of its values. */
type CheckedVariable<T> = T extends {
  readonly type: "enum";
  readonly values: readonly (infer E)[];
  readonly default: infer D;
}
  ? D extends E
    ? T
    : Omit<T, "default"> & { readonly default: E }
  : T;
