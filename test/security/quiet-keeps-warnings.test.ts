// Red-team finding 5 (issue 27): --quiet drops notices, hints and progress, never a warning
// or a finding. The store's trust notices (a pin naming an older key, a key pinned on first
// use), `hook run`'s `✗ file:line` findings and the "skipped VAULT_TOKEN…" line of set -f and
// import were dropped by -q. Each command that prints one is run plainly and with every
// spelling and place of the quiet flag; the warning, error and finding lines must be identical.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type CliResult, cleanEnv, runCli, tempProject } from "../helpers/cli.js";

/** What --quiet must keep: a `strongbox[ cmd]: warning:`/`error:` line, or a finding's `✗` line. */
const KEPT = /^(?:strongbox(?: [a-z-]+)?: (?:warning|error):|\s*✗ )/;
/** The lines -q must keep, and the scenario's own line however it is spelled. */
const kept = (stderr: string, expect: RegExp) =>
  stderr.split("\n").filter((line) => KEPT.test(line) || expect.test(line));

/** Where -q can go: before the command (lifted), after it, spelled long or short. */
const QUIET: ReadonlyArray<(args: string[]) => string[]> = [
  (args) => ["-q", ...args],
  (args) => ["--quiet", ...args],
  (args) => [...args, "-q"],
  (args) => [...args, "--quiet"],
];

const DB_CONFIG = `variables:\n  DB_PASS: { secret: true, ref: "store://DB_PASS" }\n`;

/** A team store (alice's), rekeyed once: `pin` names its key from before the rekey. */
async function teamStore(): Promise<{ dir: string; identities: string; pin: string }> {
  const dir = tempProject({ "strongbox.config.yaml": DB_CONFIG });
  const alice = { HOME: tempProject() };
  const step = async (args: string[], input?: string) => {
    const result = await runCli(args, {
      cwd: dir,
      env: alice,
      ...(input === undefined ? {} : { input }),
    });
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const key = await step(["keygen"]);
  await step(["init", "--recipient", `alice=${key}`]);
  await step(["set", "DB_PASS"], "quiet-canary-3f1");
  const pin = await step(["recipients", "fingerprint"]);
  await step(["rekey"]);
  return { dir, identities: join(alice.HOME, ".config/strongbox/identities"), pin };
}

/** A git repository with a secret in the ignored .env and the same secret in a staged file. */
function stagedSecret(): { dir: string; env: Record<string, string> } {
  const secret = "sk_live_quietCanary7Qm2Xv9Lw4";
  const dir = tempProject({
    "strongbox.config.yaml": "variables:\n  API_KEY: { secret: true }\n",
    ".env": `API_KEY=${secret}\n`,
    ".gitignore": ".env\n",
    "app.js": `const key = "${secret}";\n`,
    "b.txt": `x\n${secret}\n`,
  });
  const env = cleanEnv(dir, { GIT_CONFIG_NOSYSTEM: "1" });
  for (const args of [
    ["init", "-q"],
    ["add", "app.js", "b.txt"],
  ])
    assert.equal(spawnSync("git", args, { cwd: dir, env }).status, 0);
  return { dir, env };
}

/** Each scenario: the command's arguments and a run in a fresh state; `expect` proves it printed something to keep. */
interface Scenario {
  readonly args: string[];
  readonly expect: RegExp;
  prepare(): Promise<(argv: string[]) => Promise<CliResult>>;
}

const SCENARIOS: Record<string, Scenario> = {
  "get: a pin naming an older key (STRONGBOX_STORE_FINGERPRINT)": {
    args: ["get", "DB_PASS"],
    expect: /names an older key/,
    async prepare() {
      const store = await teamStore();
      return (argv) =>
        runCli(argv, {
          cwd: store.dir,
          env: {
            HOME: tempProject(),
            STRONGBOX_IDENTITY_FILE: store.identities,
            STRONGBOX_STORE_FINGERPRINT: store.pin,
          },
        });
    },
  },
  "list: the team store's key pinned on first use": {
    args: ["list"],
    expect: /first use of the team store .*pinned its key/,
    async prepare() {
      const store = await teamStore();
      return (argv) =>
        runCli(argv, {
          cwd: store.dir,
          env: { HOME: tempProject(), STRONGBOX_IDENTITY_FILE: store.identities },
        });
    },
  },
  "hook run: every staged finding": {
    args: ["hook", "run"],
    expect: /✗ .*app\.js/,
    async prepare() {
      const repo = stagedSecret();
      return (argv) => runCli(argv, { cwd: repo.dir, env: repo.env });
    },
  },
  "set -f: the credentials it skipped": {
    args: ["set", "-f", "values.env"],
    expect: /skipped VAULT_TOKEN/,
    async prepare() {
      return async (argv) => {
        const dir = tempProject({ "values.env": "VAULT_TOKEN=hvs.quiet-canary\nAPP_KEY=k-1\n" });
        assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
        return runCli(argv, { cwd: dir });
      };
    },
  },
  "import: the credentials it skipped": {
    args: ["import", ".env.local"],
    expect: /skipped VAULT_TOKEN/,
    async prepare() {
      return async (argv) => {
        const dir = tempProject({
          "strongbox.config.yaml": "variables:\n  APP_KEY: { secret: true }\n",
          ".env.local": "VAULT_TOKEN=hvs.quiet-canary\nAPP_KEY=k-1\n",
        });
        assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
        return runCli(argv, { cwd: dir });
      };
    },
  },
};

describe("--quiet keeps every warning and finding (finding 5)", () => {
  for (const [title, scenario] of Object.entries(SCENARIOS)) {
    it(`${title}: the same warning and finding lines with each spelling of -q`, async () => {
      const run = await scenario.prepare();
      const plain = await run(scenario.args);
      const lines = kept(plain.stderr, scenario.expect);
      assert.ok(
        lines.some((line) => scenario.expect.test(line)),
        `the plain run says it: ${plain.stderr}`,
      );
      for (const quiet of QUIET) {
        const argv = quiet(scenario.args);
        const result = await run(argv);
        assert.equal(result.code, plain.code, `${argv.join(" ")}: ${result.stderr}`);
        assert.deepEqual(kept(result.stderr, scenario.expect), lines, argv.join(" "));
      }
      // Kept by its kind, not by this test's pattern: it is spelled as a warning or a finding.
      assert.ok(
        lines.some((line) => scenario.expect.test(line) && KEPT.test(line)),
        `said as a warning or finding: ${lines.join("\n")}`,
      );
    });
  }
});
