import { StrongboxError } from "../errors.js";
import { lookupByGlob } from "../schema/glob.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";

/**
 * Fills `{env}`, `{project}`, `{component}` (default `app`) and `{name}` in a
 * schema reference, so `vault://secret/{project}/{env}/app#KEY` names the
 * path of the current environment. Throws `E_REF` for an unknown or empty one.
 */
export function fillRefTemplate(
  text: string,
  name: string,
  spec: VariableSpec,
  environment: string,
  config: ConfigSpec,
): string {
  const values: Record<string, string | undefined> = {
    env: environment,
    project: config.project,
    component: spec.component ?? "app",
    name,
  };
  return text.replace(/\{([a-z]+)\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) {
      throw new StrongboxError("E_REF", `${name}: the placeholder ${whole} has no value`, {
        hint: "known placeholders: {env}, {project}, {component}, {name}; set `project` in the config for {project}",
      });
    }
    return value;
  });
}

/** The schema's reference for `spec` in `environment` (an exact name, else the most specific glob). */
export function schemaRefFor(spec: VariableSpec, environment: string): string | undefined {
  const ref = spec.ref;
  if (ref === undefined || typeof ref === "string") return ref;
  return lookupByGlob(ref, environment)?.value;
}

/** Every reference a variable declares, for any environment (its `ref`, or each value of its map). */
export function refTexts(spec: VariableSpec): string[] {
  if (spec.ref === undefined) return [];
  return typeof spec.ref === "string" ? [spec.ref] : Object.values(spec.ref);
}
