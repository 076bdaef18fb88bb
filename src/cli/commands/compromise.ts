import { resolve } from "node:path";
import { compromise, compromiseMarkdown } from "../../api/lifecycle.js";
import { writeOutputFile } from "../../api/render.js";
import { StrongboxError } from "../../errors.js";
import { type Command, stringOption } from "../command.js";
import { verdict } from "../exit-codes.js";
import { say, writeReport } from "../io.js";
import { LIFECYCLE_HELP, LIFECYCLE_OPTIONS, lifecycleContext } from "../lifecycle-context.js";

/** `strongbox compromise NAME --since TIME`: rotate the blast radius now and report who read what. */
export const compromiseCommand: Command = {
  name: "compromise",
  options: { ...LIFECYCLE_OPTIONS, since: { type: "string" }, report: { type: "string" } },
  usage: `Usage: strongbox compromise NAME --since TIME [--report FILE] [options]

The compromise procedure: NAME and every secret its rotatesWith reaches are
rotated now with no overlap, and every old version is retired at once (for a
JWT signing key, every session ends). The audit log (audit.file or
STRONGBOX_AUDIT_FILE) is searched for access to those secrets since TIME.
An incident report (markdown: what was rotated, when, by whom, who accessed
what since TIME; never a value) goes to --report FILE (0600) or stdout.
Exits 4 when a secret of the blast radius could not be rotated.

Options:
      --since TIME    when the compromise may have started (RFC 3339)
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
    const report = await compromise(name, new Date(since), ctx);
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
    for (const rotated of report.rotated)
      say(
        io,
        `strongbox: ${rotated.name}: rotated to ${rotated.version ?? "?"}, retired ${rotated.retired.join(", ") || "nothing"}`,
      );
    for (const failure of report.failed)
      say(io, `strongbox: ${failure.name}: NOT rotated: ${failure.message}`);
    return verdict(report.failed.length === 0);
  },
};
