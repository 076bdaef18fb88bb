// The benchmark suite: `npm run bench` prints one table. Peers run in the same
// process run, interleaved round by round, so machine noise hits all alike.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveConfig } from "../src/resolve/drive.js";
import type { ConfigSpec, VariableSpec } from "../src/schema/types.js";
import { initRecipientStore, initStore, openStore } from "../src/store/open.js";
import { newAgeIdentity } from "../src/store/recipients/age.js";
import { auditRows } from "./audit.js";
import { awsRows } from "./aws.js";
import { azureRows } from "./azure.js";
import { diffRows } from "./diff.js";
import { envelopeRows } from "./envelope.js";
import { sopsProject } from "./peers.js";
import { quantile, type Row } from "./stats.js";
import { templateRows, vaultRows } from "./vault.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist/bundle/strongbox.cjs");
const DOTENVX = join(ROOT, "node_modules/.bin/dotenvx");
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

/** A project with `count` variables (every fifth a secret) in YAML and TypeScript, and a .env. */
function makeProject(count: number): { dir: string; env: Record<string, string> } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-bench-")));
  const names = Array.from({ length: count }, (_, i) => `VAR_${String(i).padStart(3, "0")}`);
  const secret = (i: number) => i % 5 === 0;
  writeFileSync(
    join(dir, "strongbox.config.yaml"),
    `variables:\n${names.map((n, i) => `  ${n}: { type: string${secret(i) ? ", secret: true" : ""} }`).join("\n")}\n`,
  );
  const tsDir = join(dir, "ts");
  spawnSync("mkdir", ["-p", tsDir]);
  writeFileSync(
    join(tsDir, "strongbox.config.ts"),
    `import { defineConfig } from "strongbox";\nexport default defineConfig({ variables: {\n${names.map((n, i) => `  ${n}: { type: "string"${secret(i) ? ", secret: true" : ""} },`).join("\n")}\n} });\n`,
  );
  const dotenv = names.map((n, i) => `${n}=value-${i}-${"x".repeat(24)}`).join("\n");
  writeFileSync(join(dir, ".env"), `${dotenv}\n`);
  writeFileSync(join(tsDir, ".env"), `${dotenv}\n`);
  const env = { PATH: process.env.PATH ?? "", HOME: dir, STRONGBOX_CACHE_DIR: join(dir, ".cache") };
  return { dir, env };
}

function timeCommands(
  commands: Array<{ name: string; argv: string[]; cwd: string; env: Record<string, string> }>,
): Row[] {
  const samples = commands.map(() => [] as number[]);
  for (const command of commands)
    spawnSync(command.argv[0] as string, command.argv.slice(1), {
      cwd: command.cwd,
      env: command.env,
    });
  for (let round = 0; round < RUNS; round++) {
    commands.forEach((command, i) => {
      const start = process.hrtime.bigint();
      const result = spawnSync(command.argv[0] as string, command.argv.slice(1), {
        cwd: command.cwd,
        env: command.env,
        stdio: "ignore",
      });
      if (result.status !== 0) throw new Error(`${command.name} exited ${result.status}`);
      samples[i]?.push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return commands.map((command, i) => ({
    name: command.name,
    median: quantile(samples[i] ?? [], 0.5),
    p90: quantile(samples[i] ?? [], 0.9),
    unit: "ms",
  }));
}

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

// Fixed so runs compare; random-looking, since init refuses patterned keys.
const MASTER_KEY = "7d0152fe964a7b6901a39d3458e387e2f2eb5422c5d59487c101de97f805e3dc";

/** The same 50 variables, all secret: in the encrypted store, and encrypted by dotenvx. */
function makeSecretProjects(): { store: string; dotenvx: string; env: Record<string, string> } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-bench-secrets-")));
  const store = join(root, "store");
  const dotenvx = join(root, "dotenvx");
  spawnSync("mkdir", ["-p", store, dotenvx]);
  const names = Array.from({ length: 50 }, (_, i) => `SECRET_${String(i).padStart(2, "0")}`);
  writeFileSync(
    join(store, "strongbox.config.yaml"),
    `variables:\n${names.map((n) => `  ${n}: { secret: true, ref: "store://${n}" }`).join("\n")}\n`,
  );
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: root,
    STRONGBOX_CACHE_DIR: join(root, ".cache"),
    STRONGBOX_MASTER_KEY: MASTER_KEY,
  };
  initStore({ dir: join(store, ".strongbox"), env, masterKey: Buffer.from(MASTER_KEY, "hex") });
  return { store, dotenvx, env };
}

/** The secrets project's config with its secrets in a store whose only recipient is an age identity. */
async function makeTeamProject(
  from: string,
): Promise<{ dir: string; env: Record<string, string> }> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-bench-team-")));
  const dir = join(root, "team");
  spawnSync("mkdir", ["-p", dir]);
  writeFileSync(
    join(dir, "strongbox.config.yaml"),
    readFileSync(join(from, "strongbox.config.yaml"), "utf8"),
  );
  const identity = await newAgeIdentity();
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: root,
    STRONGBOX_CACHE_DIR: join(root, ".cache"),
    STRONGBOX_IDENTITY: identity.secret,
  };
  await initRecipientStore({
    dir: join(dir, ".strongbox"),
    env,
    recipients: [{ recipient: identity.recipient }],
  });
  await fillStore(
    join(dir, ".strongbox"),
    env,
    Array.from({ length: 50 }, (_, i) => `SECRET_${String(i).padStart(2, "0")}`),
  );
  return { dir, env };
}

