import { checkPolicy } from "../environments/policy.js";
import type { Environment } from "../environments/select.js";
import { providerFor } from "../providers/registry.js";
import { formatRef } from "../refs/ref.js";
import { schemaRefFor } from "../refs/template.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { isRequired } from "./candidates.js";
import { plannedPick, type WinnerOptions } from "./winner.js";

/** Where a variable is declared to come from in one environment, and whether that is wrong. */
export interface DeclaredPlace {
  /** The place in words: a ref, `.env line 3`, `default`, `environment only`. */
  readonly text: string;
  readonly state: "ok" | "missing" | "forbidden" | "optional";
}

/**
 * The one judgement of a planned place: may a secret that lives at a source
 * of `kind` be used in `policy`'s environment? It asks the same rule
 * resolution enforces (`checkPolicy`), so the dashboard, `inventory` and
 * `check` cannot disagree about a place.
 */
export function placeAllowed(
  policy: Environment,
  name: string,
  spec: VariableSpec,
  kind: string,
  place: string,
): boolean {
  return (
    checkPolicy(policy, {
      variable: name,
      secret: spec.secret === true,
      source: kind,
      place,
      inline: false,
    }) === undefined
  );
}

/**
 * What `name` reads in `policy`'s environment, as resolution would pick it
 * without reading a source: a `.env` line (and the reference it names, such
 * as `store://NAME` from `import --rewrite`) or the process environment
 * before the schema's ref and default, so a variable a `.env` file supplies
 * is not shown missing and a `.env` value is not shown as the default. A
 * secret from a source the environment does not allow is `forbidden`
 * ({@link placeAllowed}); without a policy nothing is judged forbidden.
 */
export function declaredPlace(
  name: string,
  config: ConfigSpec,
  environment: string,
  policy: Environment | undefined,
  where: Omit<WinnerOptions, "environment">,
): DeclaredPlace {
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
    if (policy !== undefined && !placeAllowed(policy, name, spec, kind, text))
      return { text: `${text} (not allowed here)`, state: "forbidden" };
    return { text, state: required ? "ok" : "optional" };
  }
  return schemaPlace(name, spec, environment, policy, required);
}

/** The place from the schema alone: its ref for the environment, else its default. */
function schemaPlace(
  name: string,
  spec: VariableSpec,
  environment: string,
  policy: Environment | undefined,
  required: boolean,
): DeclaredPlace {
  const ref = schemaRefFor(spec, environment);
  const hasDefault = "default" in spec && spec.default !== undefined;
  if (ref === undefined) {
    // A secret's default is a source like any other: production refuses it (allowSecretDefaults).
    if (hasDefault)
      return policy !== undefined && !placeAllowed(policy, name, spec, "default", "default")
        ? { text: "default (not allowed here)", state: "forbidden" }
        : { text: "default", state: "ok" };
    return required
      ? { text: "environment only", state: spec.secret === true ? "missing" : "ok" }
      : { text: "optional", state: "optional" };
  }
  const scheme = ref.slice(0, Math.max(0, ref.indexOf("://")));
  const kind = providerFor(scheme)?.kind ?? scheme;
  if (policy !== undefined && !placeAllowed(policy, name, spec, kind, ref))
    return { text: `${ref} (not allowed here)`, state: "forbidden" };
  return { text: ref, state: required ? "ok" : "optional" };
}
