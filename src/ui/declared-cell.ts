import { providerFor } from "../providers/registry.js";
import { formatRef } from "../refs/ref.js";
import { schemaRefFor } from "../refs/template.js";
import { isRequired } from "../resolve/candidates.js";
import { plannedPick, type WinnerOptions } from "../resolve/winner.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";

/** One cell of the declared matrix: what the variable reads in an environment, and whether that is wrong. */
export interface DeclaredCell {
  readonly text: string;
  readonly state: "ok" | "missing" | "forbidden" | "optional";
}

/**
 * What `name` reads in `environment`, as resolution would pick it without
 * reading a source: a `.env` line (and the reference it names, such as
 * `store://NAME` from `import --rewrite`) or the process environment before
 * the schema's ref and default, so a variable a `.env` file supplies is not
 * shown missing and a `.env` value is not shown as the default. `allowed` is
 * the environment's secret sources; a secret from another is forbidden.
 */
export function declaredCell(
  name: string,
  config: ConfigSpec,
  environment: string,
  allowed: readonly string[],
  where: Omit<WinnerOptions, "environment">,
): DeclaredCell {
  const spec = config.variables[name] as VariableSpec;
  const required = isRequired(spec, environment);
  let winner: ReturnType<typeof plannedPick>;
  try {
    winner = plannedPick(name, config, { ...where, environment });
  } catch {
    winner = undefined;
  }
  const found = winner?.winner;
  if (found !== undefined && (found.source === "dotenv" || found.source === "env")) {
    const ref = winner?.pending?.ref;
    const kind = ref === undefined ? found.source : (providerFor(ref.scheme)?.kind ?? ref.scheme);
    const text = ref === undefined ? found.place : `${formatRef(ref)} (${found.place})`;
    if (spec.secret === true && allowed.length > 0 && !allowed.includes(kind))
      return { text: `${text} (not allowed here)`, state: "forbidden" };
    return { text, state: required ? "ok" : "optional" };
  }
  return schemaCell(spec, environment, allowed, required);
}

/** The cell from the schema alone: its ref for the environment, else its default. */
function schemaCell(
  spec: VariableSpec,
  environment: string,
  allowed: readonly string[],
  required: boolean,
): DeclaredCell {
  const ref = schemaRefFor(spec, environment);
  const hasDefault = "default" in spec && spec.default !== undefined;
  if (ref === undefined) {
    if (hasDefault) return { text: "default", state: "ok" };
    return required
      ? { text: "environment only", state: spec.secret === true ? "missing" : "ok" }
      : { text: "optional", state: "optional" };
  }
  const scheme = ref.slice(0, Math.max(0, ref.indexOf("://")));
  const kind = providerFor(scheme)?.kind ?? scheme;
  if (spec.secret === true && allowed.length > 0 && !allowed.includes(kind))
    return { text: `${ref} (not allowed here)`, state: "forbidden" };
  return { text: ref, state: required ? "ok" : "optional" };
}
