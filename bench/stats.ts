/** One line of the benchmark table. */
export interface Row {
  readonly name: string;
  readonly median: number;
  /** The 90th percentile for times; the 10th (the slow end) for rates. */
  readonly p90: number;
  readonly unit: string;
  readonly note?: string;
  /** A start-up time, shown also as a multiple of `node -e 0`. */
  readonly relative?: boolean;
  /** The median CPU time (user + system) of a start, in ms. */
  readonly cpu?: number;
}

/** The `q` quantile of `samples` (nearest rank). */
export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function formatNumber(value: number): string {
  return value >= 1000 ? Math.round(value).toLocaleString("en") : value.toFixed(1);
}

/** Prints `rows` as a Markdown table; start-up rows also as a multiple of the `node -e 0` row. */
export function printRows(rows: readonly Row[]): void {
  const node = rows.find((row) => row.name === "node -e 0");
  const times = (row: Row) => [row.median / (node?.median ?? Number.NaN), row.cpu ?? Number.NaN];
  const header = ["benchmark", "median", "p90", "× node -e 0", "CPU", "CPU × node"];
  const lines = rows.map((row) => {
    const [ratio = Number.NaN, cpu = Number.NaN] = times(row);
    const relative = row.relative === true;
    return [
      row.name + (row.note ? ` (${row.note})` : ""),
      `${formatNumber(row.median)} ${row.unit}`,
      `${formatNumber(row.p90)} ${row.unit}`,
      relative ? ratio.toFixed(2) : "",
      relative && row.cpu !== undefined ? `${cpu.toFixed(1)} ms` : "",
      relative && row.cpu !== undefined && node?.cpu ? (cpu / node.cpu).toFixed(2) : "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  console.log(format(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`,
  );
  for (const line of lines) console.log(format(line));
}
