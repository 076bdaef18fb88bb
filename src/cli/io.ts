import type { Writable } from "node:stream";
import type { Redactor } from "../redact/redactor.js";
import { asciiOnly, decorate, useColour } from "./style.js";

/** Everything a command touches of the outside world; tests pass their own. */
export interface CliIo {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Masks known secrets in anything Strongbox itself prints; set once values are resolved. */
  redactor?: Redactor;
}

/**
 * Writes `text` to stderr, masked, with colour on a terminal and ASCII marks
 * where the locale is not UTF-8. Strongbox's own messages never go to stdout.
 */
export function say(io: CliIo, text: string): void {
  const masked = io.redactor ? io.redactor.redact(text) : text;
  io.stderr.write(
    `${decorate(masked, { colour: useColour(io.env, io.stderr), ascii: asciiOnly(io.env) })}\n`,
  );
}

/**
 * Prints a command's data as JSON in the one shape every `--json` output
 * has: `ok`, `issues` (each with `code`, `message`, maybe `variable`,
 * `rule` and `hint`), then the command's own fields (a value that is not an
 * object goes under `data`). Masked like everything Strongbox prints.
 */
export function writeJson(io: CliIo, body: unknown, ok = true): void {
  const fields =
    body !== null && typeof body === "object" && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : { data: body };
  const text = JSON.stringify({ ok, issues: [], ...fields }, null, 2);
  io.stdout.write(`${io.redactor ? io.redactor.redact(text) : text}\n`);
}
