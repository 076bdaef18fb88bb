// Runs every compiled test file with Node's own test runner.
// Collecting the files here keeps the command the same on Node 20 and later.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ensureBao } from "./ensure-bao.mjs";

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return entry.name.endsWith(".test.js") ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = collect("dist/test")
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)))
  .sort();
if (files.length === 0) {
  console.error("run-tests: no test files found under dist/test");
  process.exit(1);
}
// The integration tests talk to a real OpenBao; install it once, before any test runs.
const bao = ensureBao();
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env: { ...process.env, STRONGBOX_BAO: bao },
});
process.exit(result.status ?? 1);
