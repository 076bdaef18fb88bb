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
export function defineConfig<const V extends VariableMap>(config: ConfigSpec<V>): ConfigSpec<V> {
  return config;
}
