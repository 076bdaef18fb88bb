import { type Issue, issue } from "../errors.js";
import { lookupByGlob } from "../schema/glob.js";
import type { ConfigSpec } from "../schema/types.js";
import { BUILTIN_ENVIRONMENTS } from "./defaults.js";

/**
 * The short names people type for the usual environments, as other tools
 * take them. Each applies only when its target is declared (the built-in
 * environments when the config declares none); `dev` is `development` where
 * that is declared, else `local`. The config's `environmentAliases` adds to
 * these and overrides them.
 */
export const DEFAULT_ENVIRONMENT_ALIASES: Readonly<Record<string, readonly string[]>> = {
  prod: ["production"],
  prd: ["production"],
  stg: ["staging"],
  stage: ["staging"],
  dev: ["development", "local"],
};

type Aliased = Pick<ConfigSpec, "environments" | "environmentAliases">;

/**
 * The environment a name given by a user stands for: the name itself when the
 * config declares it (a declared name, or one its globs match, is never read
 * as an alias), else the target of its alias, else the name unchanged (and the
 * caller's lookup reports it, with a did-you-mean). The one place an alias is
 * resolved: every way of naming an environment (`--env`, `STRONGBOX_ENV`, the
 * config's `environmentVariable`) and every use of the name (selection, its
 * scope, its store) go through it.
 */
export function canonicalEnvironment(config: Aliased | undefined, name: string): string {
  const declared = config?.environments ?? BUILTIN_ENVIRONMENTS;
  if (lookupByGlob(declared, name) !== undefined) return name;
  const own = config?.environmentAliases;
  if (own !== undefined && Object.hasOwn(own, name)) return own[name] as string;
  const targets = Object.hasOwn(DEFAULT_ENVIRONMENT_ALIASES, name)
    ? DEFAULT_ENVIRONMENT_ALIASES[name]
    : undefined;
  return targets?.find((target) => Object.hasOwn(declared, target)) ?? name;
}

/** Every alias name in force for `config`: for did-you-mean and completion. */
export function aliasNames(config: Aliased | undefined): string[] {
  return [
    ...new Set([
      ...Object.keys(config?.environmentAliases ?? {}),
      ...Object.keys(DEFAULT_ENVIRONMENT_ALIASES),
    ]),
  ].filter((alias) => canonicalEnvironment(config, alias) !== alias);
}

/**
 * `environmentAliases`: a map of short name to a declared environment; an
 * alias may not be a declared name (it would never apply) nor point at
 * another alias or an undeclared name.
 */
export function checkEnvironmentAliases(config: ConfigSpec): Issue[] {
  const aliases = config.environmentAliases as unknown;
  if (aliases === undefined) return [];
  if (aliases === null || typeof aliases !== "object" || Array.isArray(aliases))
    return [issue("E_SCHEMA", "environmentAliases must map short names to environment names")];
  const declared = config.environments ?? BUILTIN_ENVIRONMENTS;
  const issues: Issue[] = [];
  for (const [alias, target] of Object.entries(aliases as Record<string, unknown>)) {
    const at = `environmentAliases.${alias}`;
    if (typeof target !== "string")
      issues.push(issue("E_SCHEMA", `${at} must be an environment name`));
    else if (lookupByGlob(declared, alias) !== undefined)
      issues.push(
        issue("E_SCHEMA", `${at}: "${alias}" is itself a declared environment`, {
          hint: "a declared name always means itself; remove the alias or rename the environment",
        }),
      );
    else if (!Object.hasOwn(declared, target))
      issues.push(
        issue("E_SCHEMA", `${at}: "${target}" is not a declared environment`, {
          hint: `declared environments: ${Object.keys(declared).join(", ")}`,
        }),
      );
  }
  return issues;
}
