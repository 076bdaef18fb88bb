import { StrongboxError } from "../errors.js";
import { defaultSecretSources } from "../providers/registry.js";
import { lookupByGlob } from "../schema/glob.js";
import type { ConfigSpec, EnvironmentSpec, SourceKind } from "../schema/types.js";
import { didYouMean } from "../util/suggest.js";
import { BUILTIN_ENVIRONMENTS, DEFAULT_ENVIRONMENT, isProductionName } from "./defaults.js";

/** A selected environment with every policy field settled. */
export interface Environment {
  /** The concrete name, such as `pr-47`. */
  readonly name: string;
  /** The declared name or glob it matched, such as `pr-*`. */
  readonly declaredAs: string;
  readonly files: readonly string[];
  readonly secretSources: readonly SourceKind[];
  readonly allowInlineSecrets: boolean;
  readonly allowSecretDefaults: boolean;
}

/**
 * Picks the environment: the explicit name, else `STRONGBOX_ENV`, else the
 * config's `defaultEnvironment`, else `local`. Throws `E_UNKNOWN_ENV` listing
 * the declared names when none matches.
 */
export function selectEnvironment(
  config: ConfigSpec,
  requested: string | undefined,
  processEnv: Readonly<Record<string, string | undefined>>,
): Environment {
  const name =
    requested ??
    nonEmpty(processEnv.STRONGBOX_ENV) ??
    config.defaultEnvironment ??
    DEFAULT_ENVIRONMENT;
  const declared = config.environments ?? BUILTIN_ENVIRONMENTS;
  const match = lookupByGlob(declared, name);
  if (match === undefined) {
    throw new StrongboxError(
      "E_UNKNOWN_ENV",
      `environment "${name}" is not declared in the config`,
      {
        hint: `${didYouMean(
          name,
          Object.keys(declared).filter((key) => !key.includes("*")),
          (n) => `"${n}"`,
        )}declared environments: ${Object.keys(declared).join(", ")}; pick one with --env or STRONGBOX_ENV`,
      },
    );
  }
  return settle(name, match.key, match.value, lookupByGlob(BUILTIN_ENVIRONMENTS, name)?.value);
}

function settle(
  name: string,
  declaredAs: string,
  spec: EnvironmentSpec,
  base: EnvironmentSpec | undefined,
): Environment {
  const production = isProductionName(name) || isProductionName(declaredAs);
  return {
    name,
    declaredAs,
    files: spec.files ?? base?.files ?? [],
    secretSources: spec.secrets?.from ?? base?.secrets?.from ?? defaultSecretSources("*"),
    allowInlineSecrets: spec.allowInlineSecrets ?? false,
    allowSecretDefaults:
      !production && (spec.allowSecretDefaults ?? base?.allowSecretDefaults ?? false),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
