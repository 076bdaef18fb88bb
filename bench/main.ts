// The benchmark suite: `npm run bench` prints one table. Peers run in the same
// process run, interleaved round by round, so machine noise hits all alike.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../src/resolve/drive.js";
import type { ConfigSpec, VariableSpec } from "../src/schema/types.js";
import { initStore, openStore } from "../src/store/open.js";
import { auditRows } from "./audit.js";
import { awsRows } from "./aws.js";
import { azureRows } from "./azure.js";
import { diffRows } from "./diff.js";
import { envelopeRows } from "./envelope.js";
import { CLI, fillStore, MASTER_KEY, ROOT, startupRows, startupSummary } from "./startup.js";
import { printRows, quantile, type Row } from "./stats.js";
import { templateRows, vaultRows } from "./vault.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

async function resolveThousand(): Promise<Row> {
  const variables: Record<string, VariableSpec> = {};
  const processEnv: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) {
    const name = `V${i}`;
    variables[name] =
      i % 3 === 0
        ? { type: "int" }
        : i % 3 === 1
          ? { type: "url", secret: true }
          : { type: "string", default: "d" };
    if (i % 3 !== 2) processEnv[name] = i % 3 === 0 ? String(i) : `https://h${i}.example.com/p`;
  }
  // The audit's cost is measured by its own rows below; this row is resolution alone.
  const config: ConfigSpec = { audit: { sink: "off" }, variables };
  const samples: number[] = [];
  for (let round = 0; round < RUNS + 5; round++) {
    const start = process.hrtime.bigint();
    const result = await resolveConfig(config, { processEnv, cwd: tmpdir() });
    if (!result.ok) throw new Error("resolution failed");
    if (round >= 5) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return {
    name: "resolve 1,000 variables in-process",
    median: quantile(samples, 0.5),
    p90: quantile(samples, 0.9),
    unit: "ms",
  };
}

function coldTypeScript(dir: string, env: Record<string, string>): Row {
  const samples: number[] = [];
  for (let round = 0; round < 5; round++) {
    const cold = { ...env, STRONGBOX_CACHE_DIR: join(dir, `.cold-${round}`) };
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, [CLI, "run", "--", "true"], {
      cwd: join(dir, "ts"),
      env: cold,
      stdio: "ignore",
    });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return {
    name: "strongbox run -- true, TS config, cold cache",
    median: quantile(samples, 0.5),
    p90: quantile(samples, 0.9),
    unit: "ms",
    note: "first run after an edit",
  };
}

async function storeThroughput(): Promise<Row[]> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-bench-store-")));
  const dir = join(root, ".strongbox");
  const env = { STRONGBOX_MASTER_KEY: MASTER_KEY };
  initStore({ dir, env, masterKey: Buffer.from(MASTER_KEY, "hex") });
  const names = Array.from({ length: 100 }, (_, i) => `S${i}`);
  await fillStore(dir, env, names);
  const store = await openStore({ dir, env });
  const getRates: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 50_000; i++) store.get(names[i % names.length] as string);
    getRates.push(50_000 / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  const setRates: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) store.set(names[i] as string, Buffer.from(`v${round}-${i}`));
    setRates.push(100 / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return [
    {
      name: "store get, warm, in-process",
      median: quantile(getRates, 0.5),
      p90: quantile(getRates, 0.1),
      unit: "ops/s",
    },
    {
      name: "store set (locked, fsynced), in-process",
      median: quantile(setRates, 0.5),
      p90: quantile(setRates, 0.1),
      unit: "ops/s",
    },
  ];
}

async function rekeyTime(count: number): Promise<Row> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-bench-rekey-")));
  const dir = join(root, ".strongbox");
  const env = { HOME: root };
  initStore({ dir, env });
  await fillStore(
    dir,
    env,
    Array.from({ length: count }, (_, i) => `K${i}`),
  );
  const samples: number[] = [];
  // A rekey re-authenticates every secret file (it revokes the old key), so large stores take seconds.
  for (let round = 0; round < (count > 1000 ? 3 : 7); round++) {
    const store = await openStore({ dir, env });
    const start = process.hrtime.bigint();
    store.rekey();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return {
    name: `rekey with ${count.toLocaleString("en")} secrets`,
    median: quantile(samples, 0.5),
    p90: quantile(samples, 0.9),
    unit: "ms",
  };
}

