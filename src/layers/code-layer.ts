import type { Issue } from "../errors.js";
import { isSafePlaceholder } from "../hygiene/placeholder.js";
import type { BuiltinType, VariableSpec } from "../schema/types.js";
import { readSettingsClasses, type SettingsField } from "./pydantic.js";
import { type LayerFile, layerIssue } from "./rules.js";

/** The code layer: the fields of the `BaseSettings` classes of one file (seed 000's `config.py`). */
export interface CodeLayer {
  readonly path: string;
  readonly fields: readonly SettingsField[];
}

/** Reads the code layer from a file's text, statically (no Python runs). */
export function readCodeLayer(file: LayerFile): CodeLayer {
  return { path: file.path, fields: readSettingsClasses(file.text).flatMap((c) => c.fields) };
}

/**
 * Seed 000's "never hardcode secrets in config.py defaults": a secret field
 * (by `SecretStr` or the schema) whose literal default looks real (a token
 * prefix, a real host, generated randomness). Local placeholders such as
 * `postgresql://postgres:postgres@localhost/app` pass. Never quotes the value.
 */
function hardCodedSecret(field: SettingsField, schemaSecret: boolean): string | undefined {
  if (!(field.secret || schemaSecret) || typeof field.default !== "string") return undefined;
  if (isSafePlaceholder(field.default)) return undefined;
  return `${field.envName} is a secret and its default in the code looks real; keep only a local placeholder there and the value in Vault or the store`;
}

/** Schema types a Python type may stand for: Pydantic is laxer than the schema, never stricter. */
const COMPATIBLE: Readonly<Record<BuiltinType, readonly BuiltinType[]>> = {
  string: ["string", "url", "enum", "duration", "json", "list", "port", "int", "number", "boolean"],
  url: ["url", "string"],
  int: ["int", "port"],
  number: ["number", "int", "port"],
  port: ["port", "int"],
  boolean: ["boolean"],
  enum: ["enum", "string"],
  json: ["json", "string"],
  duration: ["duration", "int", "number", "string"],
  list: ["list", "json", "string"],
};

/**
 * The code layer against the schema: every settings field is declared in the
 * schema, and every variable production gets from Vault (`mustRead`: a
 * template renders it or a vault:// ref reads it) has a field, as seed 000's
 * gate has "secrets.ctmpl variables ⊆ config.py fields"; a `SecretStr` field is a
 * secret in the schema; the field's type can hold what the schema's type
 * gives it. Names and places only, never values.
 */
export function codeLayerIssues(
  code: CodeLayer,
  byEnvName: ReadonlyMap<string, [string, VariableSpec]>,
  mustRead: (name: string, spec: VariableSpec) => boolean,
): { issues: Issue[]; missingInCode: string[]; missingInSchema: string[] } {
  const issues: Issue[] = [];
  const missingInSchema: string[] = [];
  const fields = new Map(code.fields.map((field) => [field.envName, field]));
  for (const field of code.fields) {
    const where = `${code.path}:${field.line}`;
    const declared = byEnvName.get(field.envName);
    if (declared === undefined) {
      missingInSchema.push(field.envName);
      issues.push(
        layerIssue(
          "code-orphan",
          `${where}: ${field.envName} (field ${field.field}) is in the settings class but not declared in the schema`,
          field.envName,
        ),
      );
      continue;
    }
    const [name, spec] = declared;
    const hardCoded = hardCodedSecret(field, spec.secret === true);
    if (hardCoded) issues.push(layerIssue("code-secret-default", `${where}: ${hardCoded}`, name));
    if (field.secret && spec.secret !== true)
      issues.push(
        layerIssue(
          "code-secret",
          `${where}: ${field.envName} is ${field.annotation} in the code but not a secret in the schema; add secret: true`,
          name,
        ),
      );
    const schemaType =
      "schema" in spec && spec.schema !== undefined ? undefined : (spec.type ?? "string");
    if (schemaType !== undefined && !field.secret && !COMPATIBLE[field.type].includes(schemaType))
      issues.push(
        layerIssue(
          "code-type",
          `${where}: ${field.envName} is ${field.annotation} in the code but ${schemaType} in the schema`,
          name,
        ),
      );
  }
  const missingInCode: string[] = [];
  for (const [envName, [name, spec]] of byEnvName) {
    if (fields.has(envName) || !mustRead(name, spec)) continue;
    missingInCode.push(envName);
    issues.push(
      layerIssue(
        "code-missing",
        `${code.path}: ${envName} is read from Vault in production but no settings field reads it`,
        name,
      ),
    );
  }
  return { issues, missingInCode, missingInSchema };
}
