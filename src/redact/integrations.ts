import { randomBytes } from "node:crypto";
import { StrongboxError } from "../errors.js";
import type { LogRedactor } from "./log-redactor.js";

/** A log call's arguments with strings scrubbed and objects copied with PII fields masked. */
function scrubArgs(redactor: LogRedactor, args: readonly unknown[]): unknown[] {
  return args.map((arg) => (typeof arg === "string" ? redactor.text(arg) : redactor.value(arg)));
}

/** pino's own top-level keys: never taken for personal data (`name` is the logger's name). */
const PINO_KEYS = new Set(["level", "time", "pid", "hostname", "name", "msg", "v"]);

/**
 * Options to spread into `pino({...})`: `hooks.streamWrite` scrubs each line
 * pino has serialised, just before it goes to the destination, so the
 * message, its interpolated values, the merging object, child-logger
 * bindings and serialised errors all pass through the redactor, whatever
 * path they took inside pino. pino's own keys (`level`, `time`, `name`, …)
 * are not field-masked; their strings are still scrubbed. No pino import:
 * the shape is pino's documented option.
 *
 * @example
 * const log = pino({ ...pinoRedaction(redactor) });
 */
export function pinoRedaction(redactor: LogRedactor): {
  hooks: { streamWrite(line: string): string };
} {
  return {
    hooks: {
      streamWrite(line) {
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          return redactor.text(line); // not JSON (a custom serialiser): scrub it as text
        }
        if (record === null || typeof record !== "object" || Array.isArray(record))
          return redactor.text(line);
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(record)) {
          const scrubbed =
            PINO_KEYS.has(key) || !redactor.isPiiField(key)
              ? redactor.value(value)
              : redactor.value({ [key]: value })[key];
          Object.defineProperty(out, key, { value: scrubbed, enumerable: true });
        }
        return `${JSON.stringify(out)}\n`;
      },
    },
  };
}

/** The `info` object winston passes through its formats. */
type WinstonInfo = Record<string | symbol, unknown>;

/**
 * A winston format (any object with `transform` is one): scrubs every field
 * of the log entry, and the already-formatted line when it is placed after
 * `format.json()` or `format.printf()`. Winston's own symbol fields (level,
 * splat) are kept; `splat` arguments are scrubbed too.
 *
 * @example
 * winston.createLogger({ format: format.combine(winstonRedaction(redactor), format.json()) });
 */
export function winstonRedaction(redactor: LogRedactor): {
  transform<T extends object>(info: T): T;
} {
  const MESSAGE = Symbol.for("message");
  const SPLAT = Symbol.for("splat");
  return {
    transform<T extends object>(given: T): T {
      const info = given as WinstonInfo;
      for (const key of Object.keys(info)) {
        if (key === "level") continue;
        const field = info[key];
        info[key] =
          redactor.isPiiField(key) && field !== undefined && field !== null
            ? redactor.value({ [key]: field })[key]
            : typeof field === "string"
              ? redactor.text(field)
              : redactor.value(field);
      }
      const splat = info[SPLAT];
      if (Array.isArray(splat)) info[SPLAT] = scrubArgs(redactor, splat);
      const line = info[MESSAGE];
      if (typeof line === "string") info[MESSAGE] = redactor.text(line);
      return given;
    },
  };
}

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug", "trace"] as const;

/**
 * Scrubs what `console.log` and its siblings print, for code that logs with
 * `console`. Returns the function that restores the originals.
 */
export function patchConsole(
  redactor: LogRedactor,
  target: Pick<Console, (typeof CONSOLE_METHODS)[number]> = console,
): () => void {
  const originals = CONSOLE_METHODS.map((name) => [name, target[name]] as const);
  for (const [name, original] of originals)
    target[name] = (...args: unknown[]) => original.apply(target, scrubArgs(redactor, args));
  return () => {
    for (const [name, original] of originals) target[name] = original;
  };
}

/** What an HTTP handler may send back for an error, and the id that finds it in the server's log. */
export interface ClientSafeError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Correlates the response with the full (scrubbed) error in the server's own log. */
  readonly id: string;
}

/** Codes a client should see as "try again later" rather than "the server broke". */
const UNAVAILABLE = new Set([
  "E_VAULT_UNREACHABLE",
  "E_VAULT_SEALED",
  "E_VAULT_RATE_LIMITED",
  "E_PROVIDER_UNAVAILABLE",
  "E_AUDIT",
]);

/**
 * Turns an error into what a client may see: a Strongbox error or one marked
 * `expose: true` (the `http-errors` convention) keeps its code and its
 * message, scrubbed; any other error becomes `internal error` (its message
 * can hold anything: a row, an email, a query). The status is the error's
 * own `status` for exposed errors, 503 for an unavailable secret source,
 * else 500. Log the original with the same redactor and the returned `id`.
 */
export function clientSafeError(error: unknown, redactor: LogRedactor): ClientSafeError {
  const id = randomBytes(8).toString("hex");
  const candidate = error as { status?: unknown; expose?: unknown; code?: unknown } | undefined;
  if (error instanceof StrongboxError)
    return {
      status: UNAVAILABLE.has(error.code) ? 503 : 500,
      code: error.code,
      message: redactor.text(error.message),
      id,
    };
  if (error instanceof Error && candidate?.expose === true) {
    const status = Number(candidate.status);
    return {
      status: Number.isInteger(status) && status >= 400 && status < 600 ? status : 500,
      code: typeof candidate.code === "string" ? candidate.code : "E_REQUEST",
      message: redactor.text(error.message),
      id,
    };
  }
  return { status: 500, code: "E_INTERNAL", message: "internal error", id };
}
