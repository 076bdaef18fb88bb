/** One line of the benchmark table. */
export interface Row {
  readonly name: string;
  readonly median: number;
  /** The 90th percentile for times; the 10th (the slow end) for rates. */
  readonly p90: number;
  readonly unit: string;
  readonly note?: string;
}

/** The `q` quantile of `samples` (nearest rank). */
export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
