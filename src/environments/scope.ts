import type { CredentialScope } from "../providers/provider.js";
import {
  environmentConfigs,
  providerConnectionVariables,
  providerCredentialVariables,
  providerDeclaring,
} from "../providers/registry.js";
import { lookupByGlob } from "../schema/glob.js";
import type { ConfigSpec, EnvironmentSpec } from "../schema/types.js";
import { CREDENTIAL_VARIABLES, isCredentialVariable } from "../security/credentials.js";
import { canonicalEnvironment } from "./aliases.js";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * What one environment's sources are read with: the variables its providers
 * see and each provider's settings. Usually that is the process's own
 * environment and the config's top-level sections; an environment may give
 * its own provider settings (`environments.production.vault.address`) and a
 * `credentialPrefix` whose variables (`PRODUCTION_VAULT_TOKEN`) stand in
 * for the unprefixed ones.
 */
export interface EnvironmentScope {
  /** The variables the environment's providers read (credentials and connection settings scoped). */
  readonly processEnv: Env;
  /** A provider's section of the config for this environment: the top-level one with the environment's over it. */
  readonly section: (key: string) => unknown;
  /** The environment's `credentialPrefix` at work, when it has one. */
  readonly credentials?: CredentialScope;
}

export interface ScopeOptions {
  /**
   * One process reads several environments (`diff --live`, `ui --live`):
   * an environment with a `credentialPrefix` is then read with its prefixed
   * variables alone. Without this, a provider none of whose prefixed
   * variables is set still reads the plain ones, so a deployed process given
   * plain `VAULT_TOKEN` works.
   */
  readonly isolated?: boolean;
}

/** The variables a prefix scopes: every credential, and every provider's connection settings. */
function scopedNames(): ReadonlySet<string> {
  return new Set([
    ...CREDENTIAL_VARIABLES,
    ...providerCredentialVariables(),
    ...providerConnectionVariables(),
  ]);
}

/** The declared spec an environment name falls under (an exact name, else the most specific glob). */
export function environmentSpec(
  config: ConfigSpec,
  environment: string | undefined,
): EnvironmentSpec | undefined {
  if (environment === undefined || config.environments === undefined) return undefined;
  return lookupByGlob(config.environments, canonicalEnvironment(config, environment))?.value;
}

/**
 * The scope `environment` is read in. Pure: it reads only its arguments, so
 * every caller that reaches a source for an environment (resolution, writes,
 * rotation, render, the Vault commands) sees the same server and credential.
 */
export function environmentScope(
  config: ConfigSpec,
  environment: string | undefined,
  processEnv: Env,
  options: ScopeOptions = {},
): EnvironmentScope {
  return scopeOf(config, environmentSpec(config, environment), processEnv, options);
}

/**
 * The scope of an environment whose declaration the caller already holds
 * (the resolver's selected environment): {@link environmentScope} without
 * looking the environment up by name again.
 */
export function scopeOf(
  config: ConfigSpec,
  spec: EnvironmentSpec | undefined,
  processEnv: Env,
  options: ScopeOptions = {},
): EnvironmentScope {
  const own = (spec ?? {}) as unknown as Readonly<Record<string, unknown>>;
  const top = config as unknown as Readonly<Record<string, unknown>>;
  const providerKeys = new Set(environmentConfigs().map((section) => section.key));
  const section = (key: string): unknown => {
    const base = Object.hasOwn(top, key) ? top[key] : undefined;
    if (!providerKeys.has(key) || !Object.hasOwn(own, key)) return base;
    return overlay(base, own[key]);
  };
  const prefix = spec?.credentialPrefix;
  if (prefix === undefined || prefix === "") return { processEnv, section };
  const isolated = options.isolated === true;
  const names = scopedNames();
  // A provider's variables come as a set: the prefixed ones, or (when none is set
  // and the environment is read alone) the plain ones; never a prefixed token
  // with a plain address, which would send one environment's token to another's server.
  const prefixedGroups = new Set(
    [...names].filter((name) => processEnv[`${prefix}${name}`] !== undefined).map(group),
  );
  const ownOnly = (name: string) => isolated || prefixedGroups.has(group(name));
  const scoped: Record<string, string | undefined> = Object.create(null);
  for (const [name, value] of Object.entries(processEnv))
    if (!((isCredentialVariable(name) || names.has(name)) && ownOnly(name))) scoped[name] = value;
  const taken = new Set<string>();
  for (const name of names) {
    const value = processEnv[`${prefix}${name}`];
    if (value === undefined || !ownOnly(name)) continue;
    scoped[name] = value;
    taken.add(name);
  }
  const credentials: CredentialScope = {
    prefix,
    // Once the environment gives a credential of its own, nothing ambient (a token helper file) is used.
    ambient: !isolated && prefixedGroups.size === 0,
    origin: (name) => (taken.has(name) ? `${prefix}${name}` : name),
  };
  return { processEnv: scoped, section, credentials };
}

/** The provider a variable belongs to, by its first word: `VAULT` (with `BAO`), `AWS`, `AZURE`, `STRONGBOX`. */
function group(name: string): string {
  // A provider's variables are one set whatever they are called: Azure's managed identity
  // (IDENTITY_HEADER, MSI_SECRET) goes with AZURE_CLIENT_ID, never apart from it.
  const word = name.slice(0, name.indexOf("_"));
  const own = word === "BAO" ? "VAULT" : word;
  return own === "VAULT" || own === "STRONGBOX" ? own : (providerDeclaring(name) ?? own);
}

/** One level of merging: the environment's fields over the top-level section's, nested maps (`auth`) merged too. */
function overlay(base: unknown, own: unknown): unknown {
  if (!isMap(base) || !isMap(own)) return own;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(own))
    out[key] = isMap(value) && isMap(base[key]) ? { ...base[key], ...value } : value;
  return out;
}

function isMap(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
