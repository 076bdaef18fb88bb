import { type Issue, StrongboxError } from "../errors.js";
import { type CliIo, say } from "./io.js";

/** Prints an error as one readable block on stderr, or as JSON on stdout with `--json`. */
export function renderError(io: CliIo, error: unknown, json: boolean): void {
  const known = error instanceof StrongboxError ? error : undefined;
  if (json) {
    const body = known
      ? known.toJSON()
      : { code: "E_INTERNAL", message: "internal error", issues: [] };
    const text = JSON.stringify({ ok: false, error: body }, null, 2);
    io.stdout.write(`${io.redactor ? io.redactor.redact(text) : text}\n`);
    return;
  }
  if (known === undefined) {
    // An unexpected error's message may quote whatever it was handling, a secret included,
    // so only its class is printed; STRONGBOX_DEBUG=1 shows the rest to someone who asks.
    const kind = error instanceof Error ? error.name : typeof error;
    say(io, `strongbox: internal error (${kind})`);
    if (io.env.STRONGBOX_DEBUG === "1" && error instanceof Error) say(io, error.stack ?? "");
    say(
      io,
      "strongbox: hint: this is a bug in Strongbox; please report it with the command you ran (STRONGBOX_DEBUG=1 prints the details, which may include values)",
    );
    return;
  }
  say(io, `strongbox: error: ${known.message} (${known.code})`);
  const issues = known.issues.filter((item) => item.message !== known.message);
  for (const item of issues) say(io, formatIssue(item));
  if (known.hint !== undefined) say(io, `strongbox: hint: ${known.hint}`);
}

/** One problem as two indented lines: what is wrong, then what to do. */
export function formatIssue(item: Issue): string {
  const head = `  ✗ ${item.message} (${item.code})`;
  return item.hint === undefined ? head : `${head}\n      hint: ${item.hint}`;
}
