import { type InventoryRow, inventory } from "../../api/lifecycle.js";
import { StrongboxError } from "../../errors.js";
import type { Command } from "../command.js";
import { stringOption } from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { writeJson, writeReport } from "../io.js";
import { LIFECYCLE_HELP, LIFECYCLE_OPTIONS, lifecycleContext } from "../lifecycle-context.js";
import { table } from "../table.js";

/** `strongbox inventory`: every secret, who uses it, where it lives, its cadence and state. */
export const inventoryCommand: Command = {
  name: "inventory",
  options: { ...LIFECYCLE_OPTIONS, format: { type: "string" }, check: { type: "boolean" } },
  usage: `Usage: strongbox inventory [--env E] [--format table|markdown|json] [--check]

One row per secret of the schema: owner, used by, where it lives in each
environment, rotation cadence, and for the environment given: last rotated,
next due, overdue, expiry. --format markdown writes the runbook table of an
operations document. --check exits 4 when anything is overdue, expired or
stored where an environment forbids it (a CI gate). Never a value.

Options:
      --format F      table (default), markdown or json
      --check         exit 4 when a secret is overdue, expired or forbidden
${LIFECYCLE_HELP}
`,
  async run(invocation, io) {
    const format =
      stringOption(invocation, "format") ?? (invocation.values.json === true ? "json" : "table");
    if (!["table", "markdown", "json"].includes(format))
      throw new StrongboxError("E_USAGE", "inventory: --format is table, markdown or json");
    const ctx = await lifecycleContext(invocation, io);
    const rows = await inventory(ctx);
    if (format === "json") writeJson(io, { environment: ctx.environment, secrets: rows });
    else
      writeReport(
        io,
        format === "markdown" ? markdown(rows, ctx.environment) : text(rows, ctx.environment),
      );
    if (invocation.values.check === true)
      return verdict(
        rows.every((row) => !row.overdue && !row.expired && row.forbiddenIn.length === 0),
      );
    return EXIT_OK;
  },
};

function cells(row: InventoryRow): string[] {
  const state =
    [
      row.neverSet === true ? "never set" : "",
      row.overdue ? "OVERDUE" : "",
      row.expired ? "EXPIRED" : "",
      row.forbiddenIn.length > 0 ? `FORBIDDEN in ${row.forbiddenIn.join(", ")}` : "",
    ]
      .filter(Boolean)
      .join(" ") || "ok";
  return [
    row.name,
    row.owner ?? "",
    row.usedBy.join(", "),
    Object.entries(row.storage)
      .map(
        ([environment, where]) =>
          `${environment}: ${where}${row.forbiddenIn.includes(environment) ? " (not allowed here)" : ""}`,
      )
      .join("; "),
    row.every ?? "",
    row.lastRotated?.slice(0, 10) ?? (row.neverSet === true ? "never set" : ""),
    row.nextDue?.slice(0, 10) ?? "",
    row.expires?.slice(0, 10) ?? "",
    state,
  ];
}

const HEADER = [
  "SECRET",
  "OWNER",
  "USED BY",
  "STORAGE",
  "EVERY",
  "ROTATED",
  "DUE",
  "EXPIRES",
  "STATE",
];

function text(rows: readonly InventoryRow[], environment: string): string {
  return `environment: ${environment}\n${table(HEADER, rows.map(cells))}`;
}

function markdown(rows: readonly InventoryRow[], environment: string): string {
  const line = (values: readonly string[]) =>
    `| ${values.map((v) => v.replaceAll("|", "\\|")).join(" | ")} |`;
  return `Secrets inventory (dates for ${environment})\n\n${[
    line(HEADER.map((h) => h.charAt(0) + h.slice(1).toLowerCase())),
    line(HEADER.map(() => "---")),
    ...rows.map((row) => line(cells(row))),
  ].join("\n")}\n`;
}