const { rows: startup, skipped, plain } = await startupRows(RUNS);
console.log(`strongbox benchmarks: ${RUNS} runs each, interleaved; node ${process.version}\n`);
const rows = [
  ...startup,
  coldTypeScript(plain.dir, plain.env),
  await resolveThousand(),
  ...(await auditRows(RUNS)),
  ...(await storeThroughput()),
  await rekeyTime(10),
  await rekeyTime(10_000),
];
printRows(rows);
for (const line of skipped) console.log(`skipped: ${line}`);
console.log("");
for (const line of startupSummary(rows)) console.log(line);
const small = rows.find((row) => row.name === "rekey with 10 secrets");
const large = rows.find((row) => row.name === "rekey with 10,000 secrets");
if (small && large)
  console.log(`rekey at 10,000 secrets / at 10: ${(large.median / small.median).toFixed(2)}×`);

process.env.STRONGBOX_BAO ??= execFileSync(
  process.execPath,
  [join(ROOT, "scripts/ensure-bao.mjs")],
  { encoding: "utf8" },
).trim();
const vault = await vaultRows(RUNS);
console.log("\nVault (real bao server -dev on loopback; requests counted by a proxy):\n");
console.log("| benchmark | requests | median |\n|---|---:|---:|");
for (const row of vault) console.log(`| ${row.name} | ${row.requests} | ${row.ms.toFixed(1)} ms |`);
const trip = vault[0];
const ours = vault[1];
if (trip && ours)
  console.log(
    `\nresolution / one round trip: ${(ours.ms / trip.ms).toFixed(2)}× with ${ours.requests} requests`,
  );

process.env.STRONGBOX_MOTO ??= execFileSync(
  process.execPath,
  [join(ROOT, "scripts/ensure-moto.mjs")],
  { encoding: "utf8" },
).trim();
const aws = await awsRows(Math.max(5, Math.floor(RUNS / 3)));
console.log("\nAWS Secrets Manager (real moto_server on loopback; requests counted by a proxy):\n");
console.log("| benchmark | requests | median |\n|---|---:|---:|");
for (const row of aws) console.log(`| ${row.name} | ${row.requests} | ${row.ms.toFixed(1)} ms |`);

const azure = [
  ...(await azureRows(Math.max(5, Math.floor(RUNS / 3)), 0)),
  ...(await azureRows(Math.max(5, Math.floor(RUNS / 3)), 10)),
];
console.log(
  "\nAzure Key Vault (loopback REST server, real SDK; requests counted by the server, challenges included):\n",
);
console.log("| benchmark | requests | median |\n|---|---:|---:|");
for (const row of azure) console.log(`| ${row.name} | ${row.requests} | ${row.ms.toFixed(1)} ms |`);

const templates = await templateRows(Math.max(5, Math.floor(RUNS / 2)));
console.log("\nTemplates and the agent (real bao server -dev):\n");
console.log("| benchmark | result |\n|---|---:|");
for (const row of templates) console.log(`| ${row.name} | ${row.value} |`);

const diffs = await diffRows(Math.max(5, Math.floor(RUNS / 2)));
console.log("\nEnvironments side by side (two real bao servers, each environment's own token):\n");
console.log("| benchmark | result |\n|---|---:|");
for (const row of diffs) console.log(`| ${row.name} | ${row.value} |`);

process.env.STRONGBOX_POSTGRES_BIN ??= execFileSync(
  process.execPath,
  [join(ROOT, "scripts/ensure-postgres.mjs")],
  { encoding: "utf8" },
).trim();
const envelope = await envelopeRows(Math.max(3, Math.floor(RUNS / 5)));
console.log("\nField encryption (in-process; real bao server -dev; real PostgreSQL):\n");
console.log("| benchmark | result |\n|---|---:|");
for (const row of envelope) console.log(`| ${row.name} | ${row.throughput} |`);
