import { randomUUID } from "node:crypto";
import { StrongboxError } from "../errors.js";

/** Name → value pairs in output order. */
export type Pairs = ReadonlyArray<readonly [string, string]>;

/** The output formats `export` knows. */
export const FORMATS = [
  "dotenv",
  "json",
  "shell",
  "docker",
  "yaml",
  "systemd",
  "github",
  "kubernetes",
  "direnv",
] as const;
export type Format = (typeof FORMATS)[number];

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN = /^[A-Za-z0-9_./:@%+,-]*$/;

/** Renders `pairs` in `format`. Throws `E_FORMAT` naming the variable a format cannot carry. */
export interface FormatOptions {
  /** The Kubernetes Secret's name. */
  readonly name?: string;
  /** Randomness for heredoc delimiters; injectable for golden tests. */
  readonly delimiter?: () => string;
}

export function formatPairs(pairs: Pairs, format: Format, options: FormatOptions = {}): string {
  for (const [key] of pairs) {
    if (!KEY.test(key)) throw formatError(key, format, "the name is not a valid variable name");
  }
  switch (format) {
    case "json":
      return `${JSON.stringify(Object.fromEntries(pairs), null, 2)}\n`;
    case "dotenv":
      return lines(pairs, (key, value) => `${key}=${dotenvQuote(value)}`);
    case "shell":
      return lines(pairs, (key, value) => `export ${key}=${shellQuote(value)}`);
    case "docker":
      return lines(pairs, (key, value) => {
        if (/[\r\n]/.test(value)) {
          throw formatError(
            key,
            format,
            "docker env files cannot hold a line break",
            "use --format dotenv with Compose's env_file, or json",
          );
        }
        return `${key}=${value}`;
      });
    case "yaml":
      // JSON strings are valid YAML scalars and quote everything that needs it.
      return lines(pairs, (key, value) => `${key}: ${JSON.stringify(value)}`);
    case "systemd":
      return lines(pairs, (key, value) => {
        if (/[\r\n]/.test(value))
          throw formatError(
            key,
            format,
            "systemd EnvironmentFile values cannot hold a line break",
            "use LoadCredential= or a file:// secret instead",
          );
        return `${key}="${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
      });
    case "github":
      return formatGithub(pairs, options);
    case "kubernetes":
      return formatKubernetes(pairs, options.name ?? "app-secrets");
    case "direnv":
      return lines(pairs, (key, value) => `export ${key}=${shellQuote(value)}`);
  }
}

/**
 * GitHub Actions, the environment-file half: `NAME<<DELIMITER` heredocs for
 * the file named by `$GITHUB_ENV`, with a random delimiter the value cannot
 * contain. The masks go elsewhere ({@link githubMasks}): the runner reads
 * `::add-mask::` only from a step's output, and a line of any other shape in
 * the env file fails the step.
 */
function formatGithub(pairs: Pairs, options: FormatOptions): string {
  return pairs
    .map(([key, value]) => {
      // The runner ends the value at the line break before the delimiter, CR LF included: a
      // value ending in CR would come back without it, a different value.
      if (value.endsWith("\r"))
        throw formatError(
          key,
          "github",
          "a value ending in a carriage return cannot be written to $GITHUB_ENV (the runner drops it)",
          "remove the trailing carriage return from the value",
        );
      let delimiter = options.delimiter?.() ?? `ghadelimiter_${randomUUID()}`;
      while (value.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
      return `${key}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join("");
}

/**
 * GitHub Actions, the output half: `::add-mask::` workflow commands for every
 * secret, printed on the step's stdout before the values reach `$GITHUB_ENV`.
 * A multi-line value is masked whole and line by line (the runner masks each
 * log line apart, splitting at CR, LF and CR LF); blank lines are skipped,
 * since masking a space would mask every space of the log.
 */
export function githubMasks(pairs: Pairs, secrets: ReadonlySet<string>): string {
  return pairs
    .flatMap(([key, value]) => {
      if (!secrets.has(key)) return [];
      const lines = value.split(/\r\n|\r|\n/);
      const masks = lines.length > 1 ? [value, ...lines] : lines;
      return [...new Set(masks.filter((mask) => mask.trim() !== ""))].map(
        (mask) => `::add-mask::${escapeCommandData(mask)}\n`,
      );
    })
    .join("");
}

/**
 * A workflow command's data, escaped as `@actions/core` does: the runner
 * reads `%25`, `%0D` and `%0A` back as `%`, CR and LF, so a raw `%25` in a
 * value would register a different mask, and a raw line break would end the
 * command (and start another).
 */
export function escapeCommandData(data: string): string {
  return data.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A Kubernetes `Secret` manifest (type Opaque) with base64 `data`. */
function formatKubernetes(pairs: Pairs, name: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name))
    throw formatError(
      name,
      "kubernetes",
      "not a valid Kubernetes object name",
      "use lower-case letters, digits, - and .",
    );
  const data = pairs
    .map(([key, value]) => `  ${key}: "${Buffer.from(value, "utf8").toString("base64")}"\n`)
    .join("");
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\ntype: Opaque\ndata:\n${data}`;
}

function lines(pairs: Pairs, line: (key: string, value: string) => string): string {
  return pairs.map(([key, value]) => `${line(key, value)}\n`).join("");
}

/**
 * Quotes for `.env` readers (ours, dotenv, Compose): plain text stays bare, text
 * without `'` or line breaks goes in single quotes (literal everywhere, no `$`
 * expansion), anything else in double quotes with backslash escapes.
 */
export function dotenvQuote(value: string): string {
  if (value !== "" && PLAIN.test(value)) return value;
  if (!/['\r\n]/.test(value)) return `'${value}'`;
  const escaped = value.replace(/[\\"$\n\r\t]/g, (char) => DOUBLE_ESCAPES[char] ?? char);
  return `"${escaped}"`;
}

const DOUBLE_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  $: "\\$",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** POSIX shell single quoting: nothing inside is interpreted; `'` becomes `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function formatError(key: string, format: Format, why: string, hint?: string): StrongboxError {
  return new StrongboxError("E_FORMAT", `${key}: cannot write in ${format} format: ${why}`, {
    variable: key,
    hint: hint ?? "rename the variable to letters, digits and _",
  });
}

/**
 * Reads a Docker `--env-file`: `KEY=value` with the value taken verbatim (Docker
 * applies no quoting), `#` lines are comments. The inverse of the docker format.
 */
export function parseDockerEnvFile(text: string): Pairs {
  const pairs: Array<readonly [string, string]> = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const eq = trimmed.indexOf("=");
    if (eq > 0) pairs.push([trimmed.slice(0, eq), trimmed.slice(eq + 1)]);
  }
  return pairs;
}
