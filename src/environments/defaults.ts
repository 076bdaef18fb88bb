import { defaultSecretSources } from "../providers/registry.js";
import type { EnvironmentSpec } from "../schema/types.js";

/**
 * The environments every project gets when its config declares none, and the
 * base each declared environment of the same name starts from. Which sources
 * each allows comes from the providers themselves (`defaultIn`); production
 * is pure Vault mode: its secrets may come from Vault alone.
 */
export const BUILTIN_ENVIRONMENTS: Readonly<Record<string, EnvironmentSpec>> = {
  local: {
    description: "a developer's machine",
    files: [".env"],
    secrets: { from: defaultSecretSources("local") },
    allowSecretDefaults: true,
  },
  ci: {
    description: "continuous integration",
    secrets: { from: defaultSecretSources("ci") },
  },
  "pr-*": {
    description: "an ephemeral preview environment per pull request",
    secrets: { from: defaultSecretSources("pr-*") },
  },
  staging: {
    description: "pre-production",
    secrets: { from: defaultSecretSources("staging") },
  },
  production: {
    description: "the live system: pure Vault mode",
    secrets: { from: defaultSecretSources("production") },
  },
};

/** The environment used when none is named. */
export const DEFAULT_ENVIRONMENT = "local";

/** Environments where secrets may never fall back to defaults, whatever the config says. */
export function isProductionName(name: string): boolean {
  return name === "production" || name === "prod";
}
