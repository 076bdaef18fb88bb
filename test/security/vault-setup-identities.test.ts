// `vault setup` makes a Vault policy and AppRole per identity, named from the
// config's project, environment and component. The red team overwrote the
// `default` policy with a component named `x/../../../../sys/policies/acl/default`
// (F1), and got a worker the rotation policy of another environment because
// `prod` + `eu-rotation` and `prod-eu` + `rotation` made one name (F2). The
// rules: every name part passes one identity-name rule (schema/identity-name.ts;
// `check` reports it, the planner refuses it), names are joined so that they
// are unambiguous (identityName), two grants of a plan never share a name, an
// existing policy or role setup did not write for the same identity is never
// overwritten (vault-ops/setup-owner.ts), and no request path has a `.`/`..`
// segment in any spelling (vault/http.ts). Each is generated over its variants.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { applySetup, type Grant, planSetup, VaultClient } from "../../src/api/vault.js";
import { checkSchema } from "../../src/config/check-schema.js";
import { IDENTITY_PART, identityName } from "../../src/schema/identity-name.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { VaultHttp } from "../../src/vault/http.js";
import { type Bao, recordingProxy, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

const HOSTILE = [
  "x/../../../../sys/policies/acl/default",
  "..",
  ".",
  "a/b",
  "a/./b",
  "%2e%2e",
  "a%2F..%2Fb",
  "a\\..\\b",
  "Prod",
  "SHOP",
  "a--b",
  "-a",
  "a-",
  "a.b",
  "a b",
  "a\tb",
  "",
  "é",
  'a"b',
  "a\nb",
];
const LEGIT = ["shop", "prod-eu", "billing_worker", "a1-b2-c3", "x"];
const FIELDS = ["project", "environment", "component"] as const;
type Field = (typeof FIELDS)[number];

/** A config with one Vault variable, `field` named `name` (the path is fixed, so only the name rule speaks). */
function configWith(field: Field, name: string): { config: ConfigSpec; environment: string } {
  const environment = field === "environment" ? name : "production";
  const config = {
    project: field === "project" ? name : "shop",
    environments: { [environment]: {} },
    variables: {
      TOKEN: {
        secret: true,
        component: field === "component" ? name : "app",
        ref: { [environment]: "vault://secret/shop/production/app#TOKEN" },
      },
    },
  } as unknown as ConfigSpec;
  return { config, environment };
}

/** Where check must place the problem, per field. */
const placed = (field: Field, name: string) =>
  field === "project"
    ? "project: the name"
    : field === "component"
      ? "TOKEN: the component name"
      : `environments.${name}: the name`;

/** A client that answers only the KV gate (planning asks nothing else of it here). */
const kvOnly = {
  kvMount: async () => ({ mount: "secret/", version: 2 as const, kind: "kv" }),
} as unknown as VaultClient;

describe("identity names: one rule, reported by check and refused by the planner", () => {
  it("every hostile name in every field: check names the field, planSetup refuses with E_CONFIG", async () => {
    for (const field of FIELDS)
      for (const name of HOSTILE) {
        const { config, environment } = configWith(field, name);
        const label = `${field} ${JSON.stringify(name)}`;
        const issues = checkSchema(config);
        assert.ok(
          issues.some((i) => i.code === "E_SCHEMA" && i.message.startsWith(placed(field, name))),
          `${label}: ${JSON.stringify(issues)}`,
        );
        if (field === "component")
          assert.ok(
            issues.some((i) => i.variable === "TOKEN"),
            label,
          );
        await assert.rejects(
          planSetup(config, [environment], kvOnly),
          (e: Error & { code?: string }) => e.code === "E_CONFIG",
          label,
        );
      }
  });

  it("legitimate names pass both, and name the identity as before when they have no dash", async () => {
    for (const field of FIELDS)
      for (const name of LEGIT) {
        const { config, environment } = configWith(field, name);
        const identity = checkSchema(config).filter((i) => / name /.test(i.message));
        assert.deepEqual(identity, [], `${field} ${name}`);
        const plan = await planSetup(config, [environment], kvOnly);
        assert.equal(plan.grants.length, 1);
      }
    const { config } = configWith("component", "app");
    assert.equal(
      (await planSetup(config, ["production"], kvOnly)).grants[0]?.name,
      "shop-production-app",
    );
  });

  it("names are unambiguous: every triple of parts (dashes included) gives its own name", () => {
    const pool = [
      "a",
      "b",
      "a-b",
      "b-a",
      "a-b-c",
      "eu",
      "prod",
      "prod-eu",
      "rotation",
      "eu-rotation",
      "x_y",
    ];
    const seen = new Map<string, string>();
    for (const p of pool)
      for (const e of pool)
        for (const c of pool) {
          const name = identityName([p, e, c]);
          const triple = `${p}|${e}|${c}`;
          assert.equal(seen.get(name), undefined, `${triple} and ${seen.get(name)} share ${name}`);
          seen.set(name, triple);
          // Vault's AppRole role names, and lower case (Vault lowercases policy names).
          assert.match(name, /^\w(?:[\w.-]*\w)?$/);
          assert.equal(name, name.toLowerCase());
        }
    for (const part of pool) assert.match(part, IDENTITY_PART);
  });

  it("two grants of one plan never share a name: a component named rotation beside the rotation identity", async () => {
    for (const component of ["rotation"]) {
      const config = {
        project: "shop",
        variables: {
          KEY: {
            secret: true,
            component,
            ref: "vault://secret/shop/{env}/x#KEY",
            rotation: { every: "30d" },
          },
        },
      } as unknown as ConfigSpec;
      await assert.rejects(
        planSetup(config, ["production"], kvOnly),
        /would share the policy and AppRole shop-production-rotation/,
      );
    }
  });
});

/** Every spelling of a dot segment the URL parser or Vault would act on. */
const DOTS = [".", "..", "%2e", "%2E", ".%2e", "%2e.", "%2E%2E", " ..", ".. ", "..\t", ".\n."];
const CLIMBS = (d: string) => [
  `${d}/sys/policies/acl/default`,
  `sys/policies/acl/x/${d}/default`,
  `sys/policies/acl/x/${d}`,
  `sys/policies/acl/x\\${d}\\default`,
  `sys/policies/acl/${encodeURIComponent(`x/${d}/default`)}`,
];

describe("the HTTP layer sends no request path with a dot segment (real OpenBao)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
  });
  after(async () => bao.stop());

  it("every spelling in every position is refused before anything is sent; real paths still go", async () => {
    const http = new VaultHttp({ address: bao.addr });
    try {
      for (const dot of DOTS)
        for (const path of CLIMBS(dot))
          await assert.rejects(
            http.send({ method: "PUT", path, token: bao.rootToken, body: { policy: "" } }),
            (e: Error & { code?: string }) =>
              e.code === "E_VAULT" && /"\." or "\.\."/.test(e.message),
            JSON.stringify(path),
          );
      assert.equal(http.counter.requests, 0, "nothing reached the server");
      for (const path of [
        "sys/policies/acl/default",
        "sys/policies/acl/..x",
        "sys/policies/acl/a...b",
      ]) {
        const response = await http.send({ method: "GET", path, token: bao.rootToken });
        assert.ok(response.status === 200 || response.status === 404, path);
      }
    } finally {
      http.close();
    }
  });
});

