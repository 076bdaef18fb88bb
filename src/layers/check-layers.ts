import { parseDotenv } from "../dotenv/parse.js";
import type { Issue } from "../errors.js";
import { isSafePlaceholder } from "../hygiene/placeholder.js";
import { isVaultRefText } from "../providers/vault/index.js";
import { parseRef } from "../refs/ref.js";
import { schemaRefFor } from "../refs/template.js";
import { isRequired } from "../resolve/candidates.js";
import { coerceBuiltin } from "../schema/coerce.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { parseTemplate } from "../template/parse.js";
import { secretsUsed } from "../template/secrets-used.js";
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
  | "live-orphan";

/** One disagreement between the layers, as an `E_LAYERS` issue. Names and places only, never values. */
export function layerIssue(rule: LayerRule, message: string, variable?: string): Issue {
  return variable === undefined
    ? { code: "E_LAYERS", rule, message }
    : { code: "E_LAYERS", rule, variable, message };
}

export interface LayerReport {
  readonly ok: boolean;
  readonly issues: readonly Issue[];
  /**
   * What each layer lacks, for `--diff`: names the schema declares and
   * `.env.example` lacks, names a template or `.env.example` has and the
   * schema lacks, and production secrets no template renders.
   */
  /** The Vault paths the templates read (`%s` for the environment) and their keys, for `--live`. */
  readonly reads: ReadonlyArray<{ readonly path: string; readonly keys: readonly string[] }>;
  readonly missing: {
    readonly example: readonly string[];
    readonly schema: readonly string[];
    readonly template: readonly string[];
  };
}

/**
 * Checks that the three layers agree (seed 000's CI gate): every variable a
 * template renders is declared in the schema, with the same Vault path and
 * key; every schema variable is in `.env.example` and nothing else is; a
 * secret has no value in `.env.example`; the `[VAULT]` markers match the
 * schema's production sources. Returns every disagreement at once.
 */
