// What the remote-provider benchmarks share: one interleaved comparison of a Strongbox
// resolution against the naive one-request-per-secret loop, with requests counted.
import { resolveConfig } from "../src/resolve/drive.js";
import type { ConfigSpec } from "../src/schema/types.js";

/** One table row: what was done, the requests it made, its median wall time. */
export interface ComparisonRow {
  readonly name: string;
  readonly requests: number;
  readonly ms: number;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Times `ours` (one Strongbox resolution) against `oneByOne` (the naive
 * loop), interleaved `runs` times; `requests()` is the server's running count.
 */
export async function compare(
  requests: () => number,
  runs: number,
  rows: readonly [string, string],
  ours: () => Promise<void>,
  oneByOne: () => Promise<void>,
): Promise<ComparisonRow[]> {
  const times: [number[], number[]] = [[], []];
  const counts = [0, 0];
  for (let run = 0; run < runs; run++)
    for (const [i, work] of [ours, oneByOne].entries()) {
      const before = requests();
      const start = performance.now();
      await work();
      times[i as 0 | 1].push(performance.now() - start);
      counts[i] = requests() - before;
    }
  return rows.map((name, i) => ({
    name,
    requests: counts[i] ?? 0,
    ms: median(times[i as 0 | 1]),
  }));
}

/** Resolves `refs` (one variable each) through Strongbox, failing loudly on any problem. */
export async function resolveAll(
  refs: readonly string[],
  env: Record<string, string>,
  sections: Partial<ConfigSpec> = {},
): Promise<void> {
  const config: ConfigSpec = {
    ...sections,
    variables: Object.fromEntries(refs.map((ref, i) => [`V${i}`, { secret: true, ref }])),
  };
  const resolution = await resolveConfig(config, { processEnv: env });
  if (!resolution.ok) throw new Error(resolution.issues[0]?.message);
}
