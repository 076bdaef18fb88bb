import { type Issue, StrongboxError } from "../errors.js";
import { exitStatus } from "./exit-codes.js";
import { type CliIo, sayAlways as say, writeJsonText } from "./io.js";

/** Prints an error as one readable block on stderr, or as JSON on stdout with `--json`. */
export function renderError(io: CliIo, error: unknown, json: boolean): void {
  renderPlain(io, error, json);
  if (io.debug === true) debugDetail(io, error);
}

function renderPlain(io: CliIo, error: unknown, json: boolean): void {
  const known = error instanceof StrongboxError ? error : undefined;
  if (json) {
    const body = known
      ? known.toJSON()
      : { code: "E_INTERNAL", message: "internal error", issues: [] };
    // The shape of every --json output: ok, issues, then the data (here, the error).
    writeJsonText(io, JSON.stringify({ ok: false, issues: body.issues, error: body }, null, 2));
    return;
  }
  if (known === undefined) {
    // An unexpected error's message may quote whatever it was handling, a secret included,
    // so only its class is printed; STRONGBOX_DEBUG=1 shows the rest to someone who asks.
    const kind = error instanceof Error ? className(error.name) : typeof error;
    say(io, `strongbox: internal error (${kind})`);
    if (io.env.STRONGBOX_DEBUG === "1" && error instanceof Error) say(io, error.stack ?? "");
    say(
      io,
      "strongbox: hint: this is a bug in Strongbox; please report it with the command you ran (STRONGBOX_DEBUG=1 prints the details, which may include values)",
    );
    return;
  }
  const issues = known.issues.filter((item) => item.message !== known.message);
  const printed = collapseShared(issues);
  // The header counts problems; when several share one cause it is printed once, so say so.
  const grouped =
    printed.length < issues.length
      ? ` (${printed.length === 1 ? "one cause, listed once" : `${printed.length} causes, each listed once`} with the variables it concerns)`
      : "";
  say(io, `strongbox: error: ${known.message}${grouped} (${known.code})`);
  for (const item of printed) say(io, formatIssue(item));
  if (known.hint !== undefined) say(io, `strongbox: hint: ${known.hint}`);
}

/** One problem as two indented lines: what is wrong, then what to do. */
export function formatIssue(item: Issue): string {
  const head = `  ✗ ${item.message} (${item.code})`;
  return item.hint === undefined ? head : `${head}\n      hint: ${item.hint}`;
}

/**
 * One root cause, printed once: problems that differ only by the variable
 * they name (`A: Vault at … is unreachable`, `B: Vault at … is unreachable`)
 * become one line naming every variable.
 */
export function collapseShared(issues: readonly Issue[]): Issue[] {
  const groups = new Map<string, { first: Issue; cause: string; variables: string[] }>();
  const out: Array<Issue | string> = [];
  for (const item of issues) {
    const prefix = item.variable === undefined ? undefined : `${item.variable}: `;
    if (prefix === undefined || !item.message.startsWith(prefix)) {
      out.push(item);
      continue;
    }
    const cause = item.message.slice(prefix.length);
    const key = `${item.code}\0${cause}\0${item.hint ?? ""}`;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, { first: item, cause, variables: [item.variable as string] });
      out.push(key);
    } else group.variables.push(item.variable as string);
  }
  return out.map((entry) => {
    if (typeof entry !== "string") return entry;
    const group = groups.get(entry) as { first: Issue; cause: string; variables: string[] };
    if (group.variables.length === 1) return group.first;
    return { ...group.first, message: `${group.cause} (for ${group.variables.join(", ")})` };
  });
}

/**
 * `--debug` on an error: its code and exit status, the class of each error in
 * its cause chain (with a system error's `code`, such as `ENOENT`) and, for
 * an unexpected error, the stack frames without its message. Never a message
 * or a value: those may quote what was being handled. On stderr, also with
 * `--json`, and through the redactor like every line.
 */
function debugDetail(io: CliIo, error: unknown): void {
  const code = error instanceof StrongboxError ? error.code : "E_INTERNAL";
  say(io, `strongbox: debug: ${code}, exit status ${exitStatus(error)}`);
  say(io, `strongbox: debug: cause chain: ${causeChain(error).join(" <- ")}`);
  const frames = stackFrames(error);
  if (frames.length > 0) say(io, `strongbox: debug: stack:\n${frames.join("\n")}`);
}

/**
 * An unexpected error's stack without its header, which repeats the message:
 * the frames are cut after the header as V8 writes it (`Name: message`), so a
 * message line that looks like a frame is never taken for one. A stack that
 * does not start with that header gives no frames.
 */
function stackFrames(error: unknown): string[] {
  if (!(error instanceof Error) || error instanceof StrongboxError) return [];
  const stack = typeof error.stack === "string" ? error.stack : "";
  const header = error.message === "" ? error.name : `${error.name}: ${error.message}`;
  if (!stack.startsWith(`${header}\n`)) return [];
  return stack
    .slice(header.length + 1)
    .split("\n")
    .filter((line) => /^ {4}at /.test(line));
}

/** A class name as it is printed: an identifier, else a placeholder (a name could be anything). */
function className(name: unknown): string {
  return typeof name === "string" && /^[A-Za-z_$][\w$]{0,63}$/.test(name) ? name : "(unnamed)";
}

/** Class names down the `cause` chain (at most 8 deep, so a cycle ends). */
export function causeChain(error: unknown): string[] {
  const names: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (!(current instanceof Error)) {
      names.push(typeof current);
      break;
    }
    const errno = (current as { code?: unknown }).code;
    const label =
      current instanceof StrongboxError
        ? `${className(current.name)}(${current.code})`
        : className(current.name);
    names.push(
      typeof errno === "string" &&
        /^E[A-Z0-9_]+$/.test(errno) &&
        !(current instanceof StrongboxError)
        ? `${label}(${errno})`
        : label,
    );
    current = current.cause;
  }
  return names;
}

/** `--debug`: how long the invocation took, on stderr, when it ends however it ends. */
export function debugTiming(io: CliIo, command: string | undefined, started: number): void {
  const ms = Math.round(performance.now() - started);
  say(io, `strongbox: debug: ${command ?? "strongbox"} took ${ms} ms`);
}
