import { randomUUID } from "node:crypto";
import { StrongboxError } from "../errors.js";

/** Name → value pairs in output order. */
export type Pairs = ReadonlyArray<readonly [string, string]>;

/** An option of the command line that one format reads (`--github-env` for github). */
export interface FormatOption {
  readonly type: "string" | "boolean";
  /** Its line under "Options:" in `export --help`. */
  readonly help: string;
}

/**
 * One output format: its help (the lines after its name in `export --help`),
 * the command-line options only it reads, and how it renders name → value
 * pairs. Adding a format is adding one record to {@link FORMAT_RECORDS}.
 */
export interface FormatRecord {
  readonly help: readonly string[];
  readonly options?: Readonly<Record<string, FormatOption>>;
  /** Renders `pairs` (names already checked); throws `E_FORMAT` naming a variable it cannot carry. */
  render(pairs: Pairs, options: FormatOptions): string;
}

/** Renders `pairs` in `format`. Throws `E_FORMAT` naming the variable a format cannot carry. */
export interface FormatOptions {
  /** The Kubernetes Secret's name. */
  readonly name?: string;
  /** Randomness for heredoc delimiters; injectable for golden tests. */
  readonly delimiter?: () => string;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN = /^[A-Za-z0-9_./:@%+,-]*$/;

/** The formats `export` knows, in the order its help lists them. */
export const FORMAT_RECORDS = {
  dotenv: {
    help: [
      "KEY=value lines our parser, dotenv and Compose read back unchanged: a",
      "value quoted only when it needs it ('single', or \"double\" with escapes",
      "when it holds a ' or a line break)",
    ],
    render: (pairs) => lines(pairs, (key, value) => `${key}=${dotenvQuote(value)}`),
  },
  json: {
    help: ["one JSON object of strings"],
    render: (pairs) => `${JSON.stringify(Object.fromEntries(pairs), null, 2)}\n`,
  },
  shell: {
    help: [`export KEY='value' lines: eval "$(strongbox export --format shell)"`],
    render: (pairs) => lines(pairs, (key, value) => `export ${key}=${shellQuote(value)}`),
  },
  docker: {
    help: [
      "KEY=value lines for docker run --env-file (values taken verbatim;",
      "a value with a line break is refused)",
    ],
    render: (pairs) =>
      lines(pairs, (key, value) => {
        if (/[\r\n]/.test(value)) {
          throw formatError(
            key,
            "docker",
            "docker env files cannot hold a line break",
            "use --format dotenv with Compose's env_file, or json",
          );
        }
        return `${key}=${value}`;
      }),
  },
  yaml: {
    help: ['KEY: "value" lines'],
    // JSON strings are valid YAML scalars and quote everything that needs it.
    render: (pairs) => lines(pairs, (key, value) => `${key}: ${JSON.stringify(value)}`),
  },
  systemd: {
    help: ['KEY="value" lines for EnvironmentFile= (no line breaks)'],
    render: (pairs) =>
      lines(pairs, (key, value) => {
        if (/[\r\n]/.test(value))
          throw formatError(
            key,
            "systemd",
            "systemd EnvironmentFile values cannot hold a line break",
            "use LoadCredential= or a file:// secret instead",
          );
        return `${key}="${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
      }),
  },
  github: {
    help: [
      "two streams: ::add-mask:: lines for every secret on stdout (the",
      "runner masks them in the log), and NAME<<DELIMITER heredocs",
      "appended to the file in $GITHUB_ENV (or --github-env PATH).",
      "Run it as is, without redirecting stdout into $GITHUB_ENV",
    ],
    options: {
      "github-env": {
        type: "string",
        help: "--github-env PATH with --format github: where the values go (default $GITHUB_ENV)",
      },
    },
    render: (pairs, options) => formatGithub(pairs, options),
  },
  kubernetes: {
    help: ["a Secret manifest (type Opaque, base64 data); --name sets its name"],
    render: (pairs, options) => formatKubernetes(pairs, options.name ?? "app-secrets"),
  },
  direnv: {
    help: [`export lines for .envrc: eval "$(strongbox export --format direnv)"`],
    render: (pairs) => lines(pairs, (key, value) => `export ${key}=${shellQuote(value)}`),
  },
} as const satisfies Readonly<Record<string, FormatRecord>>;

export type Format = keyof typeof FORMAT_RECORDS;

/** The output formats `export` knows. */
export const FORMATS = Object.keys(FORMAT_RECORDS) as readonly Format[];

/** Whether `name` is a format `export` knows. */
export function isFormat(name: string): name is Format {
  return Object.hasOwn(FORMAT_RECORDS, name);
}

export function formatPairs(pairs: Pairs, format: Format, options: FormatOptions = {}): string {
  for (const [key] of pairs) {
    if (!KEY.test(key)) throw formatError(key, format, "the name is not a valid variable name");
  }
  const record: FormatRecord = FORMAT_RECORDS[format];
  return record.render(pairs, options);
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
