import { parseDotenv } from "../dotenv/parse.js";
import type { Issue } from "../errors.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { parseTemplate } from "../template/parse.js";
import { secretsUsed } from "../template/secrets-used.js";
import { isVaultInProduction } from "../vault-ops/plan.js";
import { type CodeLayer, codeLayerIssues } from "./code-layer.js";
import {
  EXAMPLE_ENTRY_RULES,
  EXAMPLE_VARIABLE_RULES,
  type ExampleVariableAt,
  type LayerFile,
  type LayerRule,
  type Layers,
  TEMPLATE_KEY_RULES,
  type TemplateKeyAt,
  VARIABLE_RULES,
} from "./rules.js";

export type { LayerFile, LayerRule } from "./rules.js";
export { layerIssue } from "./rules.js";

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
    /** Present when a code layer was read: production's Vault variables no settings field reads. */
    readonly code?: readonly string[];
  };
}

/**
 * Checks that the layers agree (seed 000's CI gate): every variable a
 * template renders is declared in the schema, with the same Vault path and
 * key; every schema variable is in `.env.example` and nothing else is; a
 * secret has no value in `.env.example`; the `[VAULT]` markers match the
 * schema's production sources; with a code layer (a Pydantic settings class),
 * see {@link codeLayerIssues}. Returns every disagreement at once; the rules
 * themselves are the tables of layers/rules.ts.
 */
export function checkLayers(
  config: ConfigSpec,
  files: { example?: LayerFile; templates: readonly LayerFile[]; code?: CodeLayer },
): LayerReport {
  const byEnvName = new Map<string, [string, VariableSpec]>(
    Object.entries(config.variables).map(([name, spec]) => [spec.env ?? name, [name, spec]]),
  );
  const templates = readTemplates(files.templates);
  const layers: Layers = {
    config,
    byEnvName,
    rendered: renderedVariables(templates, byEnvName),
    hasTemplates: files.templates.length > 0,
  };
  const found: Found = {
    issues: [],
    missingInSchema: [],
    missingInExample: [],
    missingInTemplate: [],
  };
  checkTemplates(layers, templates, found);
  if (files.example !== undefined) checkExample(layers, files.example, found);
  checkVariables(layers, found);
  const code =
    files.code === undefined
      ? undefined
      : codeLayerIssues(
          files.code,
          byEnvName,
          (name, spec) => layers.rendered.has(name) || isVaultInProduction(spec),
        );
  if (code !== undefined) found.issues.push(...code.issues);
  const orphans = found.issues.flatMap((item) =>
    item.rule === "example-orphan" && item.variable !== undefined ? [item.variable] : [],
  );
  return {
    ok: found.issues.length === 0,
    issues: found.issues,
    reads: templates.flatMap((template) =>
      template.uses.map((use) => ({ path: use.path, keys: use.keys.map((key) => key.key) })),
    ),
    missing: {
      example: found.missingInExample,
      schema: [
        ...new Set([...found.missingInSchema, ...orphans, ...(code?.missingInSchema ?? [])]),
      ],
      template: found.missingInTemplate,
      ...(code === undefined ? {} : { code: code.missingInCode }),
    },
  };
}

/** The issues found so far, and the names each layer lacks (for `--diff`). */
interface Found {
  readonly issues: Issue[];
  readonly missingInSchema: string[];
  readonly missingInExample: string[];
  readonly missingInTemplate: string[];
}

/** Each template's reads, or the message of its parse error. */
function readTemplates(
  templates: readonly LayerFile[],
): Array<{ path: string; uses: ReturnType<typeof secretsUsed>; error?: string }> {
  return templates.map((template) => {
    try {
      return {
        path: template.path,
        uses: secretsUsed(parseTemplate(template.text, template.path)),
      };
    } catch (error) {
      return { path: template.path, uses: [], error: (error as Error).message };
    }
  });
}

/**
 * Variables some template renders: vault-agent is their production source, whether or not
 * the schema also names a vault:// ref (seed 000's layout names Vault paths only in the template).
 */
function renderedVariables(
  templates: ReadonlyArray<{ uses: ReturnType<typeof secretsUsed> }>,
  byEnvName: Layers["byEnvName"],
): Set<string> {
  const rendered = new Set<string>();
  for (const template of templates)
    for (const use of template.uses)
      for (const key of use.keys) {
        const declared = byEnvName.get(key.envName ?? key.key);
        if (declared !== undefined) rendered.add(declared[0]);
      }
  return rendered;
}

/** Every key every template renders, through the template-key rules, in the templates' order. */
function checkTemplates(
  layers: Layers,
  templates: ReturnType<typeof readTemplates>,
  found: Found,
): void {
  for (const template of templates) {
    if (template.error !== undefined) {
      found.issues.push({ code: "E_LAYERS", rule: "parse-error", message: template.error });
      continue;
    }
    for (const use of template.uses)
      for (const key of use.keys) {
        const envName = key.envName ?? key.key;
        const at: TemplateKeyAt = {
          where: `${template.path}:${key.line}`,
          envName,
          declared: layers.byEnvName.get(envName),
          path: use.path,
          key: key.key,
          kv: key.kv,
        };
        if (at.declared === undefined) found.missingInSchema.push(envName);
        pushAll(found.issues, TEMPLATE_KEY_RULES, (rule) => rule(layers, at));
      }
  }
}

/** `.env.example`: its parse errors, each schema variable through the example rules, then its orphans. */
function checkExample(layers: Layers, example: LayerFile, found: Found): void {
  const parsed = parseDotenv(example.text, { source: example.path });
  for (const problem of parsed.issues)
    found.issues.push({ code: "E_LAYERS", rule: "parse-error", message: problem.message });
  const entries = new Map(parsed.entries.map((entry) => [entry.key, entry]));
  const lines = example.text.replace(/\r\n?/g, "\n").split("\n");
  for (const [envName, [name, spec]] of layers.byEnvName) {
    const at: ExampleVariableAt = {
      file: example.path,
      envName,
      name,
      spec,
      entry: entries.get(envName),
      lines,
    };
    if (at.entry === undefined) found.missingInExample.push(envName);
    pushAll(found.issues, EXAMPLE_VARIABLE_RULES, (rule) => rule(layers, at));
  }
  for (const entry of parsed.entries)
    pushAll(found.issues, EXAMPLE_ENTRY_RULES, (rule) => rule(layers, example.path, entry));
}

/** Each schema variable through the variable rules. */
function checkVariables(layers: Layers, found: Found): void {
  for (const [envName, [name, spec]] of layers.byEnvName) {
    const before = found.issues.length;
    pushAll(found.issues, VARIABLE_RULES, (rule) => rule(layers, envName, name, spec));
    if (found.issues.length > before) found.missingInTemplate.push(envName);
  }
}

/** Runs a table's rules in order, keeping what each reports. */
function pushAll<R>(
  issues: Issue[],
  rules: readonly R[],
  apply: (rule: R) => Issue | undefined,
): void {
  for (const rule of rules) {
    const issue = apply(rule);
    if (issue !== undefined) issues.push(issue);
  }
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
    ...section("schema", "code", names("code-missing"), names("code-orphan")),
  ];
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
