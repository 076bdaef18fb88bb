import type { DotenvEntry } from "../dotenv/parse.js";
import type { Issue } from "../errors.js";
import { isSafePlaceholder } from "../hygiene/placeholder.js";
import { isVaultRefText } from "../providers/vault/index.js";
import { parseRef } from "../refs/ref.js";
import { schemaRefFor } from "../refs/template.js";
import { isRequired } from "../resolve/candidates.js";
import { coerceBuiltin } from "../schema/coerce.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { closest } from "../util/suggest.js";
import { isVaultInProduction } from "../vault-ops/plan.js";

/** A file of one layer, as read from disk. */
export interface LayerFile {
  readonly path: string;
  readonly text: string;
}

/** The checks of the three-layer gate: each problem's `rule`. */
export type LayerRule =
  | "template-orphan"
  | "template-mismatch"
  | "example-missing"
  | "example-orphan"
  | "example-secret-value"
  | "example-type"
  | "template-missing"
  | "marker-mismatch"
  | "parse-error"
  | "live-missing"
  | "live-empty"
  | "live-orphan"
  | "code-missing"
  | "code-orphan"
  | "code-secret"
  | "code-secret-default"
  | "code-type";

/** One disagreement between the layers, as an `E_LAYERS` issue. Names and places only, never values. */
export function layerIssue(
  rule: LayerRule,
  message: string,
  variable?: string,
  hint?: string,
): Issue {
  return {
    code: "E_LAYERS",
    rule,
    ...(variable === undefined ? {} : { variable }),
    message,
    ...(hint === undefined ? {} : { hint }),
  };
}

/** "did you mean X?" for a name a layer uses that the schema does not declare, when one is close. */
function declaredNear(layers: Layers, name: string): string | undefined {
  const match = closest(name, layers.byEnvName.keys());
  return match === undefined ? undefined : `did you mean ${match}? (a typo in one layer)`;
}

/** What every rule may consult: the schema by env name, and the variables some template renders. */
export interface Layers {
  readonly config: ConfigSpec;
  /** Each variable under the name it has in the environment: [schema name, spec]. */
  readonly byEnvName: ReadonlyMap<string, [string, VariableSpec]>;
  /** Schema names some template renders (vault-agent is their production source). */
  readonly rendered: ReadonlySet<string>;
  readonly hasTemplates: boolean;
}

/** One key a template renders, and where. */
export interface TemplateKeyAt {
  /** `template:line`. */
  readonly where: string;
  readonly envName: string;
  readonly declared: [string, VariableSpec] | undefined;
  /** The Vault path the template reads (`%s` for the environment). */
  readonly path: string;
  readonly key: string;
  readonly kv: 1 | 2;
}

/** One schema variable, and its entry in `.env.example` (if any). */
export interface ExampleVariableAt {
  readonly file: string;
  readonly envName: string;
  readonly name: string;
  readonly spec: VariableSpec;
  readonly entry: DotenvEntry | undefined;
  /** The example's lines, for the comment above an entry. */
  readonly lines: readonly string[];
}

/** The rules on each key a template renders, in the order they report. */
export const TEMPLATE_KEY_RULES: ReadonlyArray<
  (layers: Layers, at: TemplateKeyAt) => Issue | undefined
> = [templateOrphan, templateMismatch];

/** The rules on each schema variable against `.env.example`, in the order they report. */
export const EXAMPLE_VARIABLE_RULES: ReadonlyArray<
  (layers: Layers, at: ExampleVariableAt) => Issue | undefined
> = [exampleMissing, exampleSecretValue, exampleType, markerMismatch];

/** The rules on each entry of `.env.example`. */
export const EXAMPLE_ENTRY_RULES: ReadonlyArray<
  (layers: Layers, file: string, entry: DotenvEntry) => Issue | undefined
> = [exampleOrphan];

/** The rules on each schema variable alone. */
export const VARIABLE_RULES: ReadonlyArray<
  (layers: Layers, envName: string, name: string, spec: VariableSpec) => Issue | undefined
> = [templateMissing];

/** A template renders a name the schema does not declare. */
function templateOrphan(layers: Layers, at: TemplateKeyAt): Issue | undefined {
  if (at.declared !== undefined) return undefined;
  return layerIssue(
    "template-orphan",
    `${at.where}: ${at.envName} is rendered by the template but not declared in the schema`,
    at.envName,
    declaredNear(layers, at.envName),
  );
}

/** A template reads a variable from another Vault path or key than the schema says. */
function templateMismatch(layers: Layers, at: TemplateKeyAt): Issue | undefined {
  if (at.declared === undefined) return undefined;
  const [name, spec] = at.declared;
  const expected = expectedSource(layers.config, name, spec, at.kv);
  const actual = `${at.path.replace(/%s/g, "{env}")}#${at.key}`;
  if (expected === undefined || expected === actual) return undefined;
  return layerIssue(
    "template-mismatch",
    `${at.where}: ${name} is read from ${actual} by the template, but the schema says ${expected}`,
    name,
  );
}

