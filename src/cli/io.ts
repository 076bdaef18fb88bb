import type { Writable } from "node:stream";
import type { Redactor } from "../redact/redactor.js";
import { redactMessage } from "../redact/registry.js";
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
 * What every message Strongbox prints goes through: every value the
 * process has read masked in every form ({@link redactMessage}), and
 * control characters (terminal escape sequences, a carriage return that
 * would overwrite the line) shown as escapes rather than acted on.
 */
export function printable(io: Pick<CliIo, "redactor">, text: string): string {
  const masked = redactMessage(io.redactor ? io.redactor.redact(text) : text);
  return showControls(masked);
}

/** Control characters other than newline and tab, spelled `\x1b`, `\r`, `\u009b`… */
export function showControls(text: string): string {
  return text.replace(CONTROLS, (char) => {
    if (char === "\r") return "\\r";
    const code = char.codePointAt(0) as number;
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** C0 and C1 controls but newline and tab, DEL, and the bidirectional overrides that reorder a line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Writes `text` to stderr, masked, with colour on a terminal and ASCII marks
 * where the locale is not UTF-8. Strongbox's own messages never go to stdout.
 */
export function say(io: CliIo, text: string): void {
  const masked = printable(io, text);
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
  io.stdout.write(`${redactMessage(io.redactor ? io.redactor.redact(text) : text)}\n`);
}
