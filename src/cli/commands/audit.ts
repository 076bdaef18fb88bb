import { dirname } from "node:path";
import { type AuditEvent, auditFileFor, queryAudit } from "../../audit/audit.js";
import { verifyChain } from "../../audit/chain.js";
import { findConfigIfAny } from "../../config/find-config.js";
import { loadConfigFile } from "../../config/load-file.js";
import { StrongboxError } from "../../errors.js";
import { type Command, listOption, stringOption } from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { say } from "../io.js";
import { table } from "../table.js";

const OUTCOMES = ["ok", "missing", "denied", "invalid", "error"] as const;

/** `strongbox audit`: query the audit log. Names, sources and outcomes; never a value. */
export const auditCommand: Command = {
  name: "audit",
  options: {
    since: { type: "string" },
    until: { type: "string" },
    name: { type: "string", multiple: true },
    env: { type: "string", short: "e" },
    outcome: { type: "string" },
    action: { type: "string" },
    format: { type: "string" },
    config: { type: "string", short: "c" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox audit verify [options]
       strongbox audit [--since T] [--until T] [--name N]... [--env E]
                       [--outcome ok|missing|denied|invalid|error] [--action A]
                       [--format table|json]

Lists the records of the audit log (the config's audit.file, else
STRONGBOX_AUDIT_FILE): when, what was done, to which variable or secret,
from which source, with what outcome, by which process. Never a value.
Lines that cannot be read are counted and reported, not hidden.

The log is a chain: every record carries its sequence number, the MAC of the
record before it and its own MAC under the audit key (STRONGBOX_AUDIT_KEY,
or the key file ~/.config/strongbox/keys/audit.key made on first write).
\`audit verify\` checks the chain and names the first record that was
edited, deleted, reordered, inserted or cut off; exit 4 when it finds one.

Options:
      --since T       records at or after T (RFC 3339)
      --until T       records at or before T
      --name N        only this variable or store secret (repeatable)
  -e, --env E         only this environment
      --outcome O     only this outcome
      --action A      only this action (read, write, rotate, retire, …)
      --format F      table (default) or json
  -c, --config PATH   the config that names the audit log
`,
  async run(invocation, io) {
    const [sub, ...extra] = invocation.positionals;
    if (sub !== undefined && (sub !== "verify" || extra.length > 0))
      throw new StrongboxError("E_USAGE", `audit: unknown subcommand "${sub}"`, {
        hint: "strongbox audit verify, or strongbox audit with filters",
      });
    const time = (option: string) => {
      const text = stringOption(invocation, option);
      if (text === undefined) return undefined;
      const date = new Date(text);
      if (Number.isNaN(date.getTime()))
        throw new StrongboxError(
          "E_USAGE",
          `audit: --${option} takes a time such as 2026-11-27T18:00Z`,
        );
      return date;
    };
    const outcome = stringOption(invocation, "outcome");
    if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome))
      throw new StrongboxError("E_USAGE", `audit: --outcome is one of ${OUTCOMES.join(", ")}`);
    const format = stringOption(invocation, "format") ?? "table";
    if (format !== "table" && format !== "json")
      throw new StrongboxError("E_USAGE", "audit: --format is table or json");
    const configPath = findConfigIfAny(io.cwd, stringOption(invocation, "config"));
    const config = configPath === undefined ? undefined : await loadConfigFile(configPath, io.env);
    const path = auditFileFor(
      config,
      configPath === undefined ? io.cwd : dirname(configPath),
      io.env,
    );
    if (path === undefined)
      throw new StrongboxError("E_USAGE", "audit: no audit log is configured", {
        hint: "set audit.file in the config, or STRONGBOX_AUDIT_FILE",
      });
    if (sub === "verify") {
      const report = verifyChain(path, io.env);
      if (invocation.values.format === "json")
        io.stdout.write(`${JSON.stringify({ log: path, ...report }, null, 2)}\n`);
      else if (report.ok)
        say(io, `strongbox: ok: ${report.records} records in ${path}, chain intact`);
      else
        say(
          io,
          `strongbox: error: ${path} line ${report.problem?.line}: ${report.problem?.why} (after ${report.records} good records)`,
        );
      return verdict(report.ok);
    }
    const since = time("since");
    const until = time("until");
    const names = listOption(invocation, "name");
    const environment = stringOption(invocation, "env");
    const action = stringOption(invocation, "action");
    const { events, unreadable } = queryAudit(path, {
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(names === undefined ? {} : { names }),
      ...(environment === undefined ? {} : { environment }),
      ...(outcome === undefined ? {} : { outcome: outcome as AuditEvent["outcome"] }),
      ...(action === undefined ? {} : { action: action as AuditEvent["action"] }),
    });
    if (format === "json")
      io.stdout.write(`${JSON.stringify({ log: path, events, unreadable }, null, 2)}\n`);
    else
      io.stdout.write(
        table(
          ["TIME", "ACTION", "NAME", "ENV", "SOURCE", "OUTCOME", "PID"],
          events.map((event) => [
            event.time,
            event.action,
            event.variable ?? event.secret ?? "",
            event.environment ?? "",
            event.ref ?? event.source,
            event.outcome,
            String(event.pid),
          ]),
        ),
      );
    if (unreadable > 0)
      say(
        io,
        `strongbox: warning: ${unreadable} line(s) of ${path} could not be read; check it for tampering`,
      );
    return EXIT_OK;
  },
};
