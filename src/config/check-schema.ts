import { AUDIT_KEYS, checkAuditAndPii } from "../audit/check-spec.js";
import { checkEnvironments, ENV_KEYS } from "../environments/check.js";
import { type Issue, issue } from "../errors.js";
import { knownSchemes, providerConfigs, providerFor } from "../providers/registry.js";
import { parseRef } from "../refs/ref.js";
import { coerceBuiltin, defaultToRaw } from "../schema/coerce.js";
import { smokeSpecProblems } from "../schema/smoke-spec.js";
import { isStandardSchema } from "../schema/standard-schema.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { isCiIdentityVariable } from "../security/credentials.js";
import { checkIdentityNames } from "./check-identity.js";
import { checkLifecycle } from "./check-lifecycle.js";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPES = new Set([
  "string",
  "url",
  "int",
  "number",
  "port",
  "boolean",
  "enum",
  "json",
  "duration",
  "list",
]);
const COMMON_KEYS = [
  "description",
  "example",
  "secret",
  "pii",
  "public",
  "required",
  "env",
  "aliases",
  "ref",
  "component",
  "type",
  "default",
  "rotation",
  "expires",
  "warnBefore",
  "usedBy",
  "owner",
  "rotatesWith",
  "smoke",
];
const TYPE_KEYS: Record<string, readonly string[]> = {
  string: ["pattern"],
  url: ["protocols"],
  int: ["min", "max"],
  number: ["min", "max"],
  enum: ["values"],
  list: ["separator"],
};
/** The config's own top-level fields; providers add theirs (`vault`, `store`, …) through the registry. */
const CORE_KEYS = [
  "project",
  "variables",
  "environments",
  "defaultEnvironment",
  "environmentVariable",
  "environmentAliases",
  "audit",
  "piiFields",
  "passUndeclared",
];

const checked = new WeakMap<object, readonly Issue[]>();

/**
 * Checks a config model and returns every problem at once (never throws):
 * unknown fields (typos in YAML), bad names, a variable both `secret` and
 * `public`, defaults that fail their own type, malformed refs, and policies
 * that production may not have. Messages never quote a default's value.
 *
 * A config object is checked once: opening a project and resolving it ask
 * about the same object, and the answer is remembered (a config is read as
 * immutable once loaded).
 */
export function checkSchema(config: ConfigSpec): readonly Issue[] {
  if (config === null || typeof config !== "object") return checkConfig(config);
  const known = checked.get(config);
  if (known !== undefined) return known;
  const issues = Object.freeze(checkConfig(config));
  checked.set(config, issues);
  return issues;
}

function checkConfig(config: ConfigSpec): Issue[] {
  const issues: Issue[] = [];
  if (
    config === null ||
    typeof config !== "object" ||
    typeof config.variables !== "object" ||
    config.variables === null
  ) {
    return [
      issue("E_SCHEMA", "the config has no `variables` map", {
        hint: "declare the variables: a `variables:` map in YAML, or `variables: { … }` in defineConfig({ … })",
      }),
    ];
  }
  const sections = providerConfigs();
  const topKeys = new Set([...CORE_KEYS, ...sections.map((section) => section.key)]);
  for (const key of Object.keys(config)) {
    if (!topKeys.has(key))
      issues.push(
        issue("E_SCHEMA", `config: unknown field "${key}"`, {
          hint: `known fields: ${[...topKeys].join(", ")}`,
        }),
      );
  }
  if (config.passUndeclared !== undefined && typeof config.passUndeclared !== "boolean")
    issues.push(issue("E_SCHEMA", "config: `passUndeclared` must be true or false"));
  const fields = config as unknown as Readonly<Record<string, unknown>>;
  for (const section of sections)
    if (Object.hasOwn(fields, section.key)) issues.push(...section.validate(fields[section.key]));
  issues.push(...checkAuditAndPii(fields));
  const seen = new Map<string, string>();
  for (const [name, spec] of Object.entries(config.variables)) {
    issues.push(...checkVariable(name, spec));
    for (const message of smokeSpecProblems(spec?.smoke, (other) =>
      Object.hasOwn(config.variables, other),
    ))
      issues.push(issue("E_SCHEMA", `${name}: ${message}`, { variable: name }));
    for (const other of Array.isArray(spec?.rotatesWith) ? spec.rotatesWith : [])
      if (!Object.hasOwn(config.variables, other))
        issues.push(
          issue("E_SCHEMA", `${name}: rotatesWith names ${other}, which is not in the schema`, {
            variable: name,
          }),
        );
    for (const envName of [spec.env ?? name, ...(spec.aliases ?? [])]) {
      const other = seen.get(envName);
      if (other !== undefined && other !== name) {
        issues.push(
          issue("E_SCHEMA", `${name}: the name ${envName} is also used by ${other}`, {
            variable: name,
          }),
        );
      }
      seen.set(envName, name);
    }
  }
  issues.push(...checkEnvironments(config));
  issues.push(...checkIdentityNames(config));
  return issues;
}

