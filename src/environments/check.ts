import { type Issue, issue } from "../errors.js";
import { environmentConfigs, sourceKinds } from "../providers/registry.js";
import type { ConfigSpec, EnvironmentSpec } from "../schema/types.js";
import { checkEnvironmentAliases } from "./aliases.js";
import { isProductionName } from "./defaults.js";

/** An environment's own fields; providers that connect somewhere add theirs through the registry. */
export const ENV_KEYS: ReadonlySet<string> = new Set([
  "description",
  "files",
  "secrets",
  "allowInlineSecrets",
  "allowSecretDefaults",
  "lifecycle",
  "credentialPrefix",
  "breakGlass",
]);

type Add = (message: string, hint?: string) => void;

/**
 * Checks the config's `environments` section and `defaultEnvironment`,
 * every problem at once: names, unknown fields, a provider section (by the
 * provider's own check), the credential prefix, secret sources, production's
 * rules and the lifecycle mode.
 */
export function checkEnvironments(config: ConfigSpec): Issue[] {
  const issues: Issue[] = [];
  const environments = config.environments ?? {};
  for (const [name, spec] of Object.entries(environments)) {
    const add: Add = (message, hint) =>
      issues.push(issue("E_SCHEMA", `environments.${name}: ${message}`, { hint }));
    checkEnvironment(name, spec, add, issues);
  }
  const variable = config.environmentVariable;
  if (
    variable !== undefined &&
    (typeof variable !== "string" ||
      !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable) ||
      variable.startsWith("STRONGBOX_"))
  )
    issues.push(
      issue("E_SCHEMA", "environmentVariable must name a variable such as ENV or APP_ENV", {
        hint: "STRONGBOX_ENV is always read first; name the variable your deployment sets",
      }),
    );
  const chosen = config.defaultEnvironment;
  if (
    chosen !== undefined &&
    config.environments !== undefined &&
    !Object.hasOwn(environments, chosen)
  ) {
    issues.push(
      issue("E_SCHEMA", `defaultEnvironment "${chosen}" is not declared in environments`),
    );
  }
  issues.push(...checkEnvironmentAliases(config));
  return issues;
}

/** One environment's fields; `add` places a message under the environment's name. */
function checkEnvironment(
  name: string,
  spec: EnvironmentSpec | undefined,
  add: Add,
  issues: Issue[],
): void {
  if (!/^[a-z0-9*][a-z0-9*_.-]*$/i.test(name))
    add("environment names are letters, digits, - _ . and * for globs");
  const fields = (spec ?? {}) as unknown as Readonly<Record<string, unknown>>;
  checkFields(name, fields, add, issues);
  const prefix = fields.credentialPrefix;
  if (prefix !== undefined && (typeof prefix !== "string" || !/^[A-Z][A-Z0-9_]*_$/.test(prefix)))
    add(
      "credentialPrefix must be upper-case letters, digits and _, ending in _",
      `credentialPrefix: ${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_ reads ${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_VAULT_TOKEN`,
    );
  if (!checkSecretSources(spec, add)) return;
  if (isProductionName(name) && spec?.allowSecretDefaults === true) {
    add("secrets may never fall back to defaults in production", "remove allowSecretDefaults here");
  }
  if (spec?.breakGlass !== undefined && typeof spec.breakGlass !== "boolean")
    add("breakGlass must be true or false", "breakGlass: false forbids --break-glass here");
  if (spec?.lifecycle !== undefined && spec.lifecycle !== "warn" && spec.lifecycle !== "enforce")
    add('lifecycle must be "warn" or "enforce"');
}

/** Unknown fields, and each provider section by the provider's own check. */
function checkFields(
  name: string,
  fields: Readonly<Record<string, unknown>>,
  add: Add,
  issues: Issue[],
): void {
  const providerSections = environmentConfigs();
  for (const key of Object.keys(fields)) {
    const section = providerSections.find((candidate) => candidate.key === key);
    if (section !== undefined) {
      // The provider's own check, its messages placed under this environment.
      for (const found of section.validate(fields[key]))
        issues.push({ ...found, message: `environments.${name}.${found.message}` });
    } else if (!ENV_KEYS.has(key))
      add(
        `unknown field "${key}"`,
        `known fields: ${[...ENV_KEYS, ...providerSections.map((known) => known.key)].join(", ")}`,
      );
  }
}

/** `secrets.from`: a map with a list of known sources. False when its shape is wrong (the rest is not checked). */
function checkSecretSources(spec: EnvironmentSpec | undefined, add: Add): boolean {
  const sources = sourceKinds().map((info) => info.kind);
  const secrets = spec?.secrets as unknown;
  if (
    secrets !== undefined &&
    (secrets === null ||
      typeof secrets !== "object" ||
      Array.isArray(secrets) ||
      !Array.isArray((secrets as { from?: unknown }).from))
  ) {
    // A list here used to be ignored in silence, leaving the built-in sources in force.
    add("secrets must be a map with a `from` list", "secrets: { from: [vault, store] }");
    return false;
  }
  for (const source of spec?.secrets?.from ?? [])
    if (!sources.includes(source))
      add(`unknown secret source "${source}"`, `sources: ${sources.join(", ")}`);
  return true;
}