export function checkLayers(
  config: ConfigSpec,
  files: { example?: LayerFile; templates: readonly LayerFile[] },
): LayerReport {
  const issues: Issue[] = [];
  const byEnvName = new Map<string, [string, VariableSpec]>(
    Object.entries(config.variables).map(([name, spec]) => [spec.env ?? name, [name, spec]]),
  );
  const missingInSchema: string[] = [];
  // Variables some template renders: vault-agent is their production source, whether or not
  // the schema also names a vault:// ref (seed 000's layout names Vault paths only in the template).
  const rendered = new Set<string>();
  const reads: Array<{ path: string; keys: string[] }> = [];
  for (const template of files.templates) {
    let uses: ReturnType<typeof secretsUsed>;
    try {
      uses = secretsUsed(parseTemplate(template.text, template.path));
    } catch (error) {
      issues.push({ code: "E_LAYERS", rule: "parse-error", message: (error as Error).message });
      continue;
    }
    for (const use of uses) {
      reads.push({ path: use.path, keys: use.keys.map((key) => key.key) });
      for (const key of use.keys) {
        const where = `${template.path}:${key.line}`;
        const envName = key.envName ?? key.key;
        const declared = byEnvName.get(envName);
        if (declared === undefined) {
          missingInSchema.push(envName);
          issues.push({
            code: "E_LAYERS",
            rule: "template-orphan",
            variable: envName,
            message: `${where}: ${envName} is rendered by the template but not declared in the schema`,
          });
          continue;
        }
        rendered.add(declared[0]);
        const expected = expectedSource(config, declared[0], declared[1], key.kv);
        const actual = `${use.path.replace(/%s/g, "{env}")}#${key.key}`;
        if (expected !== undefined && expected !== actual) {
          issues.push({
            code: "E_LAYERS",
            rule: "template-mismatch",
            variable: declared[0],
            message: `${where}: ${declared[0]} is read from ${actual} by the template, but the schema says ${expected}`,
          });
        }
      }
    }
  }
  const missingInExample: string[] = [];
  if (files.example !== undefined) {
    const example = files.example;
    const parsed = parseDotenv(example.text, { source: example.path });
    for (const problem of parsed.issues)
      issues.push({ code: "E_LAYERS", rule: "parse-error", message: problem.message });
    const entries = new Map(parsed.entries.map((entry) => [entry.key, entry]));
    const lines = example.text.replace(/\r\n?/g, "\n").split("\n");
    for (const [envName, [name, spec]] of byEnvName) {
      const entry = entries.get(envName);
      if (entry === undefined) {
        missingInExample.push(envName);
        issues.push({
          code: "E_LAYERS",
          rule: "example-missing",
          variable: name,
          message: `${example.path}: ${envName} is declared in the schema but missing from .env.example`,
        });
        continue;
      }
      if (spec.secret === true && !isSafePlaceholder(entry.value)) {
        issues.push({
          code: "E_LAYERS",
          rule: "example-secret-value",
          variable: name,
          message: `${example.path}:${entry.line}: ${envName} is a secret and its value in .env.example looks real (a token prefix, a real host or a random credential); use a local placeholder such as changeme`,
        });
      }
      const typed =
        spec.secret === true || entry.value === ""
          ? undefined
          : exampleTypeProblem(spec, entry.value);
      if (typed !== undefined)
        issues.push({
          code: "E_LAYERS",
          rule: "example-type",
          variable: name,
          message: `${example.path}:${entry.line}: ${envName} is ${typed} in the schema, but its .env.example value is not`,
        });
      const marked = commentAbove(lines, entry.line).includes("[VAULT]");
      if (marked !== (isVaultInProduction(spec) || rendered.has(name))) {
        issues.push({
          code: "E_LAYERS",
          rule: "marker-mismatch",
          variable: name,
          message: `${example.path}:${entry.line}: ${envName} ${marked ? "is marked [VAULT] but production does not read it from Vault" : "is read from Vault in production but not marked [VAULT]"}`,
        });
      }
    }
    for (const entry of parsed.entries) {
      if (!byEnvName.has(entry.key)) {
        issues.push({
          code: "E_LAYERS",
          rule: "example-orphan",
          variable: entry.key,
          message: `${example.path}:${entry.line}: ${entry.key} is in .env.example but not declared in the schema`,
        });
      }
    }
  }
  // With templates in the project, production gets its secrets from them (or from a vault://
  // ref): a production secret neither renders nor references is one the deploy will lack.
  const missingInTemplate: string[] = [];
  if (files.templates.length > 0)
    for (const [envName, [name, spec]] of byEnvName)
      if (
        spec.secret === true &&
        isRequired(spec, "production") &&
        !rendered.has(name) &&
        !isVaultInProduction(spec)
      ) {
        missingInTemplate.push(envName);
        issues.push({
          code: "E_LAYERS",
          rule: "template-missing",
          variable: name,
          message: `${envName} is a secret production requires, but no template renders it and no vault:// ref reads it`,
        });
      }
  const orphans = issues.flatMap((item) =>
    item.rule === "example-orphan" && item.variable !== undefined ? [item.variable] : [],
  );
  return {
    ok: issues.length === 0,
    issues,
    reads,
    missing: {
      example: missingInExample,
      schema: [...new Set([...missingInSchema, ...orphans])],
      template: missingInTemplate,
    },
  };
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

/**
 * `check --layers --diff`: what each pair of layers lacks, as unified-diff
 * headers and names. Under `--- A` / `+++ B`, `-NAME` is in A and missing
 * from B, `+NAME` is in B and missing from A. Sections with nothing to show
 * are left out; an empty string when the layers agree on names.
 */
export function layersDiff(report: Pick<LayerReport, "issues">): string {
  const names = (rule: LayerRule) => [
    ...new Set(
      report.issues.flatMap((item) =>
        item.rule === rule && item.variable !== undefined ? [item.variable] : [],
      ),
    ),
  ];
  const section = (left: string, right: string, minus: string[], plus: string[]) =>
    minus.length + plus.length === 0
      ? []
      : [`--- ${left}`, `+++ ${right}`, ...minus.map((n) => `-${n}`), ...plus.map((n) => `+${n}`)];
  const lines = [
    ...section("schema", ".env.example", names("example-missing"), names("example-orphan")),
    ...section("schema", "templates", names("template-missing"), names("template-orphan")),
  ];
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
