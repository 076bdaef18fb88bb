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
