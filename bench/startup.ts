// Start-up side by side (issues 13 and 27): `strongbox run -- true` against
// `node -e 0` (the floor of any Node program), dotenvx (Node), sops exec-env (Go)
// and fnox exec (Rust), each with the same 50 secrets. Commands are timed
// interleaved, round by round, so machine noise hits all alike; a peer that
// cannot be installed is listed as skipped with the reason.
//
// `node dist/bench/startup.js` runs this table alone (BENCH_RUNS rounds, 15 by
// default): what each start-up step below was measured with.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initRecipientStore, initStore, openStore } from "../src/store/open.js";
import { newAgeIdentity } from "../src/store/recipients/age.js";
import { fnoxProject, type PeerProject, sopsProject } from "./peers.js";
import { printRows, quantile, type Row } from "./stats.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI = join(ROOT, "dist/bundle/strongbox.cjs");
const BINARY = join(ROOT, "dist/bin/strongbox");
const DOTENVX = join(ROOT, "node_modules/.bin/dotenvx");

/** One command to time. */
interface Timed extends PeerProject {
  readonly name: string;
}

/**
 * The timing loop, as hyperfine runs one: fork, exec, wait4, with the child's
 * CPU time (user + system, from its rusage) beside the wall time. On a busy
 * machine the wall time swings with other work; the CPU time is what a start
 * itself costs, and what each start-up step was judged by.
 */
const HARNESS = `
import json, os, sys, time
commands, runs = json.loads(sys.stdin.read()), int(sys.argv[1])
null = os.open(os.devnull, os.O_RDWR)
def once(c):
    t0 = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(c["cwd"])
            for fd in (0, 1, 2): os.dup2(null, fd)
            os.execve(c["argv"][0], c["argv"], c["env"])
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    if status != 0: sys.exit(c["name"] + " exited " + str(status))
    return [(time.perf_counter_ns() - t0) / 1e6, (usage.ru_utime + usage.ru_stime) * 1e3]
for c in commands: once(c)
samples = [[] for c in commands]
for r in range(runs):
    for i, c in enumerate(commands): samples[i].append(once(c))
print(json.dumps(samples))
`;