describe("vault setup cannot take over a policy or role it did not write (real OpenBao)", () => {
  let bao: Bao;
  const policyText = (name: string) => bao.cli(["policy", "read", name]);
  before(async () => {
    bao = await startBao();
    bao.cli(["kv", "put", "-mount=secret", "shop/production/app", "TOKEN=identity-canary-1"]);
  });
  after(async () => bao.stop());

  it("the red team's names in every field, through check and vault setup: default untouched, nothing sent past the name", async () => {
    const before = policyText("default");
    const proxy = await recordingProxy(bao.addr);
    try {
      for (const field of FIELDS)
        for (const name of [HOSTILE[0] as string, "..", "Prod", "a/b", "default/../root"]) {
          const environment = field === "environment" ? name : "production";
          const dir = tempProject({
            "strongbox.config.yaml": [
              `project: ${JSON.stringify(field === "project" ? name : "shop")}`,
              "vault: { allowInsecure: true }",
              `environments: { ${JSON.stringify(environment)}: {} }`,
              "variables:",
              `  TOKEN: { secret: true, component: ${JSON.stringify(field === "component" ? name : "app")}, ref: { ${JSON.stringify(environment)}: "vault://secret/shop/production/app#TOKEN" } }`,
              "",
            ].join("\n"),
          });
          const env = { VAULT_ADDR: proxy.addr, VAULT_TOKEN: bao.rootToken };
          for (const args of [
            ["check", "-e", environment],
            ["vault", "setup", "--env", environment],
            ["vault", "setup", "--env", environment, "--dry-run"],
          ]) {
            const result = await runCli(args, { cwd: dir, env });
            const label = `${args.join(" ")} with ${field} ${JSON.stringify(name)}`;
            assert.notEqual(result.code, 0, label);
            assert.match(
              result.stderr,
              new RegExp(
                field === "component"
                  ? "TOKEN"
                  : field === "project"
                    ? "project"
                    : "environments\\.",
              ),
              label,
            );
            assert.doesNotMatch(result.stdout, /^PUT /m, label);
            assert.doesNotMatch(`${result.stdout}${result.stderr}`, /identity-canary/);
          }
        }
      assert.deepEqual(
        proxy.seen.filter((url) => /policies|approle/.test(url)),
        [],
        "no policy or role was asked about",
      );
    } finally {
      proxy.close();
    }
    assert.equal(policyText("default"), before);
  });

  it("a plan forged past the planner (names unchecked) still cannot climb out: setup sends each name as one encoded segment", async () => {
    const before = policyText("default");
    const client = new VaultClient({ address: bao.addr }, { VAULT_TOKEN: bao.rootToken });
    try {
      for (const name of HOSTILE.filter((n) => /\.|%2e/i.test(n))) {
        const grant = {
          environment: "production",
          component: "app",
          kind: "app",
          name,
          features: ["run"],
          paths: [],
          policy:
            'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }',
        } as Grant;
        await applySetup({ grants: [grant], calls: [] }, client).then(
          () => undefined,
          () => undefined,
        );
        assert.equal(policyText("default"), before, JSON.stringify(name));
      }
    } finally {
      client.http.close();
    }
  });

  it("environments prod and prod-eu, component eu-rotation in prod: two identities, the worker gets only its own policy", async () => {
    bao.cli(["kv", "put", "-mount=secret", "shop/prod/worker", "QUEUE=q-canary"]);
    bao.cli(["kv", "put", "-mount=secret", "shop/prod-eu/app", "KEY=k-canary"]);
    const dir = tempProject({
      "strongbox.config.yaml": [
        "project: shop",
        "vault: { allowInsecure: true }",
        "environments: { prod: {}, prod-eu: {} }",
        "variables:",
        '  QUEUE: { secret: true, component: eu-rotation, ref: { prod: "vault://secret/shop/prod/worker#QUEUE" } }',
        '  KEY: { secret: true, ref: { prod-eu: "vault://secret/shop/prod-eu/app#KEY" }, rotation: { every: 30d } }',
        "",
      ].join("\n"),
    });
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    const results = [];
    for (const environment of ["prod", "prod-eu"]) {
      const setup = await runCli(["vault", "setup", "--env", environment, "--json"], {
        cwd: dir,
        env,
      });
      assert.equal(setup.code, 0, setup.stderr);
      results.push(
        ...(JSON.parse(setup.stdout).roles as Array<{ name: string }>).map((r) => r.name),
      );
    }
    assert.deepEqual(results.sort(), [
      "shop-prod--eu-app",
      "shop-prod--eu-rotation",
      "shop-prod-eu--rotation",
    ]);
    const role = JSON.parse(
      bao.cli(["read", "-format=json", "auth/approle/role/shop-prod-eu--rotation"]),
    ).data as { token_policies: string[] };
    assert.deepEqual(role.token_policies, ["shop-prod-eu--rotation"]);
    assert.doesNotMatch(policyText("shop-prod-eu--rotation"), /prod-eu\/|destroy/);
  });

  const OWN = "shop-production-app";
  const config = [
    "project: shop",
    "vault: { allowInsecure: true }",
    "environments: { production: {} }",
    "variables:",
    '  TOKEN: { secret: true, ref: { production: "vault://secret/shop/production/app#TOKEN" } }',
    '  OTHER: { secret: true, component: worker, ref: { production: "vault://secret/shop/production/app#TOKEN" } }',
    "",
  ].join("\n");
  const legacy = '# run\npath "secret/data/shop/production/app" {\n  capabilities = ["read"]\n}\n';
  const EXISTING: Record<string, { text: string; kept: boolean }> = {
    "hand-written": { text: 'path "secret/*" { capabilities = ["read", "list"] }\n', kept: true },
    "like default": { text: policyDefaultLike(), kept: true },
    "another project's setup": {
      text: `# strongbox vault setup: shop-production/app/x (rewritten by each run)\n${legacy}`,
      kept: true,
    },
    "earlier setup plus a hand-added block": {
      text: `${legacy}\npath "sys/*" {\n  capabilities = ["sudo"]\n}\n`,
      kept: true,
    },
    "an earlier setup (no marker)": { text: legacy, kept: false },
    "by hand from an earlier --print-policy": {
      text: `# policy ${OWN}\n${legacy}`,
      kept: false,
    },
    "by hand from --print-policy": {
      text: `# policy ${OWN}\n# strongbox vault setup: shop/production/app (rewritten by each run)\n${legacy}`,
      kept: false,
    },
    "another policy's --print-policy": {
      text: `# policy shop-production-worker\n# strongbox vault setup: shop/production/worker (rewritten by each run)\n${legacy}`,
      kept: true,
    },
    "this setup's own": {
      text: `# strongbox vault setup: shop/production/app (rewritten by each run)\n${legacy}`,
      kept: false,
    },
  };

  // rt3b item 3: a policy without the marker is setup's only when every block is a path of
  // this grant's plan with capabilities setup grants there. Generated hand-written variants.
  const OWN_PATH = "secret/data/shop/production/app";
  const block = (comment: string, path: string, caps: readonly string[]) =>
    `# ${comment}\npath ${JSON.stringify(path)} {\n  capabilities = [${caps.map((c) => JSON.stringify(c)).join(", ")}]\n}\n`;
  EXISTING["the red team's admin policy"] = {
    text: block("admin access for the ops team", "*", [
      "create",
      "read",
      "update",
      "delete",
      "list",
      "sudo",
    ]),
    kept: true,
  };
  for (const glob of [
    "*",
    "secret/*",
    "secret/data/shop/production/*",
    "secret/data/shop/+/app",
    `${OWN_PATH}*`,
  ])
    EXISTING[`a glob ${glob}`] = { text: block("run", glob, ["read"]), kept: true };
  for (const cap of ["create", "update", "patch", "delete", "list", "sudo", "deny"])
    EXISTING[`its own path with ${cap}`] = {
      text: block("run", OWN_PATH, ["read", cap]),
      kept: true,
    };
  for (const path of [
    "secret/data/shop/production/other",
    "secret/data/billing/production/app",
    "sys/policies/acl/default",
  ])
    EXISTING[`an earlier setup plus ${path}`] = {
      text: `${legacy}\n${block("run", path, ["read"])}`,
      kept: true,
    };
  EXISTING["another identity's path alone"] = {
    text: block("run", "secret/data/billing/production/app", ["read"]),
    kept: true,
  };
  EXISTING["an earlier setup, any comment words"] = {
    text: block("previous, run", OWN_PATH, ["read"]),
    kept: false,
  };

  for (const [what, { text, kept }] of Object.entries(EXISTING))
    it(`an existing policy ${OWN}, ${what}: ${kept ? "refused, nothing written" : "rewritten"}`, async () => {
      for (const name of [OWN, "shop-production-worker"])
        bao.cli(["delete", `auth/approle/role/${name}`]);
      bao.cli(["policy", "delete", "shop-production-worker"]);
      bao.cli(["policy", "write", OWN, "-"], { input: text });
      const dir = tempProject({ "strongbox.config.yaml": config });
      const setup = await runCli(["vault", "setup", "--env", "production"], {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
      });
      if (kept) {
        assert.equal(setup.code === 0, false, setup.stdout);
        assert.match(setup.stderr, /E_CONFIG/);
        assert.match(
          setup.stderr,
          /policy shop-production-app exists and was not written by vault setup/,
        );
        assert.equal(policyText(OWN), text);
        assert.throws(() => policyText("shop-production-worker"), "no other grant was written");
      } else {
        assert.equal(setup.code, 0, setup.stderr);
        assert.match(policyText(OWN), /^# strongbox vault setup: shop\/production\/app /);
      }
    });

  it("an existing AppRole carrying other policies is refused; nothing written", async () => {
    bao.cli(["policy", "delete", OWN]);
    bao.cli(["policy", "delete", "shop-production-worker"]);
    for (const policies of ["default", "admin", `${OWN},admin`]) {
      bao.cli(["write", `auth/approle/role/${OWN}`, `token_policies=${policies}`]);
      const dir = tempProject({ "strongbox.config.yaml": config });
      const setup = await runCli(["vault", "setup", "--env", "production"], {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
      });
      assert.notEqual(setup.code, 0, policies);
      assert.match(setup.stderr, /AppRole shop-production-app exists with the policies/, policies);
      assert.throws(() => policyText(OWN), `${policies}: no policy written`);
      const role = JSON.parse(bao.cli(["read", "-format=json", `auth/approle/role/${OWN}`])).data;
      assert.deepEqual(role.token_policies, policies.split(","));
    }
  });

  it("an existing AppRole with its own policy but a setting setup does not make is refused; setup's own is rewritten (rt3b item 3)", async () => {
    bao.cli(["policy", "delete", OWN]);
    bao.cli(["policy", "delete", "shop-production-worker"]);
    const settings = [
      // Vault wants another constraint beside a role without secret ids: the pair is the variant.
      "bind_secret_id=false secret_id_bound_cidrs=127.0.0.1/32",
      "secret_id_bound_cidrs=10.0.0.0/8",
      "token_bound_cidrs=10.0.0.0/8",
      "secret_id_num_uses=3",
      "token_num_uses=5",
      "token_period=1h",
      "token_explicit_max_ttl=2h",
      "token_no_default_policy=true",
    ];
    const setup = () =>
      runCli(["vault", "setup", "--env", "production"], {
        cwd: tempProject({ "strongbox.config.yaml": config }),
        env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
      });
    for (const setting of settings) {
      bao.cli(["delete", `auth/approle/role/${OWN}`]);
      bao.cli([
        "write",
        `auth/approle/role/${OWN}`,
        `token_policies=${OWN}`,
        ...setting.split(" "),
      ]);
      const read = () =>
        JSON.parse(bao.cli(["read", "-format=json", `auth/approle/role/${OWN}`])).data;
      const before = read();
      const refused = await setup();
      assert.notEqual(refused.code, 0, setting);
      assert.match(refused.stderr, /settings vault setup does not make/, setting);
      assert.throws(() => policyText(OWN), `${setting}: no policy written`);
      assert.deepEqual(read(), before, setting);
    }
    // The worker's role from an earlier test lost its policy above: a role without its
    // policy is not setup's (rt4 F2), so it goes too.
    for (const name of [OWN, "shop-production-worker"])
      bao.cli(["delete", `auth/approle/role/${name}`]);
    const first = await setup();
    assert.equal(first.code, 0, first.stderr);
    const again = await setup();
    assert.equal(again.code, 0, `setup's own role and policy are its own: ${again.stderr}`);
  });
});

/** A policy shaped like Vault's `default`: path blocks with capabilities, but not setup's. */
function policyDefaultLike(): string {
  return '# Allow tokens to look up their own properties\npath "auth/token/lookup-self" {\n    capabilities = ["read"]\n}\n';
}
