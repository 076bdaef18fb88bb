import { providerFor } from "../providers/registry.js";
import { formatRef, parseRef } from "../refs/ref.js";
import { fillRefTemplate, schemaRefFor } from "../refs/template.js";
import { rotationIn } from "../schema/rotation.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";

/**
 * The config with, for every secret rotated in `environment`, a companion
 * `NAME_PREVIOUS`: optional, secret, read from the version before the
 * current one (`?version=previous`, or AWS's AWSPREVIOUS stage). During a
 * rotation's overlap an app reads both, so tokens signed with the old key
 * keep validating; once the rotation is finished the previous version is
 * gone and `NAME_PREVIOUS` is unset. A schema that declares `NAME_PREVIOUS`
 * itself keeps its own; a source without versions gets none.
 */
export function withPreviousValues(config: ConfigSpec, environment: string): ConfigSpec {
  const added: Record<string, VariableSpec> = {};
  for (const [name, spec] of Object.entries(config.variables)) {
    const previousName = `${name}_PREVIOUS`;
    if (spec?.secret !== true || Object.hasOwn(config.variables, previousName)) continue;
    if (rotationIn(spec, environment) === undefined) continue;
    const text = schemaRefFor(spec, environment);
    if (text === undefined) continue;
    let previous: string | undefined;
    try {
      const ref = parseRef(fillRefTemplate(text, name, spec, environment, config), name);
      const definition = providerFor(ref.scheme);
      const candidate = definition?.previousRef?.(ref);
      previous = candidate === undefined ? undefined : formatRef(candidate);
    } catch {
      // The variable's own resolution reports a bad ref; its companion simply does not exist.
    }
    if (previous === undefined) continue;
    added[previousName] = {
      secret: true,
      required: false,
      ref: previous,
      description: `${name} before its last rotation, until that rotation is finished`,
      ...(spec.env === undefined ? {} : { env: `${spec.env}_PREVIOUS` }),
      ...(spec.component === undefined ? {} : { component: spec.component }),
    };
  }
  return Object.keys(added).length === 0
    ? config
    : { ...config, variables: { ...config.variables, ...added } };
}
