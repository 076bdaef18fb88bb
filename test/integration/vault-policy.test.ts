// The policy `vault setup` writes is derived from FEATURE_GRANTS (what each
// Strongbox feature calls). Each feature is run here with a token holding ONLY
// the policy derived for that feature, and must work; with only `run`'s
// policy, every other feature must be denied, so no grant in the table is
// dead weight and none is missing. A feature added to the table without a
// runner here fails the first test.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { FEATURE_GRANTS, policyText, type VaultFeature } from "../../src/api/vault.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { type CliResult, runCli, tempProject, writeFiles } from "../helpers/cli.js";

const CONFIG = [
  "project: shop",
  "variables:",
  "  SESSION_SECRET:",
  "    secret: true",
  "    ref: { production: 'vault://secret/{project}/{env}/app#SESSION_SECRET' }",
  "    rotation: { every: 30d, generator: 'hex:16', overlap: 1d, soak: 0s }",
  "",
].join("\n");
const PATH = "secret/shop/production/app";
const SHOW = `console.log(process.env.SESSION_SECRET_PREVIOUS ? "previous=set" : "previous=unset")`;

type Runner = (env: Record<string, string>, dir: string) => Promise<CliResult[]>;

/** How each feature is used, as a person uses it. */
const RUNNERS: Record<VaultFeature, Runner> = {
  // A variable without `rotation:` (with it, `run` also reads NAME_PREVIOUS: the `previous` feature).
  run: async (env, dir) => {
    writeFiles(dir, { "strongbox.config.yaml": CONFIG.replace(/ {4}rotation: .*\n/, "") });
    return [
      await runCli(["run", "--env", "production", "--", process.execPath, "-e", SHOW], {
        cwd: dir,
        env,
      }),
    ];
  },
  previous: async (env, dir) => {
    const result = await runCli(
      ["run", "--env", "production", "--", process.execPath, "-e", SHOW],
      { cwd: dir, env },
    );
    if (result.code === 0) assert.match(result.stdout, /previous=set/);
    return [result];
  },
  agent: async (env, dir) => [
    await runCli(["agent", "-a", "agent.yaml", "--once"], {
      cwd: dir,
      env: { ...env, ENV: "production" },
    }),
  ],
  rotate: async (env, dir) => [
    await runCli(["rotate", "SESSION_SECRET", "--env", "production"], { cwd: dir, env }),
    await runCli(["rotate", "--finish", "SESSION_SECRET", "--env", "production", "--force"], {
      cwd: dir,
      env,
    }),
  ],
};
const FEATURES = Object.keys(FEATURE_GRANTS) as VaultFeature[];

describe("the policy each feature needs, used by that feature alone (real TLS bao)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao({ tls: true });
  });
  after(async () => bao.stop());

  /** A token holding only the policy derived for `features` on PATH, and a project with two versions of it. */
  const setUp = (features: readonly VaultFeature[]) => {
    const name = `only-${features.join("-")}-${randomBytes(3).toString("hex")}`;
    const policy = policyText([
      { path: PATH, mount: "secret/", kvVersion: 2, features: new Set(features) },
    ]);
    bao.cli(["policy", "write", name, "-"], { input: policy });
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "shop/production/app",
      "SESSION_SECRET=policy-canary-1",
    ]);
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "shop/production/app",
      "SESSION_SECRET=policy-canary-2",
    ]);
    const token = bao.cli(["token", "create", `-policy=${name}`, "-field=token"]).trim();
    const dir = tempProject({
      "strongbox.config.yaml": CONFIG,
      "secrets.ctmpl":
        '{{ with secret (printf "secret/data/shop/%s/app" (env "ENV")) }}S={{ .Data.data.SESSION_SECRET }}{{ end }}\n',
      "agent.yaml": "templates:\n  - { source: secrets.ctmpl, destination: app.env }\n",
    });
    const env = { VAULT_ADDR: bao.addr, VAULT_CACERT: bao.caCert as string, VAULT_TOKEN: token };
    return { dir, env, policy };
  };

  it("every feature in FEATURE_GRANTS has a runner here", () => {
    assert.deepEqual(FEATURES.sort(), Object.keys(RUNNERS).sort());
  });

  for (const feature of FEATURES)
    it(`${feature} works with a token holding only its own policy`, async () => {
      const { dir, env, policy } = setUp([feature]);
      for (const result of await RUNNERS[feature](env, dir)) {
        assert.equal(result.code, 0, `${feature} under\n${policy}\n${result.stderr}`);
        assert.ok(!`${result.stdout}${result.stderr}`.includes("policy-canary"));
      }
    });

  for (const feature of FEATURES.filter((f) => f !== "run"))
    it(`${feature} is denied with only run's policy (its grant is needed)`, async () => {
      const { dir, env } = setUp(["run"]);
      const results = await RUNNERS[feature](env, dir);
      assert.ok(
        results.some((r) => r.code !== 0 && /permission denied/.test(r.stderr)),
        results.map((r) => r.stderr).join("\n"),
      );
    });

  it("the app's policy (run, previous, agent) cannot rotate nor destroy versions", async () => {
    const { dir, env } = setUp(["run", "previous", "agent"]);
    for (const result of await RUNNERS.rotate(env, dir)) {
      assert.equal(result.code, 11, result.stderr);
      assert.match(result.stderr, /permission denied/);
    }
  });
});
