import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseDotenv } from "../dotenv/parse.js";
import { looksLikeCredential } from "../hygiene/placeholder.js";
import { vaultProvider } from "../providers/vault/index.js";
import { isSecretName } from "../schema/looks-secret.js";
import type { DeclaredSetting } from "../schema/settings-field.js";
import type { BuiltinType } from "../schema/types.js";
import { isCredentialVariable } from "../security/credentials.js";

/** One variable as `init --from` guesses it from a `.env` line. */
export interface ScaffoldedVariable {
  readonly name: string;
  readonly type: BuiltinType;
  readonly secret: boolean;
  /** Kept for a plain variable (its value becomes the local default); never for a secret. */
  readonly default?: string | number | boolean;
  readonly description?: string;
  /** `[VAULT]` in the comment above: production reads it from Vault (seed 000's marker). */
  readonly vault?: boolean;
  /** May be unset (`Optional[...] = None` in a settings class). */
  readonly optional?: boolean;
  /** The allowed values of an `enum`. */
  readonly values?: readonly string[];
}

/**
 * A secret by name (the one name rule, schema/looks-secret.ts, or the
 * credential rule) or by value (a token shape, a URL with a password,
 * generated randomness), never by a word buried in a longer name.
 */
export function scaffoldSecret(name: string, value: string): boolean {
  return isSecretName(name) || isCredentialVariable(name) || looksLikeCredential(value);
}

/**
 * Guesses a schema from a `.env` or `.env.example`: a type from each value
 * (boolean, port for `*PORT`, int, number, duration, url, else string), a
 * secret flag from the name or the value (a credential in a URL, a token
 * prefix, randomness), the value as the local default of plain variables
 * (never of a secret), and the comment above a line as its description.
 * What it guesses is shown for review before anything is written.
 */
export function scaffoldVariables(text: string, source: string): ScaffoldedVariable[] {
  const parsed = parseDotenv(text, { source });
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  return parsed.entries.map((entry) => {
    const secret = scaffoldSecret(entry.key, entry.value);
    const type = typeOf(entry.key, entry.value);
    const description = commentAbove(lines, entry.line);
    const value = typed(type, entry.value);
    return {
      name: entry.key,
      type,
      secret,
      ...(secret || entry.value === "" ? {} : { default: value }),
      ...(description === undefined ? {} : { description }),
      ...(markedVault(lines, entry.line) ? { vault: true } : {}),
    };
  });
}

/**
 * A schema from a Pydantic settings class's fields: the env name, the type,
 * `SecretStr` (or a secret's name) as the secret flag, a literal default of
 * a plain field as its default (never a secret's), `Optional`/`None` as
 * optional, `Literal[...]` as an enum.
 */
export function scaffoldFromSettings(fields: readonly DeclaredSetting[]): ScaffoldedVariable[] {
  return fields.map((field) => {
    const secret =
      field.secret || isSecretName(field.envName) || isCredentialVariable(field.envName);
    const value = field.default;
    const keep = !secret && value !== undefined && value !== null && value !== "";
    const type = field.type === "enum" && field.values === undefined ? "string" : field.type;
    return {
      name: field.envName,
      type,
      secret,
      ...(keep ? { default: value } : {}),
      ...(field.description === undefined ? {} : { description: field.description }),
      ...(field.optional || (field.hasDefault && (value === null || value === ""))
        ? { optional: true }
        : {}),
      ...(type === "enum" && field.values !== undefined ? { values: field.values } : {}),
    };
  });
}

/**
 * `strongbox.config.yaml` text for scaffolded variables, with the line that
 * lets editors check it. A `[VAULT]` variable reads production from the path
 * convention `secret/{project}/{env}/app`, so the project is named (`project`,
 * default the directory's name) when any is marked.
 */
export function scaffoldYaml(
  variables: readonly ScaffoldedVariable[],
  source: string,
  project?: string,
): string {
  const body: Record<string, Record<string, unknown>> = {};
  for (const variable of variables)
    body[variable.name] = {
      ...(variable.type === "string" ? {} : { type: variable.type }),
      ...(variable.values === undefined ? {} : { values: [...variable.values] }),
      ...(variable.secret ? { secret: true } : {}),
      ...(variable.optional === true ? { required: false } : {}),
      ...(variable.default === undefined ? {} : { default: variable.default }),
      ...(variable.description === undefined ? {} : { description: variable.description }),
      ...(variable.vault === true
        ? {
            ref: {
              production: `${vaultProvider.scheme}://secret/{project}/{env}/app#${variable.name}`,
            },
          }
        : {}),
    };
  const named = variables.some((variable) => variable.vault === true) && project !== undefined;
  return `# yaml-language-server: $schema=./node_modules/strongbox/schema/strongbox.config.schema.json
# Written by \`strongbox init --from ${source}\`: check the types and the secret flags.
${stringify({ ...(named ? { project } : {}), variables: body }, { flowCollectionPadding: true, collectionStyle: "any" })}`;
}

/** The `.gitignore` lines a project with `.env` files and a store needs, of those it lacks. */
export function missingGitignoreLines(dir: string): string[] {
  const path = join(dir, ".gitignore");
  const present = existsSync(path)
    ? readFileSync(path, "utf8")
        .split(/\r?\n/)
        .map((line) => line.trim())
    : [];
  return [".env", ".env.*", "!.env.example"].filter((line) => !present.includes(line));
}

function typeOf(name: string, value: string): BuiltinType {
  const text = value.trim();
  if (text === "") return "string";
  if (/^(true|false)$/i.test(text)) return "boolean";
  if (/^\d+$/.test(text))
    return /PORT$/i.test(name) && Number(text) >= 1 && Number(text) <= 65535 ? "port" : "int";
  if (/^-?\d+\.\d+$/.test(text) || /^-\d+$/.test(text)) return "number";
  if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return "duration";
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(text)) return "url";
  return "string";
}

function typed(type: BuiltinType, value: string): string | number | boolean {
  if (type === "boolean") return value.trim().toLowerCase() === "true";
  if (type === "int" || type === "port" || type === "number") return Number(value.trim());
  return value;
}

/** `[VAULT]` in the comment block right above a 1-based line (as `check --layers` reads it). */
function markedVault(lines: readonly string[], line: number): boolean {
  for (let i = line - 2; i >= 0 && (lines[i] ?? "").trimStart().startsWith("#"); i--)
    if ((lines[i] ?? "").includes("[VAULT]")) return true;
  return false;
}

function commentAbove(lines: readonly string[], line: number): string | undefined {
  const above = lines[line - 2]?.trim();
  if (above === undefined || !above.startsWith("#")) return undefined;
  const text = above
    .replace(/^#+\s*/, "")
    .replace(/\s*\[VAULT\]\s*/g, " ")
    .trim();
  return text === "" ? undefined : text;
}
