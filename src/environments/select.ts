import { StrongboxError } from "../errors.js";
import { defaultSecretSources } from "../providers/registry.js";
import { lookupByGlob } from "../schema/glob.js";
import type { ConfigSpec, EnvironmentSpec, SourceKind } from "../schema/types.js";
import { didYouMean } from "../util/suggest.js";
import { aliasNames, canonicalEnvironment } from "./aliases.js";
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
  /** `--break-glass` is allowed here (it only has an effect in pure mode). */
  readonly breakGlass: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The environment's name and what named it (for messages): `--env`, a variable, or a default. */
export interface EnvironmentChoice {
  readonly name: string;
  /** `--env`, `STRONGBOX_ENV`, the config's `environmentVariable` (its name), `defaultEnvironment`, or `default`. */
  readonly from: string;
}

/**
 * The environment's name: the explicit name, else `STRONGBOX_ENV`, else the
 * variable the config names in `environmentVariable` (seed 000's `ENV`, set
 * by the deployment), else `defaultEnvironment`, else `local`.
 */
export function chooseEnvironment(
  config: ConfigSpec,
  requested: string | undefined,
  processEnv: Env,
): EnvironmentChoice {
  const choice = namedEnvironment(config, requested, processEnv);
  // However it was named, an alias (`prod`) stands for its environment (`production`).
  return { ...choice, name: canonicalEnvironment(config, choice.name) };
}

function namedEnvironment(
  config: ConfigSpec,
  requested: string | undefined,
  processEnv: Env,
): EnvironmentChoice {
  if (requested !== undefined) return { name: requested, from: "--env" };
  const strongbox = nonEmpty(processEnv.STRONGBOX_ENV);
  if (strongbox !== undefined) return { name: strongbox, from: "STRONGBOX_ENV" };
  const variable = config.environmentVariable;
  const named = variable === undefined ? undefined : nonEmpty(processEnv[variable]);
  if (variable !== undefined && named !== undefined) return { name: named, from: variable };
  if (config.defaultEnvironment !== undefined)
    return { name: config.defaultEnvironment, from: "defaultEnvironment" };
  return { name: DEFAULT_ENVIRONMENT, from: "default" };
}

/** Variables that say which environment a process runs in, by the conventions of frameworks and platforms. */
export const ENVIRONMENT_HINTS: readonly string[] = ["ENV", "APP_ENV", "NODE_ENV", "ENVIRONMENT"];

/**
 * One line when nothing named the environment, so Strongbox took its
 * default, while a conventional variable says the process is in production
 * (a container with `ENV=production` resolving `local`'s sources and
 * defaults): which variable, and how to make the choice explicit. Only a
 * production word is reported, so the line never carries another value.
 */
export function environmentMismatch(
  config: ConfigSpec,
  requested: string | undefined,
  processEnv: Env,
): string | undefined {
  const choice = chooseEnvironment(config, requested, processEnv);
  if (choice.from !== "default" && choice.from !== "defaultEnvironment") return undefined;
  if (isProductionName(choice.name)) return undefined;
  for (const variable of ENVIRONMENT_HINTS) {
    const value = nonEmpty(processEnv[variable])?.trim().toLowerCase();
    if (value === undefined || !isProductionName(value)) continue;
    return `${variable}=${value} says this is production, but Strongbox resolved environment "${choice.name}" (${choice.from === "default" ? "its default" : "the config's defaultEnvironment"}); pass --env, set STRONGBOX_ENV, or name the variable in the config (environmentVariable: ${variable})`;
  }
  return undefined;
}

/**
 * Picks the environment ({@link chooseEnvironment}). Throws `E_UNKNOWN_ENV`
 * listing the declared names when none matches.
 */
export function selectEnvironment(
  config: ConfigSpec,
  requested: string | undefined,
  processEnv: Env,
): Environment {
  const { name, from } = chooseEnvironment(config, requested, processEnv);
  const declared = config.environments ?? BUILTIN_ENVIRONMENTS;
  const match = lookupByGlob(declared, name);
  if (match === undefined) {
    throw new StrongboxError(
      "E_UNKNOWN_ENV",
      `environment "${name}"${from === "--env" || from === "default" ? "" : ` (from ${from})`} is not declared in the config`,
      {
        hint: `${didYouMean(
          name,
          [...Object.keys(declared).filter((key) => !key.includes("*")), ...aliasNames(config)],
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
    breakGlass: spec.breakGlass !== false,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
