// Red team rt4 F2: an AppRole made in advance, pointing at a policy that does not
// exist yet, was adopted by `vault setup`, so secret ids issued for it before setup
// gained setup's grant and read production. The rule (vault-ops/setup-owner.ts):
// an existing role is setup's only when its policy exists and is setup's (setup
// writes the policy before the role). Generated: the pre-made role's policy
// (absent, foreign, setup's) x (a secret id issued before setup, or none).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

const OWN = "shop-prod-app";
const CANARY = "premade-role-canary-7";
const config = [
  "project: shop",
  "vault: { allowInsecure: true }",
  "environments: { prod: {} }",
  "variables:",
  '  DB_PASSWORD: { secret: true, ref: { prod: "vault://secret/shop/prod/app#DB_PASSWORD" } }',
  "",
].join("\n");
const SETUP_OWN = `# strongbox vault setup: shop/prod/app (rewritten by each run)\n# run\npath "secret/data/shop/prod/app" {\n  capabilities = ["read"]\n}\n`;
const POLICIES = {
  absent: {
    text: undefined,
    refused: /AppRole shop-prod-app exists but its policy shop-prod-app does not/,
  },
  foreign: {
    text: '# ops\npath "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n',
    refused: /policy shop-prod-app exists and was not written by vault setup/,
  },
  "setup's own": { text: SETUP_OWN, refused: undefined },
} as const;

describe("vault setup never adopts a role made in advance (rt4 F2, real OpenBao)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
    bao.cli(["kv", "put", "-mount=secret", "shop/prod/app", `DB_PASSWORD=${CANARY}`]);
    bao.cli(["auth", "enable", "approle"]);
  });
  after(async () => bao.stop());

  /** Whether a login with this role id and secret id can read the secret. */
  const reads = (roleId: string, secretId: string): boolean => {
    let token: string;
    try {
      token = bao
        .cli([
          "write",
          "-field=token",
          "auth/approle/login",
          `role_id=${roleId}`,
          `secret_id=${secretId}`,
        ])
        .trim();
    } catch {
      return false;
    }
    try {
      return bao
        .cli(["kv", "get", "-mount=secret", "-field=DB_PASSWORD", "shop/prod/app"], {
          env: { BAO_TOKEN: token },
        })
        .includes(CANARY);
    } catch {
      return false;
    }
  };
  const policyOf = (): string | undefined => {
    try {
      return bao.cli(["policy", "read", OWN]);
    } catch {
      return undefined;
    }
  };
  const roleOf = () =>
    JSON.parse(bao.cli(["read", "-format=json", `auth/approle/role/${OWN}`])).data as unknown;

  for (const [state, { text, refused }] of Object.entries(POLICIES))
    for (const issued of [true, false])
      it(`a pre-made role, its policy ${state}, ${issued ? "a secret id issued" : "no secret id"}: ${refused ? "refused, nothing written" : "taken as setup's"}`, async () => {
        bao.cli(["delete", `auth/approle/role/${OWN}`]);
        bao.cli(["policy", "delete", OWN]);
        if (text !== undefined) bao.cli(["policy", "write", OWN, "-"], { input: text });
        // setup's policy and TTL, but a batch token without a max TTL and secret ids that never expire
        bao.cli([
          "write",
          `auth/approle/role/${OWN}`,
          `token_policies=${OWN}`,
          "token_ttl=15m",
          "token_type=batch",
        ]);
        const roleId = bao
          .cli(["read", "-field=role_id", `auth/approle/role/${OWN}/role-id`])
          .trim();
        const secretId = issued
          ? bao
              .cli(["write", "-f", "-field=secret_id", `auth/approle/role/${OWN}/secret-id`])
              .trim()
          : undefined;
        const roleBefore = roleOf();
        const setup = await runCli(["vault", "setup", "--env", "prod"], {
          cwd: tempProject({ "strongbox.config.yaml": config }),
          env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
        });
        assert.doesNotMatch(setup.stdout + setup.stderr, new RegExp(CANARY));
        if (refused === undefined) {
          assert.equal(setup.code, 0, setup.stderr);
          assert.match(policyOf() ?? "", /^# strongbox vault setup: shop\/prod\/app /);
          // Adopted, the role holds setup's settings, not the pre-made role's defaults
          // (red team, fifth pass: a secret id that never expires kept under setup's name).
          assert.match(setup.stdout, /shop-prod-app: created or updated/);
          assert.deepEqual(
            Object.fromEntries(
              ["token_ttl", "token_max_ttl", "secret_id_ttl", "token_type"].map((key) => [
                key,
                (roleOf() as Record<string, unknown>)[key],
              ]),
            ),
            { token_ttl: 900, token_max_ttl: 3600, secret_id_ttl: 2592000, token_type: "service" },
          );
          // Setup's own policy already granted this read: the probe below is live, not always false.
          if (secretId !== undefined) assert.equal(reads(roleId, secretId), true);
          return;
        }
        assert.notEqual(setup.code, 0, setup.stdout);
        assert.match(setup.stderr, /E_CONFIG/);
        assert.match(setup.stderr, refused);
        assert.doesNotMatch(setup.stdout, /created or updated/);
        assert.equal(policyOf()?.trim(), text?.trim(), "policy untouched (absent stays absent)");
        assert.deepEqual(roleOf(), roleBefore, "role untouched");
        if (secretId !== undefined)
          assert.equal(reads(roleId, secretId), false, "the pre-issued secret id cannot read");
      });
});