function checkVariable(name: string, spec: VariableSpec): Issue[] {
  const issues: Issue[] = [];
  const add = (message: string, hint?: string) =>
    issues.push(issue("E_SCHEMA", `${name}: ${message}`, { variable: name, hint }));
  if (spec === null || typeof spec !== "object")
    return [
      issue("E_SCHEMA", `${name}: expected a variable definition object`, { variable: name }),
    ];
  if (!ENV_NAME.test(name))
    add("variable names are letters, digits and _, not starting with a digit");
  const hasSchema = "schema" in spec && spec.schema !== undefined;
  if (hasSchema && !isStandardSchema(spec.schema))
    add("`schema` is not a Standard Schema validator (zod, valibot, arktype…)");
  if (hasSchema && spec.type !== undefined) add("declare either `type` or `schema`, not both");
  if (spec.type !== undefined && !TYPES.has(spec.type))
    add(`unknown type "${String(spec.type)}"`, `types: ${[...TYPES].join(", ")}`);
  const allowed = new Set([
    ...COMMON_KEYS,
    ...(TYPE_KEYS[spec.type ?? "string"] ?? []),
    ...(hasSchema ? ["schema"] : []),
  ]);
  for (const key of Object.keys(spec))
    if (!allowed.has(key))
      add(`unknown field "${key}" for type ${spec.type ?? (hasSchema ? "schema" : "string")}`);
  if (spec.pii !== undefined && typeof spec.pii !== "boolean") add("`pii` must be true or false");
  if (spec.pii === true && spec.public === true)
    add(
      "a variable cannot be both `pii` and `public`: public values are baked into front-end builds",
      "drop `public`: personal data is never published",
    );
  if (spec.secret === true && spec.public === true) {
    add(
      "a variable cannot be both `secret` and `public`: public values are baked into front-end builds",
      "drop `public`, or drop `secret` if the value is truly safe to publish",
    );
  }
  if (spec.env !== undefined && !ENV_NAME.test(spec.env))
    add("`env` must be a valid variable name");
  for (const alias of spec.aliases ?? [])
    if (!ENV_NAME.test(alias)) add(`alias "${alias}" is not a valid variable name`);
  for (const read of [name, spec.env, ...(spec.aliases ?? [])])
    if (typeof read === "string" && isCiIdentityVariable(read))
      add(
        `${read} is the CI job's OIDC identity request, never an application value`,
        "remove it from the schema; Strongbox's JWT login reads it, and a step of its own can give a program the job's token",
      );
  if (spec.type === "enum" && (!Array.isArray(spec.values) || spec.values.length === 0))
    add("an enum needs a non-empty `values` list");
  if (spec.type === "string" || spec.type === undefined) checkPattern(spec, add);
  if (
    !hasSchema &&
    spec.default !== undefined &&
    (spec.type !== "enum" || Array.isArray(spec.values))
  ) {
    const raw = defaultToRaw(spec);
    const result = raw === undefined ? undefined : coerceBuiltin(spec, raw);
    if (result !== undefined && !result.ok) add(`the default is not ${result.expected}`);
  }
  issues.push(...checkRefs(name, spec.ref));
  issues.push(...checkLifecycle(name, spec));
  return issues;
}

function checkPattern(spec: VariableSpec, add: (message: string) => void): void {
  if (!("pattern" in spec) || spec.pattern === undefined) return;
  try {
    new RegExp(spec.pattern, "u");
  } catch {
    add("`pattern` is not a valid regular expression");
  }
}

function checkRefs(name: string, ref: VariableSpec["ref"]): Issue[] {
  if (ref === undefined) return [];
  const texts = typeof ref === "string" ? [ref] : Object.values(ref);
  const issues: Issue[] = [];
  for (const text of texts) {
    try {
      const parsed = parseRef(text, name);
      const provider = providerFor(parsed.scheme);
      if (provider === undefined) {
        issues.push(
          issue("E_REF", `${name}: unknown reference scheme "${parsed.scheme}://"`, {
            variable: name,
            hint: `known schemes: ${knownSchemes().join(", ")} (see docs/references.md)`,
          }),
        );
      } else if (!/\{[a-z]+\}/.test(parsed.path)) {
        provider.validateRef(parsed, name);
      }
    } catch (error) {
      issues.push(
        issue("E_REF", (error as Error).message, {
          variable: name,
          hint: "see docs/references.md",
        }),
      );
    }
  }
  return issues;
}

/**
 * Every field the schema check knows, by place: the JSON Schema shipped in
 * `schema/` is tested against these lists so the two cannot drift.
 */
export const SCHEMA_FIELDS = {
  top: CORE_KEYS,
  variable: COMMON_KEYS,
  typed: TYPE_KEYS,
  environment: [...ENV_KEYS],
  audit: AUDIT_KEYS,
} as const;