/** A schema variable `.env.example` lacks. */
function exampleMissing(_layers: Layers, at: ExampleVariableAt): Issue | undefined {
  if (at.entry !== undefined) return undefined;
  return layerIssue(
    "example-missing",
    `${at.file}: ${at.envName} is declared in the schema but missing from .env.example`,
    at.name,
  );
}

/** A secret whose `.env.example` value looks real. */
function exampleSecretValue(_layers: Layers, at: ExampleVariableAt): Issue | undefined {
  const { entry } = at;
  if (entry === undefined || at.spec.secret !== true || isSafePlaceholder(entry.value))
    return undefined;
  return layerIssue(
    "example-secret-value",
    `${at.file}:${entry.line}: ${at.envName} is a secret and its value in .env.example looks real (a token prefix, a real host or a random credential); use a local placeholder such as changeme`,
    at.name,
  );
}

/** A non-secret `.env.example` value that does not parse as the schema's type. */
function exampleType(_layers: Layers, at: ExampleVariableAt): Issue | undefined {
  const { entry } = at;
  if (entry === undefined || at.spec.secret === true || entry.value === "") return undefined;
  const typed = exampleTypeProblem(at.spec, entry.value);
  if (typed === undefined) return undefined;
  return layerIssue(
    "example-type",
    `${at.file}:${entry.line}: ${at.envName} is ${typed} in the schema, but its .env.example value is not`,
    at.name,
  );
}

/** A `[VAULT]` marker that disagrees with where production reads the variable. */
function markerMismatch(layers: Layers, at: ExampleVariableAt): Issue | undefined {
  const { entry } = at;
  if (entry === undefined) return undefined;
  const marked = commentAbove(at.lines, entry.line).includes("[VAULT]");
  if (marked === (isVaultInProduction(at.spec) || layers.rendered.has(at.name))) return undefined;
  return layerIssue(
    "marker-mismatch",
    `${at.file}:${entry.line}: ${at.envName} ${marked ? "is marked [VAULT] but production does not read it from Vault" : "is read from Vault in production but not marked [VAULT]"}`,
    at.name,
  );
}

/** A `.env.example` entry the schema does not declare. */
function exampleOrphan(layers: Layers, file: string, entry: DotenvEntry): Issue | undefined {
  if (layers.byEnvName.has(entry.key)) return undefined;
  return layerIssue(
    "example-orphan",
    `${file}:${entry.line}: ${entry.key} is in .env.example but not declared in the schema`,
    entry.key,
    declaredNear(layers, entry.key),
  );
}

/**
 * With templates in the project, production gets its secrets from them (or from a vault://
 * ref): a production secret neither renders nor references is one the deploy will lack.
 */
function templateMissing(
  layers: Layers,
  envName: string,
  name: string,
  spec: VariableSpec,
): Issue | undefined {
  if (
    !layers.hasTemplates ||
    spec.secret !== true ||
    !isRequired(spec, "production") ||
    layers.rendered.has(name) ||
    isVaultInProduction(spec)
  )
    return undefined;
  return layerIssue(
    "template-missing",
    `${envName} is a secret production requires, but no template renders it and no vault:// ref reads it`,
    name,
  );
}

/** The type a non-secret `.env.example` value fails to parse as, or undefined when it parses. */
function exampleTypeProblem(spec: VariableSpec, value: string): string | undefined {
  // A Standard Schema validator may be async or stateful: only built-in types are checked here.
  if ("schema" in spec && spec.schema !== undefined) return undefined;
  const coerced = coerceBuiltin(spec, value);
  return coerced.ok ? undefined : `${spec.type ?? "string"} (${coerced.expected})`;
}

/** The schema's production Vault source of a variable as `mount/data/…/{env}/…#KEY`, or undefined. */
function expectedSource(
  config: ConfigSpec,
  name: string,
  spec: VariableSpec,
  kv: 1 | 2,
): string | undefined {
  const text = schemaRefFor(spec, "production");
  if (!isVaultRefText(text)) return undefined;
  const filled = text
    .replaceAll("{project}", config.project ?? "{project}")
    .replaceAll("{component}", spec.component ?? "app")
    .replaceAll("{name}", name)
    .replaceAll("{env}", "ENVPLACEHOLDER");
  const ref = parseRef(filled, name);
  const [mount, ...rest] = ref.path.split("/");
  const inner = rest.join("/").replace(/^data\//, "");
  const path = kv === 2 ? `${mount}/data/${inner}` : `${mount}/${inner}`;
  return `${path.replaceAll("ENVPLACEHOLDER", "{env}")}#${ref.key}`;
}

/** The comment block right above a 1-based line: the consecutive `#` lines before it. */
function commentAbove(lines: readonly string[], line: number): string {
  const block: string[] = [];
  for (let i = line - 2; i >= 0 && (lines[i] ?? "").trimStart().startsWith("#"); i--)
    block.push(lines[i] ?? "");
  return block.join("\n");
}
