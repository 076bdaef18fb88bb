import { writeSync } from "node:fs";
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
  /**
   * Masks known secrets in a child's output (`run`); set once values are
   * resolved, from the registry. Strongbox's own messages are masked by the
   * registry itself ({@link printable}), which spares its own identifiers.
   */
  redactor?: Redactor;
  /** `--quiet`: {@link say} drops notices, hints and progress; data, warnings and errors stay. */
  readonly quiet?: boolean;
  /** `--debug`: errors carry their code, exit status and cause chain (class names, never values). */
  readonly debug?: boolean;
}

const guarded = new WeakSet<Writable>();

/**
 * Makes a reader that went away (`strongbox export | head -1`, EPIPE) end
 * Strongbox's output quietly instead of crashing with a stack trace, as a
 * program killed by SIGPIPE does in a shell pipeline: the stream is closed,
 * what follows is dropped, the command's status stands. Any other write
 * error is still thrown. Once per stream; returns `stream`.
 */
export function quietOnBrokenPipe<S extends Writable>(stream: S): S {
  if (guarded.has(stream)) return stream;
  guarded.add(stream);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  return stream;
}

/**
 * What every message Strongbox prints goes through: every value the
 * process has read masked in every form ({@link redactMessage}), and
 * control characters (terminal escape sequences, a carriage return that
 * would overwrite the line) shown as escapes rather than acted on.
 */
export function printable(_io: Pick<CliIo, "redactor">, text: string): string {
  return showControls(redactMessage(text));
}

/** Control characters other than newline and tab, spelled `\x1b`, `\r`, `\u009b`… */
export function showControls(text: string): string {
  return text.replace(CONTROLS, spellControl);
}

/**
 * {@link showControls} with newline and tab spelled too (`\n`, `\t`): for a
 * field inside one line of a report (a file name), which must not start a
 * line a reader takes for Strongbox's.
 */
export function showControlsInLine(text: string): string {
  return text.replace(CONTROLS_AND_BREAKS, spellControl);
}

function spellControl(char: string): string {
  if (char === "\r") return "\\r";
  if (char === "\n") return "\\n";
  if (char === "\t") return "\\t";
  const code = char.codePointAt(0) as number;
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : code <= 0xffff
      ? `\\u${code.toString(16).padStart(4, "0")}`
      : `\\u{${code.toString(16)}}`;
}

/**
 * Every character that is not text a reader sees: controls (Unicode category Cc: C0 but
 * newline and tab, DEL, C1), format characters (Cf: the bidirectional marks, embeddings,
 * overrides and isolates, U+061C, zero-width characters, U+FEFF, soft hyphen…) and the
 * line and paragraph separators (Zl, Zp), which some terminals and viewers act on.
 * By category, not by list, so a character Unicode adds to one is covered.
 */
const CONTROLS = /(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const CONTROLS_AND_BREAKS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Prints a report (a table, a list, a description: text built from names,
 * metadata, server answers and messages, never a value printed on purpose)
 * on stdout, through {@link printable} like every message. Values a command
 * prints as its data go through {@link writeData} instead.
 */
export function writeReport(io: CliIo, text: string): void {
  io.stdout.write(printable(io, text));
}

/**
 * Prints what a command exists to output, unchanged: a value (`get`,
 * `generate-secret`), a rendered file (`render`, `export`, `generate`,
 * `init`), a shell script (`completion`). The only stdout path that is not
 * masked; the architecture test lists its callers.
 */
export function writeData(io: CliIo, data: string | Uint8Array): void {
  io.stdout.write(data);
}

/**
 * Writes a line Strongbox draws on a terminal itself (a spinner, a progress
 * count, a prompt): `control` is Strongbox's own escape sequence (carriage
 * return, erase line, bracketed paste), `text` passes {@link printable}.
 */
export function writeTerminal(io: CliIo, text: string, control = { before: "", after: "" }): void {
  io.stderr.write(`${control.before}${printable(io, text)}${control.after}`);
}

/** An agent log line on stderr: text through {@link printable}, JSON through {@link jsonText}. */
export function writeLogLine(io: CliIo, line: string | Record<string, unknown>): void {
  io.stderr.write(
    `${typeof line === "string" ? printable(io, line) : jsonText(io, JSON.stringify(line))}\n`,
  );
}

/**
 * Writes `text` to stderr, masked, with colour on a terminal and ASCII marks
 * where the locale is not UTF-8. Strongbox's own messages never go to stdout.
 */
export function say(io: CliIo, text: string): void {
  // The one place --quiet is held: every notice leaves here. What a user must see stays, by
  // the house spelling of its kind: a `strongbox[ cmd]: warning:`/`error:` line and a finding
  // (a line starting `✗`), as does what goes through {@link sayAlways} (rendered errors).
  if (io.quiet === true && !KEPT_WHEN_QUIET.test(text)) return;
  sayAlways(io, text);
}

/** A warning, an error or a finding: what `--quiet` never drops. */
const KEPT_WHEN_QUIET = /^(?:strongbox(?: [a-z-]+)?: (?:warning|error):|\s*✗ )/;

/** {@link say} for what `--quiet` keeps: errors, warnings and what a user was asked for. */
export function sayAlways(io: CliIo, text: string): void {
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
  writeJsonText(io, JSON.stringify({ ok, issues: [], ...fields }, null, 2));
}

/** Prints serialized JSON on stdout through {@link jsonText}. */
export function writeJsonText(io: CliIo, text: string): void {
  io.stdout.write(`${jsonText(io, text)}\n`);
}

/**
 * Audit records on a standard stream (`audit.sink: stdout|stderr`): JSON
 * lines through {@link jsonText} like every JSON Strongbox prints (a record
 * holds no value, so ordinary records pass byte for byte), written
 * synchronously so a record is out before the access it records goes on.
 * Unlike printed output, a reader that went away (EPIPE) is not quiet here:
 * the error is thrown, and the audit sink reports the lost record as
 * `E_AUDIT` (refused where the audit fails closed).
 */
export function writeAuditRecords(fd: 1 | 2, text: string): void {
  const lines = text.split("\n");
  const bytes = Buffer.from(
    lines.map((line) => (line === "" ? line : jsonText({}, line))).join("\n"),
  );
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
}

/**
 * JSON as Strongbox prints it: masked like every message, and with every
 * character {@link showControls} escapes spelled `\uXXXX` (JSON.stringify
 * leaves the bidirectional controls, U+2028 and U+2029 raw), so the text is
 * the same JSON and inert on a terminal.
 */
function jsonText(_io: Pick<CliIo, "redactor">, text: string): string {
  return redactMessage(text).replace(
    CONTROLS,
    // Per UTF-16 unit: a character beyond U+FFFF (the tag characters) becomes its surrogate pair.
    (char) =>
      [...Array(char.length).keys()]
        .map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`)
        .join(""),
  );
}
