import type { ConfigSpec } from "../schema/types.js";

/** The named environments of a config (globs left out); the built-in ones when it declares none. */
export function concreteEnvironmentNames(config: ConfigSpec): string[] {
  const declared = Object.keys(config.environments ?? {}).filter((name) => !name.includes("*"));
  return declared.length > 0 ? declared : ["local", "ci", "staging", "production"];
}
