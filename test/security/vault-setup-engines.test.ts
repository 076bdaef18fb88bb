// `vault setup` granted `read` on any path a ref named, while `run` reads only
// KV: a ref `vault://transit/export/encryption-key/app#keys` got an AppRole
// that could export the raw key (the red team's F3), `database/creds/ROLE`
// one that mints credentials. The rule: every path a policy grants passes the
// same KV gate the client's reads pass (`VaultClient#kvMount`), so planning
// refuses exactly what `run` refuses. Generated over the secrets engines
// OpenBao ships, mounts named like KV and KV mounts named like engines, the
// reserved backends, and paths that name a reserved word past the mount.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { planSetup, VaultClient } from "../../src/api/vault.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

/** Engines mounted at a path of their own name, and at a path that looks like KV. */
const ENGINES = ["transit", "database", "pki", "ssh", "totp", "rabbitmq", "kubernetes"];
const SHAPES = ["export/encryption-key/app", "creds/app", "issue/app", "config", "x"];

const config = (path: string): ConfigSpec =>
  ({
    project: "shop",
    environments: { production: {} },
    variables: { KEY: { secret: true, ref: { production: `vault://${path}#keys` } } },
  }) as unknown as ConfigSpec;

describe("vault setup grants only what the client's KV gate lets a reference read (real OpenBao)", () => {
  let bao: Bao;
  let client: VaultClient;
  before(async () => {
    bao = await startBao();
    for (const engine of ENGINES) {
      bao.cli(["secrets", "enable", `-path=${engine}`, engine]);
      bao.cli(["secrets", "enable", `-path=kv-looking-${engine}`, engine]);
    }
    bao.cli(["secrets", "enable", "-path=transit-named-kv", "-version=2", "kv"]);
    bao.cli(["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    bao.cli(["write", "-f", "transit/keys/app", "exportable=true"]);
    client = new VaultClient({ address: bao.addr }, { VAULT_TOKEN: bao.rootToken });
  });
  after(async () => {
    client.http.close();
    await bao.stop();
  });

  const refused = (path: string) => [
    ...ENGINES.flatMap((engine) =>
      SHAPES.flatMap((shape) => [`${engine}/${shape}`, `kv-looking-${engine}/${shape}`]),
    ),
    "cubbyhole/app",
    "identity/oidc/token/app",
    "sys/policies/acl/default",
    "auth/token/lookup-self",
    path,
  ];
  const allowed = [
    "secret/shop/production/app",
    "transit-named-kv/app",
    "kv1/app",
    "secret/data/auth/app",
  ];

  it("planning refuses exactly the paths the client refuses, with E_REF naming the variable", async () => {
    for (const path of [...refused("secret/../sys/x"), ...allowed]) {
      const gate = await client.kvMount(path).then(
        () => "passes",
        (e: Error & { code?: string }) => e.code,
      );
      const plan = await planSetup(config(path), ["production"], client).then(
        (p) => (p.grants.length === 1 ? "passes" : "no grant"),
        (e: Error & { code?: string }) => {
          if (gate !== "passes") assert.match(e.message, /KEY/, path);
          return e.code;
        },
      );
      assert.equal(plan, gate, path);
      assert.equal(gate === "passes", allowed.includes(path), `${path}: ${gate}`);
    }
  });

  it("through the CLI: vault setup --print-policy and run both refuse the red team's refs", async () => {
    // The app's token may read what the old setup granted (and more): the refusal is Strongbox's.
    bao.cli(["policy", "write", "reads-all", "-"], {
      input: 'path "*" { capabilities = ["read"] }\n',
    });
    const app = bao.cli(["token", "create", "-policy=reads-all", "-field=token"]).trim();
    for (const path of [
      "transit/export/encryption-key/app",
      "database/creds/app",
      "pki/issue/app",
      "kv-looking-transit/export/encryption-key/app",
    ]) {
      const dir = tempProject({
        "strongbox.config.yaml": [
          "project: shop",
          "vault: { allowInsecure: true }",
          "environments: { production: {} }",
          "variables:",
          `  KEY: { secret: true, ref: { production: "vault://${path}#keys" } }`,
          "",
        ].join("\n"),
      });
      const policy = await runCli(["vault", "setup", "--print-policy", "-e", "production"], {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
      });
      assert.notEqual(policy.code, 0, `${path}: ${policy.stdout}`);
      assert.match(policy.stderr, /not a KV store|may not read/, path);
      assert.doesNotMatch(policy.stdout, /^path /m, path);
      const run = await runCli(["run", "-e", "production", "--", "node", "-e", "0"], {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: app },
      });
      assert.notEqual(run.code, 0, path);
      assert.match(run.stderr, /not a KV store|may not read/, path);
    }
  });
});
