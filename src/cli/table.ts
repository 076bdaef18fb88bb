import { showControls } from "./io.js";

/**
 * A plain-text table: a header and rows, columns padded, two spaces apart.
 * Cells hold metadata anyone with write access to a store or audit log
 * chose (tags, notes, author names), so control characters are shown
 * escaped before the widths are measured.
 */
export function table(
  headerCells: readonly string[],
  rowCells: ReadonlyArray<readonly string[]>,
): string {
  const header = headerCells.map(showControls);
  const rows = rowCells.map((row) => row.map(showControls));
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}
