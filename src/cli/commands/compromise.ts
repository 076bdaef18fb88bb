import { resolve } from "node:path";
import { compromise, compromiseMarkdown } from "../../api/lifecycle.js";
import { writeOutputFile } from "../../api/render.js";
import { StrongboxError } from "../../errors.js";
import { type Command, stringOption } from "../command.js";
import { verdict } from "../exit-codes.js";
import { type CliIo, say, sayAlways, writeReport } from "../io.js";
import { LIFECYCLE_HELP, LIFECYCLE_OPTIONS, lifecycleContext } from "../lifecycle-context.js";
import { promptLine } from "../prompt.js";

/** `strongbox compromise NAME --since TIME`: rotate the blast radius now and report who read what. */
export const compromiseCommand: Command = {
  name: "compromise",
  options: {
    ...LIFECYCLE_OPTIONS,
    since: { type: "string" },
    report: { type: "string" },
    "dry-run": { type: "boolean" },
    yes: { type: "boolean", short: "y" },
  },
  usage: `Usage: strongbox compromise NAME --since TIME [--dry-run | --yes] [--report FILE] [options]

The compromise procedure: NAME and every secret its rotatesWith reaches are
rotated now with no overlap, and every old version is retired at once (for a
JWT signing key, every session ends). The audit log (audit.file or
STRONGBOX_AUDIT_FILE) is searched for access to those secrets since TIME.
An incident report (markdown: what was rotated, when, by whom, who accessed
what since TIME; never a value) goes to --report FILE (0600) or stdout.
Exits 4 when a secret of the blast radius could not be rotated.

Nothing can be undone, so it asks first on a terminal; a script passes --yes.
--dry-run reports what would be rotated and who accessed what, and changes nothing.

Options:
      --since TIME    when the compromise may have started (RFC 3339)
      --dry-run       report what would be done; rotate and retire nothing
  -y, --yes           do it without asking (needed without a terminal)
      --report FILE   write the incident report there instead of stdout
${LIFECYCLE_HELP}
`,
  async run(invocation, io) {
    const [name, ...extra] = invocation.positionals;
    const since = stringOption(invocation, "since");
    if (name === undefined || extra.length > 0 || since === undefined)
      throw new StrongboxError("E_USAGE", "compromise: give one secret name and --since TIME", {
        hint: "strongbox compromise JWT_SECRET --since 2026-11-27T18:00Z",
      });
    const ctx = await lifecycleContext(invocation, io);
    const dryRun = invocation.values["dry-run"] === true;
    if (!dryRun && invocation.values.yes !== true) await confirm(name, ctx.environment, io);
    const report = await compromise(name, new Date(since), { ...ctx, dryRun });
    const text =
      invocation.values.json === true
        ? `${JSON.stringify(report, null, 2)}\n`
        : compromiseMarkdown(report);
    const target = stringOption(invocation, "report");
    if (target === undefined) writeReport(io, text);
    else {
      const path = resolve(io.cwd, target);
      writeOutputFile(path, io.cwd, text);
      say(io, `strongbox: incident report written to ${target}`);
    }
    if (dryRun)
      say(io, "strongbox: dry run: nothing was rotated or retired; run again with --yes to do it");
    for (const rotated of report.rotated)
      say(
        io,
        `strongbox: ${rotated.name}: rotated to ${rotated.version ?? "?"}, retired ${rotated.retired.join(", ") || "nothing"}`,
      );
    for (const failure of report.failed)
      sayAlways(io, `strongbox: ${failure.name}: NOT rotated: ${failure.message}`);
    return verdict(report.failed.length === 0);
  },
};

/**
 * Asks before rotating and retiring (nothing can be undone); without a
 * terminal there is no one to ask, so `--yes` is needed.
 */
async function confirm(name: string, environment: string, io: CliIo): Promise<void> {
  const question = `rotate ${name} and everything it rotates with in "${environment}" now, and retire every old version (no overlap)? [y/N] `;
  const answer = await promptLine(io, question);
  if (answer === undefined)
    throw new StrongboxError(
      "E_USAGE",
      `compromise: rotating ${name} retires every old version at once and cannot be undone; there is no terminal to confirm it on`,
      { hint: "look first with --dry-run, then pass --yes to do it" },
    );
  if (!["y", "yes"].includes(answer.trim().toLowerCase()))
    throw new StrongboxError("E_USAGE", "compromise: not confirmed; nothing was rotated", {
      hint: "--dry-run shows what it would do",
    });
}