async function fillStore(
  dir: string,
  env: Record<string, string>,
  names: readonly string[],
): Promise<void> {
  const store = await openStore({ dir, env });
  for (const name of names) store.set(name, Buffer.from(`value-of-${name}-${"y".repeat(24)}`));
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

function formatNumber(value: number): string {
  return value >= 1000 ? Math.round(value).toLocaleString("en") : value.toFixed(1);
}

function print(rows: Row[], baseline: number): void {
  const header = ["benchmark", "median", "p90", "× node -e 0"];
  const lines = rows.map((row) => [
    row.name + (row.note ? ` (${row.note})` : ""),
    `${formatNumber(row.median)} ${row.unit}`,
    `${formatNumber(row.p90)} ${row.unit}`,
    row.unit === "ms" && (row.name.includes(" -- ") || row.name === "node -e 0")
      ? (row.median / baseline).toFixed(2)
      : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  console.log(format(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`,
  );
  for (const line of lines) console.log(format(line));
}

const { dir, env } = makeProject(50);
const secrets = makeSecretProjects();
await fillStore(
  join(secrets.store, ".strongbox"),
  secrets.env,
  Array.from({ length: 50 }, (_, i) => `SECRET_${String(i).padStart(2, "0")}`),
);
// The same 50 secrets in a team store (issue 16): opened by an age identity, not a key file.
const team = await makeTeamProject(secrets.store);
writeFileSync(
  join(secrets.dotenvx, ".env"),
  `${Array.from({ length: 50 }, (_, i) => `SECRET_${String(i).padStart(2, "0")}=value-${i}-${"y".repeat(24)}`).join("\n")}\n`,
);
spawnSync(process.execPath, [DOTENVX, "encrypt", "-f", ".env"], {
  cwd: secrets.dotenvx,
  env: secrets.env,
  stdio: "ignore",
});
const dotenvxEnv = { ...secrets.env, STRONGBOX_MASTER_KEY: "" };
const BINARY = join(ROOT, "dist/bin/strongbox");
const sopsDir = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-bench-sops-")));
const sops = sopsProject(
  ROOT,
  sopsDir,
  Object.fromEntries(
    Array.from({ length: 50 }, (_, i) => [
      `SECRET_${String(i).padStart(2, "0")}`,
      `value-${i}-${"y".repeat(24)}`,
    ]),
  ),
);
console.log(`strongbox benchmarks: ${RUNS} runs each, interleaved; node ${process.version}\n`);
const startup = timeCommands([
  { name: "node -e 0", argv: [process.execPath, "-e", "0"], cwd: dir, env },
  {
    name: "strongbox run -- true, 50 plain variables, YAML config",
    argv: [process.execPath, CLI, "run", "--", "true"],
    cwd: dir,
    env,
  },
  {
    name: "strongbox run -- true, 50 plain variables, TS config (cached)",
    argv: [process.execPath, CLI, "run", "--", "true"],
    cwd: join(dir, "ts"),
    env,
  },
  {
    name: "dotenvx run -- true, same 50 plain variables",
    argv: [process.execPath, DOTENVX, "run", "-f", ".env", "--quiet", "--", "true"],
    cwd: dir,
    env,
  },
  {
    name: "strongbox run -- true, 50 secrets from the store",
    argv: [process.execPath, CLI, "run", "--", "true"],
    cwd: secrets.store,
    env: secrets.env,
  },
  {
    name: "strongbox run -- true, 50 secrets from a store with an age recipient",
    argv: [process.execPath, CLI, "run", "--", "true"],
    cwd: team.dir,
    env: team.env,
  },
  {
    name: "dotenvx run -- true, 50 encrypted values",
    argv: [process.execPath, DOTENVX, "run", "-f", ".env", "--quiet", "--", "true"],
    cwd: secrets.dotenvx,
    env: dotenvxEnv,
  },
  ...(existsSync(BINARY)
    ? [
        {
          name: "strongbox single executable: run -- true, 50 secrets from the store",
          argv: [BINARY, "run", "--", "true"],
          cwd: secrets.store,
          env: secrets.env,
        },
      ]
    : []),
  ...(sops === undefined
    ? []
    : [
        {
          name: "sops exec-env -- true, 50 age-encrypted values (Go)",
          argv: [sops.sops, "exec-env", "secrets.enc.env", "true"],
          cwd: sopsDir,
          env: sops.env,
        },
      ]),
]);
const baseline = startup[0]?.median ?? Number.NaN;
const rows = [
  ...startup,
  coldTypeScript(dir, env),
  await resolveThousand(),
  ...(await auditRows(RUNS)),
  ...(await storeThroughput()),
  await rekeyTime(10),
  await rekeyTime(10_000),
];
print(rows, baseline);
const store = rows.find((row) => row.name.includes("from the store"));
const dotenvxEncrypted = rows.find((row) => row.name.includes("encrypted values"));
if (store && dotenvxEncrypted)
  console.log(
    `\nstore run vs dotenvx encrypted run: ${(dotenvxEncrypted.median / store.median).toFixed(1)}× faster`,
  );
const teamRow = rows.find((row) => row.name.includes("age recipient"));
if (store && teamRow)
  console.log(
    `store with an age recipient / with a master key: ${(teamRow.median / store.median).toFixed(3)}× (goal ≤ 1.10)`,
  );
const single = rows.find((row) => row.name.startsWith("strongbox single executable"));
const sopsRow = rows.find((row) => row.name.startsWith("sops exec-env"));
if (single && store)
  console.log(
    `single executable vs npm package, 50 store secrets: ${(store.median / single.median).toFixed(2)}× faster`,
  );
if (single && sopsRow)
  console.log(
    `single executable / sops exec-env: ${(single.median / sopsRow.median).toFixed(2)}× (goal ≤ 2)`,
  );
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