/** Wall and CPU times of `runs` interleaved rounds, after one warm-up run of each. */
export function timeCommands(commands: readonly Timed[], runs: number): Row[] {
  const timed = spawnSync("python3", ["-c", HARNESS, String(runs)], {
    input: JSON.stringify(commands),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (timed.status !== 0) throw new Error(`bench: timing failed: ${timed.stderr.trim()}`);
  const samples = JSON.parse(timed.stdout) as Array<Array<[number, number]>>;
  return commands.map((command, i) => {
    const wall = (samples[i] ?? []).map(([ms]) => ms);
    const cpu = (samples[i] ?? []).map(([, ms]) => ms);
    return {
      name: command.name,
      median: quantile(wall, 0.5),
      p90: quantile(wall, 0.9),
      cpu: quantile(cpu, 0.5),
      unit: "ms",
      relative: true,
    };
  });
}

// Fixed so runs compare; random-looking, since init refuses patterned keys.
export const MASTER_KEY = "7d0152fe964a7b6901a39d3458e387e2f2eb5422c5d59487c101de97f805e3dc";

export const SECRET_NAMES = Array.from(
  { length: 50 },
  (_, i) => `SECRET_${String(i).padStart(2, "0")}`,
);
const secretValue = (i: number) => `value-${i}-${"y".repeat(24)}`;

export async function fillStore(
  dir: string,
  env: Record<string, string>,
  names: readonly string[],
): Promise<void> {
  const store = await openStore({ dir, env });
  for (const name of names) store.set(name, Buffer.from(`value-of-${name}-${"y".repeat(24)}`));
}

const tempDir = (prefix: string) => realpathSync(mkdtempSync(join(tmpdir(), prefix)));
const mkdir = (...dirs: string[]) => spawnSync("mkdir", ["-p", ...dirs]);

/** A project with `count` variables (every fifth a secret) in YAML and TypeScript, and a .env. */
export function makeProject(count: number): { dir: string; env: Record<string, string> } {
  const dir = tempDir("strongbox-bench-");
  const names = Array.from({ length: count }, (_, i) => `VAR_${String(i).padStart(3, "0")}`);
  const secret = (i: number) => i % 5 === 0;
  writeFileSync(
    join(dir, "strongbox.config.yaml"),
    `variables:\n${names.map((n, i) => `  ${n}: { type: string${secret(i) ? ", secret: true" : ""} }`).join("\n")}\n`,
  );
  const tsDir = join(dir, "ts");
  mkdir(tsDir);
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

/** The 50 secrets in the encrypted store (a master key), and a directory for dotenvx's copy. */
async function makeStoreProject(): Promise<{
  store: string;
  dotenvx: string;
  env: Record<string, string>;
}> {
  const root = tempDir("strongbox-bench-secrets-");
  const store = join(root, "store");
  const dotenvx = join(root, "dotenvx");
  mkdir(store, dotenvx);
  writeFileSync(
    join(store, "strongbox.config.yaml"),
    `variables:\n${SECRET_NAMES.map((n) => `  ${n}: { secret: true, ref: "store://${n}" }`).join("\n")}\n`,
  );
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: root,
    STRONGBOX_CACHE_DIR: join(root, ".cache"),
    STRONGBOX_MASTER_KEY: MASTER_KEY,
  };
  initStore({ dir: join(store, ".strongbox"), env, masterKey: Buffer.from(MASTER_KEY, "hex") });
  await fillStore(join(store, ".strongbox"), env, SECRET_NAMES);
  return { store, dotenvx, env };
}

/** The store project's config with its secrets in a store whose only recipient is an age identity. */
async function makeTeamProject(from: string): Promise<PeerProject> {
  const root = tempDir("strongbox-bench-team-");
  const dir = join(root, "team");
  mkdir(dir);
  const config = readFileSync(join(from, "strongbox.config.yaml"), "utf8");
  writeFileSync(join(dir, "strongbox.config.yaml"), config);
  const identity = await newAgeIdentity();
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: root,
    STRONGBOX_CACHE_DIR: join(root, ".cache"),
    STRONGBOX_IDENTITY: identity.secret,
  };
  const store = join(dir, ".strongbox");
  await initRecipientStore({ dir: store, env, recipients: [{ recipient: identity.recipient }] });
  await fillStore(store, env, SECRET_NAMES);
  return { argv: [process.execPath, CLI, "run", "--", "true"], cwd: dir, env };
}

/** dotenvx's encrypted .env with the same 50 values, or why not. */
function dotenvxProject(
  dir: string,
  env: Record<string, string>,
): PeerProject | { skipped: string } {
  if (!existsSync(DOTENVX)) return { skipped: "node_modules/.bin/dotenvx is missing (npm ci)" };
  const dotenv = SECRET_NAMES.map((n, i) => `${n}=${secretValue(i)}`).join("\n");
  writeFileSync(join(dir, ".env"), `${dotenv}\n`);
  const encrypted = spawnSync(process.execPath, [DOTENVX, "encrypt", "-f", ".env"], {
    cwd: dir,
    env,
  });
  if (encrypted.status !== 0) return { skipped: "dotenvx encrypt failed" };
  return {
    argv: [process.execPath, DOTENVX, "run", "-f", ".env", "--quiet", "--", "true"],
    cwd: dir,
    env: { ...env, STRONGBOX_MASTER_KEY: "" },
  };
}

/** The start-up rows, and the peers skipped with their reasons. */
export async function startupRows(runs: number): Promise<{
  rows: Row[];
  skipped: string[];
  plain: { dir: string; env: Record<string, string> };
}> {
  const plain = makeProject(50);
  const secrets = await makeStoreProject();
  const team = await makeTeamProject(secrets.store);
  const values = Object.fromEntries(SECRET_NAMES.map((n, i) => [n, secretValue(i)]));
  const cli = (cwd: string, env: Record<string, string>) => ({
    argv: [process.execPath, CLI, "run", "--", "true"],
    cwd,
    env,
  });
  const skipped: string[] = [];
  const peer = (name: string, project: PeerProject | { skipped: string }): Timed[] => {
    if ("skipped" in project) {
      skipped.push(`${name}: ${project.skipped}`);
      return [];
    }
    return [{ name, ...project }];
  };
  const commands: Timed[] = [
    { name: "node -e 0", argv: [process.execPath, "-e", "0"], cwd: plain.dir, env: plain.env },
    {
      name: "strongbox --version",
      argv: [process.execPath, CLI, "--version"],
      cwd: plain.dir,
      env: plain.env,
    },
    {
      name: "strongbox run -- true, 50 plain variables, YAML config",
      ...cli(plain.dir, plain.env),
    },
    {
      name: "strongbox run -- true, 50 plain variables, TS config (cached)",
      ...cli(join(plain.dir, "ts"), plain.env),
    },
    ...peer(
      "dotenvx run -- true, same 50 plain variables",
      existsSync(DOTENVX)
        ? {
            argv: [process.execPath, DOTENVX, "run", "-f", ".env", "--quiet", "--", "true"],
            cwd: plain.dir,
            env: plain.env,
          }
        : { skipped: "node_modules/.bin/dotenvx is missing (npm ci)" },
    ),
    {
      name: "strongbox run -- true, 50 secrets from the store",
      ...cli(secrets.store, secrets.env),
    },
    { name: "strongbox run -- true, 50 secrets from a store with an age recipient", ...team },
    ...peer(
      "dotenvx run -- true, 50 encrypted values",
      dotenvxProject(secrets.dotenvx, secrets.env),
    ),
    ...peer(
      "strongbox single executable: run -- true, 50 secrets from the store",
      existsSync(BINARY)
        ? { argv: [BINARY, "run", "--", "true"], cwd: secrets.store, env: secrets.env }
        : { skipped: "dist/bin/strongbox is not built (node scripts/build-binary.mjs)" },
    ),
    ...peer(
      "sops exec-env -- true, 50 age-encrypted values (Go)",
      sopsProject(ROOT, tempDir("strongbox-bench-sops-"), values),
    ),
    ...peer(
      "fnox exec -- true, 50 age-encrypted values (Rust)",
      fnoxProject(ROOT, tempDir("strongbox-bench-fnox-"), await newAgeIdentity(), values),
    ),
  ];
  return { rows: timeCommands(commands, runs), skipped, plain };
}

/** The ratios the issues set goals for, as lines under the table (wall time, then CPU time). */
export function startupSummary(rows: readonly Row[]): string[] {
  const find = (prefix: string) => rows.find((row) => row.name.startsWith(prefix));
  const node = find("node -e 0");
  const store = find("strongbox run -- true, 50 secrets from the store");
  const team = find("strongbox run -- true, 50 secrets from a store with an age");
  const single = find("strongbox single executable");
  const sops = find("sops exec-env");
  const fnox = find("fnox exec");
  const dotenvx = find("dotenvx run -- true, 50 encrypted");
  const lines: string[] = [];
  const ratio = (a: Row | undefined, b: Row | undefined, text: string) => {
    if (a === undefined || b === undefined) return;
    const cpu = a.cpu !== undefined && b.cpu ? `, CPU ${(a.cpu / b.cpu).toFixed(2)}×` : "";
    lines.push(`${text}: ${(a.median / b.median).toFixed(2)}×${cpu}`);
  };
  ratio(store, node, "npm package (50 store secrets) / node -e 0 (goal ≤ 1.3)");
  ratio(single, fnox, "single executable / fnox exec (goal ≤ 2)");
  ratio(single, sops, "single executable / sops exec-env");
  ratio(store, single, "npm package / single executable");
  ratio(dotenvx, store, "dotenvx encrypted run / npm package (how much slower dotenvx is)");
  ratio(team, store, "store with an age recipient / with a master key (goal ≤ 1.10)");
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  const { rows, skipped } = await startupRows(runs);
  console.log(`strongbox start-up: ${runs} runs each, interleaved; node ${process.version}\n`);
  printRows(rows);
  for (const line of skipped) console.log(`skipped: ${line}`);
  console.log("");
  for (const line of startupSummary(rows)) console.log(line);
}
