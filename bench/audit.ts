// Audit throughput and its cost to resolution (issue 12). Appends go to a real
// chained log on this machine's disk, fsynced once per batch (grouped fsync).
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChainedSink } from "../src/audit/chain.js";
import type { AuditEvent } from "../src/audit/event.js";
import { resolveConfig } from "../src/resolve/drive.js";
import type { ConfigSpec, VariableSpec } from "../src/schema/types.js";
import { quantile, type Row } from "./stats.js";

const KEY = Buffer.alloc(32, 9).toString("hex");

function record(i: number): AuditEvent {
  return {
    time: new Date().toISOString(),
    action: "read",
    environment: "production",
    variable: `VAR_${i % 100}`,
    source: "vault",
    ref: `vault://secret/shop/production/app#VAR_${i % 100}`,
    version: 3,
    outcome: "ok",
    valueMac: "nH3k1c9mQ0tq3b0w5mW2m7R7xv1r6d2Pq8uCkzY0b1E",
    pid: process.pid,
  };
}

/** Records per second appending `total` records in batches of `batch`, each batch one write and fsync. */
function appendRate(batch: number, total: number, rounds: number): number[] {
  const rates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-bench-audit-")));
    const sink = createChainedSink(join(dir, "audit.jsonl"), {
      env: { STRONGBOX_AUDIT_KEY: KEY },
      actor: () => ({ user: "bench", host: "bench", command: "strongbox bench" }),
    });
    const events = Array.from({ length: batch }, (_, i) => record(i));
    const start = process.hrtime.bigint();
    for (let written = 0; written < total; written += batch) sink.write(events);
    rates.push(total / (Number(process.hrtime.bigint() - start) / 1e9));
    rmSync(dir, { recursive: true, force: true });
  }
  return rates;
}

/** Resolution of 1,000 variables (333 secrets) with the audit off and on, interleaved round by round. */
async function resolutionCost(runs: number): Promise<Row[]> {
  const variables: Record<string, VariableSpec> = {};
  const processEnv: Record<string, string> = { STRONGBOX_AUDIT_KEY: KEY };
  for (let i = 0; i < 1000; i++) {
    variables[`V${i}`] = i % 3 === 1 ? { type: "url", secret: true } : { type: "int" };
    processEnv[`V${i}`] = i % 3 === 1 ? `https://h${i}.example.com/p` : String(i);
  }
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-bench-audit-")));
  const off: ConfigSpec = { audit: { sink: "off" }, variables };
  const on: ConfigSpec = { audit: { file: join(dir, "audit.jsonl") }, variables };
  const samples = { off: [] as number[], on: [] as number[] };
  for (let round = 0; round < runs + 5; round++)
    for (const [name, config] of [
      ["off", off],
      ["on", on],
    ] as const) {
      const start = process.hrtime.bigint();
      const result = await resolveConfig(config, { processEnv, cwd: dir, baseDir: dir });
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      if (round >= 5) samples[name].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  rmSync(dir, { recursive: true, force: true });
  return (["off", "on"] as const).map((name) => ({
    name: `resolve 1,000 variables in-process, audit ${name === "off" ? "off" : "on (333 records, one batch)"}`,
    median: quantile(samples[name], 0.5),
    p90: quantile(samples[name], 0.9),
    unit: "ms",
  }));
}

export async function auditRows(runs: number): Promise<Row[]> {
  const single = appendRate(1, 300, 5);
  const grouped = appendRate(100, 30_000, 5);
  return [
    {
      name: "audit append, 1 record per batch (fsync each)",
      median: quantile(single, 0.5),
      p90: quantile(single, 0.1),
      unit: "records/s",
    },
    {
      name: "audit append, 100 records per batch (grouped fsync)",
      median: quantile(grouped, 0.5),
      p90: quantile(grouped, 0.1),
      unit: "records/s",
      note: "goal ≥ 20,000",
    },
    ...(await resolutionCost(runs)),
  ];
}
