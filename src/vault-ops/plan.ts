import { isVaultRefText, vaultProvider } from "../providers/vault/index.js";
import { parseRef } from "../refs/ref.js";
import { fillRefTemplate, schemaRefFor } from "../refs/template.js";
import { rotationIn } from "../schema/rotation.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { pathSpellingRefusal } from "../vault/path-rule.js";

/** One secret an environment reads from Vault. */
export interface VaultNeed {
  readonly variable: string;
  /** The KV path as written in refs, e.g. `secret/shop/production/app`. */
  readonly path: string;
  readonly key: string;
  readonly component: string;
  /** The variable has a `rotation:` here: `rotate` writes it, and a secret gets `NAME_PREVIOUS`. */
  readonly rotates: boolean;
  /** The app reads `NAME_PREVIOUS` too (a rotated secret; see resolve/previous.ts). */
  readonly previous: boolean;
}

/**
 * The Vault secrets each schema variable reads in `environment`, from the
 * schema's `ref`s (templates filled in). Values and other sources are not
 * consulted: this is what the app needs, as the schema says.
 */
export function vaultNeeds(config: ConfigSpec, environment: string): VaultNeed[] {
  const needs: VaultNeed[] = [];
  for (const [variable, spec] of Object.entries(config.variables)) {
    const text = schemaRefFor(spec, environment);
    if (!isVaultRefText(text)) continue;
    const ref = parseRef(fillRefTemplate(text, variable, spec, environment, config), variable);
    if (ref.key === undefined) continue;
    // The path goes into policies and requests: held to the one path rule
    // after `{env}`/`{project}` are filled in, so no name can inject or glob.
    const refusal = pathSpellingRefusal(ref.path, false, {
      code: "E_REF",
      subject: `${variable} (vault://${ref.path}) in ${environment}`,
      who: "references",
    });
    if (refusal !== undefined) throw refusal;
    const rotates = rotationIn(spec, environment) !== undefined;
    needs.push({
      variable,
      path: ref.path,
      key: ref.key,
      component: spec.component ?? "app",
      rotates,
      previous: rotates && spec.secret === true,
    });
  }
  return needs;
}

/** The concrete (non-glob) environments a config declares. */
export function concreteEnvironments(config: ConfigSpec): string[] {
  return Object.keys(config.environments ?? { production: {} }).filter(
    (name) => !name.includes("*"),
  );
}

/** True when the schema says production reads this variable from Vault (the `[VAULT]` marker). */
export function isVaultInProduction(spec: VariableSpec): boolean {
  const text = schemaRefFor(spec, "production");
  if (text === undefined) return false;
  try {
    return parseRef(text).scheme === vaultProvider.scheme;
  } catch {
    return false;
  }
}
