// Journey: the identities `vault setup` makes, where config names meet Vault's
// names (TLS OpenBao, as production). Two environments, `prod` and `prod-eu`;
// a worker in prod whose component is `eu-rotation`. Setup must give the prod
// worker and prod-eu's rotation identity different names (the red team's F2:
// they were one), the worker must not be able to rotate prod-eu, a component
// name that climbs a path must be refused by check and setup with `default`
// untouched (F1), a ref into transit's key export must not become a grant (F3),
// and a hand-made policy of the same name as an identity is not overwritten.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { Journey } from "../helpers/journey.js";

const QUEUE = "journey-queue-canary-5c1e";
const KEY = "journey-key-canary-9a07";

const config = (component: string, extra = "") =>
  [
    "project: shop",
    "environments: { prod: {}, prod-eu: {} }",
    "variables:",
    `  QUEUE: { secret: true, required: false, component: ${JSON.stringify(component)}, ref: { prod: "vault://secret/shop/prod/worker#QUEUE" } }`,
    '  KEY: { secret: true, required: false, ref: { prod-eu: "vault://secret/shop/prod-eu/app#KEY" }, rotation: { every: 30d, generator: "hex:24" } }',
    extra,
    "",
  ].join("\n");

describe("journey: vault setup identities across prod and prod-eu (TLS OpenBao)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao({ tls: true });
    bao.cli(["kv", "put", "-mount=secret", "shop/prod/worker", `QUEUE=${QUEUE}`]);
    bao.cli(["kv", "put", "-mount=secret", "shop/prod-eu/app", `KEY=${KEY}`]);
    bao.cli(["secrets", "enable", "transit"]);
  });
  after(async () => bao.stop());

  it("setup both → the worker runs, cannot rotate prod-eu → a climbing component and a transit ref are refused → a hand-made policy is kept", async () => {
    const j = new Journey("setup identities", {
      files: { "strongbox.config.yaml": config("eu-rotation") },
      env: { VAULT_ADDR: bao.addr, VAULT_CACERT: bao.caCert as string },
    }).canary(QUEUE, KEY, bao.rootToken);
    const admin = { VAULT_TOKEN: bao.rootToken };
    const defaultPolicy = bao.cli(["policy", "read", "default"]);

    await j.step(["vault", "setup", "--env", "prod", "--dry-run"], {
      env: admin,
      stdout: [
        /# policy shop-prod-eu--rotation\n# strongbox vault setup: shop\/prod\/eu-rotation /,
        /^PUT sys\/policies\/acl\/shop-prod-eu--rotation$/m,
      ],
    });
    const names: Record<string, { roleId: string; wrappedSecretId: string }> = {};
    for (const env of ["prod", "prod-eu"]) {
      const setup = await j.step(["vault", "setup", "--env", env, "--json"], { env: admin });
      for (const role of JSON.parse(setup.stdout).roles) names[role.name] = role;
    }
    assert.deepEqual(Object.keys(names).sort(), [
      "shop-prod--eu-app",
      "shop-prod--eu-rotation",
      "shop-prod-eu--rotation",
    ]);

    j.note("where the prod worker runs: its AppRole only");
    const worker = names["shop-prod-eu--rotation"] as { roleId: string; wrappedSecretId: string };
    const secretId = bao.cli(["unwrap", "-field=secret_id", worker.wrappedSecretId]).trim();
    j.canary(secretId);
    const asWorker = { VAULT_ROLE_ID: worker.roleId, VAULT_SECRET_ID: secretId };
    await j.step(
      ["run", "-e", "prod", "--", "node", "-e", "process.exit(process.env.QUEUE ? 0 : 9)"],
      {
        env: asWorker,
      },
    );
    j.note("the prod worker tries to rotate prod-eu's key: its policy has no such grant");
    await j.step(["rotate", "KEY", "-e", "prod-eu"], {
      env: asWorker,
      code: 11,
      stderr: [/E_VAULT_DENIED/],
    });
    assert.equal(
      bao.cli(["kv", "get", "-mount=secret", "-field=KEY", "shop/prod-eu/app"]).trim(),
      KEY,
    );

    j.write(
      { "strongbox.config.yaml": config("x/../../../../sys/policies/acl/default") },
      "a PR renames the worker's component",
    );
    await j.step(["check", "-e", "prod"], {
      env: admin,
      code: 3,
      stderr: [/QUEUE: the component name is not lower-case letters/],
    });
    await j.step(["vault", "setup", "--env", "prod", "--dry-run"], {
      env: admin,
      code: 3,
      stderr: [/QUEUE/],
      not: [/^PUT /m],
    });
    await j.step(["vault", "setup", "--env", "prod"], { env: admin, code: 3, stderr: [/QUEUE/] });
    assert.equal(bao.cli(["policy", "read", "default"]), defaultPolicy);

    j.write(
      {
        "strongbox.config.yaml": config(
          "worker",
          '  SIGNING: { secret: true, ref: { prod: "vault://transit/export/encryption-key/app#keys" } }',
        ),
      },
      "a PR adds a ref into transit's key export",
    );
    await j.step(["vault", "setup", "--env", "prod", "--print-policy"], {
      env: admin,
      code: 4,
      stderr: [/SIGNING in prod: .*not a KV store/],
      not: [/^path /m],
    });

    j.write({ "strongbox.config.yaml": config("worker") }, "back to a plain worker");
    j.note("an admin had made a policy of the worker identity's name by hand");
    const handMade = 'path "secret/*" { capabilities = ["read", "list"] }\n';
    bao.cli(["policy", "write", "shop-prod-worker", "-"], { input: handMade });
    await j.step(["vault", "setup", "--env", "prod"], {
      env: admin,
      code: 3,
      stderr: [/policy shop-prod-worker exists and was not written by vault setup/],
    });
    assert.equal(bao.cli(["policy", "read", "shop-prod-worker"]), handMade);
  });
});
