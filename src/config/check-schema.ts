import { AUDIT_SINKS } from "../audit/open-sink.js";
import { isProductionName } from "../environments/defaults.js";
import { type Issue, issue } from "../errors.js";
import {
  environmentConfigs,
  providerConfigs,
  providerFor,
  sourceKinds,
} from "../providers/registry.js";
import { parseRef } from "../refs/ref.js";
import { coerceBuiltin, defaultToRaw, parseDuration } from "../schema/coerce.js";
import { isStandardSchema } from "../schema/standard-schema.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
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
const ENV_KEYS = new Set([
  "description",
  "files",
  "secrets",
  "allowInlineSecrets",
  "allowSecretDefaults",
  "lifecycle",
  "credentialPrefix",
]);
/** The config's own top-level fields; providers add theirs (`vault`, `store`, …) through the registry. */
const CORE_KEYS = [
  "project",
  "variables",
  "environments",
  "defaultEnvironment",
  "audit",
  "piiFields",
];
const AUDIT_KEYS = ["sink", "file", "failClosed", "rotate", "checkpointEvery", "syslog"];

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
        hint: "export defineConfig({ variables: { … } })",
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
  const fields = config as unknown as Readonly<Record<string, unknown>>;
  for (const section of sections)
    if (Object.hasOwn(fields, section.key)) issues.push(...section.validate(fields[section.key]));
  issues.push(...checkAuditAndPii(fields));
  const seen = new Map<string, string>();
  for (const [name, spec] of Object.entries(config.variables)) {
    issues.push(...checkVariable(name, spec));
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
            hint: "known schemes: env, file, store, vault (see docs/references.md)",
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

function checkEnvironments(config: ConfigSpec): Issue[] {
  const issues: Issue[] = [];
  const environments = config.environments ?? {};
  for (const [name, spec] of Object.entries(environments)) {
    const add = (message: string, hint?: string) =>
      issues.push(issue("E_SCHEMA", `environments.${name}: ${message}`, { hint }));
    if (!/^[a-z0-9*][a-z0-9*_.-]*$/i.test(name))
      add("environment names are letters, digits, - _ . and * for globs");
    const providerSections = environmentConfigs();
    const fields = (spec ?? {}) as unknown as Readonly<Record<string, unknown>>;
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
    const prefix = fields.credentialPrefix;
    if (prefix !== undefined && (typeof prefix !== "string" || !/^[A-Z][A-Z0-9_]*_$/.test(prefix)))
      add(
        "credentialPrefix must be upper-case letters, digits and _, ending in _",
        `credentialPrefix: ${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_ reads ${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_VAULT_TOKEN`,
      );
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
      continue;
    }
    for (const source of spec?.secrets?.from ?? [])
      if (!sources.includes(source))
        add(`unknown secret source "${source}"`, `sources: ${sources.join(", ")}`);
    if (isProductionName(name) && spec?.allowSecretDefaults === true) {
      add(
        "secrets may never fall back to defaults in production",
        "remove allowSecretDefaults here",
      );
    }
    if (spec?.lifecycle !== undefined && spec.lifecycle !== "warn" && spec.lifecycle !== "enforce")
      add('lifecycle must be "warn" or "enforce"');
  }
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
  return issues;
}

/** The `audit` section and `piiFields`: shapes only; where records go is settled when a sink opens. */
function checkAuditAndPii(fields: Readonly<Record<string, unknown>>): Issue[] {
  const issues: Issue[] = [];
  const add = (message: string, hint?: string) =>
    issues.push(issue("E_SCHEMA", message, hint === undefined ? {} : { hint }));
  const pii = fields.piiFields;
  if (
    pii !== undefined &&
    (!Array.isArray(pii) || pii.some((name) => typeof name !== "string" || name === ""))
  )
    add("config: piiFields must be a list of field names", "piiFields: [email, name, phone]");
  const audit = fields.audit;
  if (audit === undefined) return issues;
  if (audit === null || typeof audit !== "object" || Array.isArray(audit)) {
    add("config: audit must be a map", "audit: { file: audit.jsonl }");
    return issues;
  }
  const spec = audit as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(spec))
    if (!AUDIT_KEYS.includes(key))
      add(`config: unknown field "audit.${key}"`, `known fields: ${AUDIT_KEYS.join(", ")}`);
  if (spec.sink !== undefined && !(AUDIT_SINKS as readonly string[]).includes(String(spec.sink)))
    add(`config: audit.sink "${String(spec.sink)}" is not one of ${AUDIT_SINKS.join(", ")}`);
  const syslog = spec.syslog as Readonly<Record<string, unknown>> | undefined;
  if (
    syslog !== undefined &&
    (syslog === null ||
      typeof syslog !== "object" ||
      (syslog.socket !== undefined && (typeof syslog.socket !== "string" || syslog.socket === "")))
  )
    add(
      "config: audit.syslog must be a map with a socket path",
      "audit: { syslog: { socket: /dev/log } }",
    );
  if (spec.file !== undefined && (typeof spec.file !== "string" || spec.file === ""))
    add("config: audit.file must be a path");
  const closed = spec.failClosed;
  if (
    closed !== undefined &&
    typeof closed !== "boolean" &&
    !(Array.isArray(closed) && closed.every((name) => typeof name === "string"))
  )
    add("config: audit.failClosed must be true, false or a list of environments");
  if (
    spec.checkpointEvery !== undefined &&
    !(Number.isInteger(spec.checkpointEvery) && (spec.checkpointEvery as number) > 0)
  )
    add("config: audit.checkpointEvery must be a positive whole number");
  const rotate = spec.rotate as Readonly<Record<string, unknown>> | undefined;
  if (rotate !== undefined) {
    if (rotate === null || typeof rotate !== "object")
      add(
        "config: audit.rotate must be a map",
        "audit: { rotate: { maxBytes: 67108864, maxAge: 7d } }",
      );
    else {
      if (
        rotate.maxBytes !== undefined &&
        !(Number.isInteger(rotate.maxBytes) && (rotate.maxBytes as number) > 0)
      )
        add("config: audit.rotate.maxBytes must be a positive whole number of bytes");
      if (rotate.maxAge !== undefined && !parseDuration(String(rotate.maxAge)).ok)
        add("config: audit.rotate.maxAge must be a duration such as 7d");
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
