import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseDotenv } from "../dotenv/parse.js";
import { isSafePlaceholder } from "../hygiene/placeholder.js";
import type { BuiltinType } from "../schema/types.js";

/** One variable as `init --from` guesses it from a `.env` line. */
export interface ScaffoldedVariable {
  readonly name: string;
  readonly type: BuiltinType;
  readonly secret: boolean;
  /** Kept for a plain variable (its value becomes the local default); never for a secret. */
  readonly default?: string | number | boolean;
  readonly description?: string;
}

/** Names that say "secret" in the conventions teams use. */
const SECRET_NAME =
  /(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|(^|_)KEY$|(^|_)DSN$|AUTH|SALT|SIGNING|WEBHOOK)/i;

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
    const secret =
      SECRET_NAME.test(entry.key) || !isSafePlaceholder(entry.value) || hasCredentials(entry.value);
    const type = typeOf(entry.key, entry.value);
    const description = commentAbove(lines, entry.line);
    const value = typed(type, entry.value);
    return {
      name: entry.key,
      type,
      secret,
      ...(secret || entry.value === "" ? {} : { default: value }),
      ...(description === undefined ? {} : { description }),
    };
  });
}

/** `strongbox.config.yaml` text for scaffolded variables, with the line that lets editors check it. */
export function scaffoldYaml(variables: readonly ScaffoldedVariable[], source: string): string {
  const body: Record<string, Record<string, unknown>> = {};
  for (const variable of variables)
    body[variable.name] = {
      ...(variable.type === "string" ? {} : { type: variable.type }),
      ...(variable.secret ? { secret: true } : {}),
      ...(variable.default === undefined ? {} : { default: variable.default }),
      ...(variable.description === undefined ? {} : { description: variable.description }),
    };
  return `# yaml-language-server: $schema=./node_modules/strongbox/schema/strongbox.config.schema.json
# Written by \`strongbox init --from ${source}\`: check the types and the secret flags.
${stringify({ variables: body }, { flowCollectionPadding: true, collectionStyle: "any" })}`;
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

function hasCredentials(value: string): boolean {
  try {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) && new URL(value).password !== "";
  } catch {
    return false;
  }
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
