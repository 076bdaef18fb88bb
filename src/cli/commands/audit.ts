import {
  type AuditEvent,
  type AuditFilter,
  auditValueMac,
  followAudit,
  hasAuditRecords,
  queryAudit,
  queryMatches,
  verifyChain,
} from "../../api/audit.js";
import { StrongboxError } from "../../errors.js";
import { canonicalEnvironment, openSessionIfAny } from "../../index.js";
import { type Command, type Invocation, listOption, stringOption } from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { type CliIo, say, writeJson, writeJsonText, writeReport } from "../io.js";
import { readStdin } from "../prompt.js";
import { table } from "../table.js";

const OUTCOMES = ["ok", "missing", "denied", "invalid", "error"] as const;

/** `strongbox audit`: query, follow and verify the audit log. Names, sources and outcomes; never a value. */
export const auditCommand: Command = {
  name: "audit",
  options: {
    since: { type: "string" },
    until: { type: "string" },
    name: { type: "string", multiple: true },
    env: { type: "string", short: "e" },
    actor: { type: "string" },
    outcome: { type: "string" },
    action: { type: "string" },
    "value-from-stdin": { type: "boolean" },
    follow: { type: "boolean", short: "f" },
    lines: { type: "string", short: "n" },
    anchor: { type: "string" },
    format: { type: "string" },
    config: { type: "string", short: "c" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox audit [filters] [--format table|json]
       strongbox audit tail [-f] [-n N] [filters]
       strongbox audit verify [--anchor SEQ:MAC] [--format json]

Lists the records of the audit log: when, what was done, to which variable
or secret, from which source, with what outcome, by whom (user, git author,
CI job, Vault auth method and token accessor). Never a value. Lines that
cannot be read are counted and reported, not hidden. Rotated segments
(audit.jsonl.1, .2, …) are read too, oldest first.

Where the log is: the config's audit.file, else STRONGBOX_AUDIT_FILE, else
$XDG_STATE_HOME/strongbox/audit.jsonl (~/.local/state/strongbox/audit.jsonl).

Records carry valueMac, a keyed HMAC of the value read. To learn whether a
leaked value is one that was read, and by whom, pipe it in:
  strongbox audit --value-from-stdin < leaked.txt

\`audit tail\` prints the last records (-n, default 20); with -f it keeps
printing new ones as they are written, across rotations, until interrupted.

The log is a chain: every record carries its sequence number, the MAC of the
record before it and its own MAC under the audit key (STRONGBOX_AUDIT_KEY,
or the key file ~/.config/strongbox/keys/audit.key made on first write).
\`audit verify\` checks the chain and names the first record that was
edited, deleted, reordered, inserted or cut off; exit 4 when it finds one.
It prints the last record's seq and MAC: keep that anchor outside the log,
and a later \`verify --anchor SEQ:MAC\` shows a rewrite even by someone who
holds the key.

Filters:
      --since T       records at or after T (RFC 3339)
      --until T       records at or before T
      --name N        only this variable or store secret (repeatable)
  -e, --env E         only this environment
      --actor A       only this OS user, host, git author or CI actor
      --outcome O     only this outcome (ok, missing, denied, invalid, error)
      --action A      only this action (read, write, rotate, retire, break-glass, checkpoint, …)
      --value-from-stdin
                      only records that handled the value given on stdin
Options:
      --format F      table (default) or json (tail -f: one JSON record per line)
  -c, --config PATH   the config that names the audit log
`,
  async run(invocation, io) {
    const [sub, ...extra] = invocation.positionals;
    if ((sub !== undefined && sub !== "verify" && sub !== "tail") || extra.length > 0)
      throw new StrongboxError(
        "E_USAGE",
        `audit: unknown subcommand "${[sub, ...extra].join(" ")}"`,
        {
          hint: "strongbox audit verify, strongbox audit tail [-f], or strongbox audit with filters",
        },
      );
    const format = stringOption(invocation, "format") ?? "table";
    if (format !== "table" && format !== "json")
      throw new StrongboxError("E_USAGE", "audit: --format is table or json");
    const session = await openSessionIfAny({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const path = session.auditFile();
    if (path === undefined)
      throw new StrongboxError("E_USAGE", "audit: records go to a stream, not a file, here", {
        hint: "audit.sink (or STRONGBOX_AUDIT_SINK) sends them to stdout, stderr, syslog or nowhere; query them where they are shipped",
      });
    if (sub === "verify") return verify(path, invocation, io, format);
    if (
      invocation.values["value-from-stdin"] === true &&
      invocation.values.follow !== true &&
      !hasAuditRecords(path)
    )
      return noRecordsYet(path, io, format);
    const filter = await filterOf(invocation, io, session.config);
    if (sub === "tail") return tail(path, filter, invocation, io, format);
    const { events, unreadable } = queryAudit(path, filter);
    if (format === "json") writeJson(io, { log: path, events, unreadable });
    else writeReport(io, eventTable(events));
    if (unreadable > 0)
      say(
        io,
        `strongbox: warning: ${unreadable} line(s) of ${path} could not be read; run \`strongbox audit verify\``,
      );
    return EXIT_OK;
  },
};

/**
 * A value searched for before anything was recorded: nothing can match, and
 * there may be no audit key yet to compute its MAC with (none is made for a
 * search). The value on stdin is read and dropped, so the writer of the pipe
 * is not cut off.
 */
async function noRecordsYet(path: string, io: CliIo, format: string): Promise<number> {
  await readStdin();
  if (format === "json") writeJson(io, { log: path, events: [], unreadable: 0, noLog: true });
  say(
    io,
    `strongbox: no audit log yet at ${path}: nothing has been recorded, so no record touched this value`,
  );
  return EXIT_OK;
}

function verify(path: string, invocation: Invocation, io: CliIo, format: string): number {
  const anchorText = stringOption(invocation, "anchor");
  const anchor = anchorText === undefined ? undefined : parseAnchor(anchorText);
  const report = verifyChain(path, io.env, anchor === undefined ? {} : { anchor });
  if (format === "json") writeJson(io, { log: path, ...report });
  else if (report.ok)
    say(
      io,
      `strongbox: ok: ${report.records} records in ${path}${report.from === undefined ? "" : ` (from record ${report.from}; older segments pruned)`}, chain intact${report.head === undefined ? "" : `; anchor ${report.head.seq}:${report.head.mac}`}`,
    );
  else
    say(
      io,
      `strongbox: error: ${report.problem?.file} line ${report.problem?.line}: ${report.problem?.why} (after ${report.records} good records)`,
    );
  return verdict(report.ok);
}

function parseAnchor(text: string): { seq: number; mac: string } {
  const match = /^(\d+):([A-Za-z0-9_-]{43})$/.exec(text);
  if (match === null)
    throw new StrongboxError(
      "E_USAGE",
      "audit: --anchor takes SEQ:MAC as `audit verify` prints it",
    );
  return { seq: Number(match[1]), mac: match[2] as string };
}

async function filterOf(
  invocation: Invocation,
  io: CliIo,
  config: Parameters<typeof canonicalEnvironment>[0],
): Promise<AuditFilter> {
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
  const since = time("since");
  const until = time("until");
  const names = listOption(invocation, "name");
  // Records name the environment in full: `--env prod` finds production's.
  const named = stringOption(invocation, "env");
  const environment = named === undefined ? undefined : canonicalEnvironment(config, named);
  const action = stringOption(invocation, "action");
  const actor = stringOption(invocation, "actor");
  let valueMac: string | undefined;
  if (invocation.values["value-from-stdin"] === true) {
    const value = (await readStdin()).toString("utf8").replace(/\r?\n$/, "");
    if (value === "")
      throw new StrongboxError("E_USAGE", "audit: --value-from-stdin read nothing", {
        hint: "pipe the value in: strongbox audit --value-from-stdin < leaked.txt",
      });
    valueMac = auditValueMac(io.env, value);
  }
  return {
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(names === undefined ? {} : { names }),
    ...(environment === undefined ? {} : { environment }),
    ...(outcome === undefined ? {} : { outcome: outcome as AuditEvent["outcome"] }),
    ...(action === undefined ? {} : { action: action as AuditEvent["action"] }),
    ...(actor === undefined ? {} : { actor }),
    ...(valueMac === undefined ? {} : { valueMac }),
  };
}

async function tail(
  path: string,
  filter: AuditFilter,
  invocation: Invocation,
  io: CliIo,
  format: string,
): Promise<number> {
  const count = Number(stringOption(invocation, "lines") ?? "20");
  if (!Number.isInteger(count) || count < 0)
    throw new StrongboxError("E_USAGE", "audit tail: -n takes a number of records");
  const { events } = queryAudit(path, filter);
  const last = count === 0 ? [] : events.slice(-count);
  const print = (event: AuditEvent) =>
    format === "json"
      ? writeJsonText(io, JSON.stringify(event))
      : writeReport(io, eventTable([event], false));
  if (format === "table") writeReport(io, eventTable(last));
  else for (const event of last) print(event);
  if (invocation.values.follow !== true) return EXIT_OK;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await followAudit(
      path,
      {
        onEvent: (event) => {
          if (queryMatches(event, filter)) print(event);
        },
        onUnreadable: () =>
          say(
            io,
            `strongbox: warning: a line of ${path} could not be read; run \`strongbox audit verify\``,
          ),
      },
      stop.signal,
    );
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return EXIT_OK;
}

const HEADERS = ["TIME", "ACTION", "NAME", "ENV", "SOURCE", "OUTCOME", "WHO"];

function eventTable(events: readonly AuditEvent[], headers = true): string {
  const rows = events.map((event) => [
    event.time,
    event.action,
    event.variable ?? event.secret ?? "",
    event.environment ?? "",
    event.ref ?? event.source,
    event.code === undefined ? event.outcome : `${event.outcome} ${event.code}`,
    who(event),
  ]);
  if (headers) return table(HEADERS, rows);
  return `${rows.map((row) => row.join("  ")).join("\n")}\n`;
}

function who(event: AuditEvent): string {
  const actor = event.actor;
  const person = actor?.ci?.actor ?? actor?.git?.replace(/ <.*>$/, "") ?? actor?.user ?? "";
  const vault =
    event.principal?.method === undefined
      ? ""
      : ` via ${event.principal.method}${event.principal.role === undefined ? "" : `:${event.principal.role}`}`;
  return `${person}${vault} (pid ${event.pid})`;
}
