// Bun for the single executable (issue 27: chosen by measurement, see docs/benchmarks.md):
// STRONGBOX_BUN, else `bun` on PATH, else the npm package `bun` (a pinned release)
// installed with npm into .tools/bun, once. Returns undefined, with the reason printed,
// when none of these works: scripts/build-binary.mjs then builds Node's executable instead.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PREFIX = join(ROOT, ".tools", "bun");
export const BUN_VERSION = "1.4.4";

const versionOf = (path) => {
  const run = spawnSync(path, ["--version"], { encoding: "utf8" });
  return run.status === 0 ? run.stdout.trim() : undefined;
};

/** The installed copies, the package's own binary first (its `.bin` entry may be a launcher script). */
const local = () =>
  [
    join(
      PREFIX,
      "node_modules",
      "@oven",
      `bun-${process.platform}-${process.arch === "arm64" ? "aarch64" : process.arch}`,
      "bin",
      "bun",
    ),
    join(PREFIX, "node_modules", "bun", "bin", "bun.exe"),
  ].filter((path) => existsSync(path) && versionOf(path) !== undefined)[0];

/** The path of a working `bun`, installing the pinned release when needed; undefined if impossible. */
export function ensureBun() {
  if (process.env.STRONGBOX_BUN) return process.env.STRONGBOX_BUN;
  const onPath = spawnSync("sh", ["-c", "command -v bun"], { encoding: "utf8" });
  if (onPath.status === 0 && versionOf(onPath.stdout.trim())) return onPath.stdout.trim();
  const found = local();
  if (found) return found;
  console.log(`ensure-bun: installing bun ${BUN_VERSION} from npm into ${PREFIX}`);
  mkdirSync(PREFIX, { recursive: true });
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const installed = spawnSync(
    npm,
    ["install", "--prefix", PREFIX, "--no-save", "--no-audit", "--no-fund", `bun@${BUN_VERSION}`],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const after = local();
  if (installed.status === 0 && after) return after;
  console.log(
    `ensure-bun: no bun (npm install bun@${BUN_VERSION} failed or gave no working binary)`,
  );
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureBun() ?? "");
