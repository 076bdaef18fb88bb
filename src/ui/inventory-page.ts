import { type InventoryRow, inventory } from "../lifecycle/inventory.js";
import type { Project } from "../project/open.js";
import { h, table } from "./html.js";

/** Every variable with a rotation or an expiry: a time line, then a table. */
export async function inventoryPage(
  project: Project,
  environments: readonly string[],
  options: { processEnv: Readonly<Record<string, string | undefined>>; now?: () => Date },
): Promise<string> {
  const rows = await inventory({
    config: project.config,
    baseDir: project.baseDir,
    environment: environments[0] as string,
    processEnv: options.processEnv,
    isolateCredentials: true,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  if (rows.length === 0) return "<p>No variable declares a rotation or an expiry.</p>";
  return `${rotationChart(rows, options.now?.() ?? new Date())}${table(
    ["secret", "owner", "every", "last rotated", "next due", "expires", "state"],
    rows.map((row) => [
      `<th scope="row">${h(row.name)}</th>`,
      `<td>${h(row.owner ?? "")}</td>`,
      `<td>${h(row.every ?? "")}</td>`,
      `<td>${h(row.lastRotated ?? (row.neverSet === true ? "never set" : "never"))}</td>`,
      `<td>${h(row.nextDue ?? "")}</td>`,
      `<td>${h(row.expires ?? "")}</td>`,
      stateCell(row),
    ]),
    "inventory",
  )}`;
}

/** The state cell: the same words as `strongbox inventory`, red when anything is wrong. */
function stateCell(row: InventoryRow): string {
  const words = [
    row.expired ? "expired" : row.overdue ? "overdue" : "",
    row.forbiddenIn.length > 0 ? `forbidden in ${row.forbiddenIn.join(", ")}` : "",
    row.neverSet === true ? "never set" : "",
  ].filter(Boolean);
  const bad = row.overdue || row.expired || row.forbiddenIn.length > 0;
  return `<td class="${bad ? "missing" : "ok"}">${h(words.join(", ") || "ok")}</td>`;
}

/**
 * Each rotating secret on a time line from 90 days ago to 90 days ahead: its last
 * rotation, its next due date, the span between in green (red once overdue), and
 * a line for today. An inline SVG, like the audit chart.
 */
function rotationChart(
  rows: ReadonlyArray<{ name: string; lastRotated?: string; nextDue?: string; overdue: boolean }>,
  now: Date,
): string {
  const rotating = rows.filter((row) => row.nextDue !== undefined);
  if (rotating.length === 0) return "";
  const day = 86_400_000;
  const start = now.getTime() - 90 * day;
  const width = 560;
  const x = (time: number) =>
    120 + Math.max(0, Math.min(width, ((time - start) / (180 * day)) * width));
  const lines = rotating
    .map((row, i) => {
      const y = 20 + i * 22;
      const from = row.lastRotated === undefined ? start : Date.parse(row.lastRotated);
      const due = Date.parse(row.nextDue as string);
      return `<g><title>${h(row.name)}: last rotated ${h(row.lastRotated ?? "never")}, due ${h(row.nextDue as string)}</title>
<text x="0" y="${y + 12}">${h(row.name.slice(0, 18))}</text>
<rect class="${row.overdue ? "bar-bad" : "bar-ok"}" x="${x(from)}" y="${y}" width="${Math.max(2, x(due) - x(from))}" height="14"/></g>`;
    })
    .join("");
  const today = x(now.getTime());
  const height = 30 + rotating.length * 22;
  return `<figure><svg id="rotations" viewBox="0 0 700 ${height}" role="img" aria-label="rotations: last rotated to next due, 90 days either side of today">${lines}<line class="today" x1="${today}" x2="${today}" y1="10" y2="${height - 10}"/></svg><figcaption>Last rotation to next due date, 90 days either side of today (red: overdue)</figcaption></figure>`;
}
