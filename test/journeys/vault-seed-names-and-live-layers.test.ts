// Journeys for issue 26's Vault items: seed 002's production names
// (VAULT__ADDR, VAULT__ROLE_ID, VAULT__SECRET_ID, pydantic's nested settings)
// named in the config against a TLS OpenBao, a CA file gone missing, and the
// live template check. No secret value appears in any output.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { Journey } from "../helpers/journey.js";

const API_CANARY = "seed-names-api-canary-41be";

const SEED_002_CONFIG = `project: shop
vault:
  addressVariables: [VAULT__ADDR]
  auth:
    roleIdVariables: [VAULT__ROLE_ID, vault__role_id]
    secretIdVariables: [VAULT__SECRET_ID, vault__secret_id]
variables:
  API_KEY: { secret: true, ref: 'vault://secret/shop/app#API_KEY' }
`;

/** A child that writes which variables it got and whether API_KEY arrived, never a value. */
const PROBE = `require('fs').writeFileSync('child.json', JSON.stringify({ names: Object.keys(process.env), ok: require('crypto').createHash('sha256').update(process.env.API_KEY ?? '').digest('hex') === ${JSON.stringify(createHash("sha256").update(API_CANARY).digest("hex"))} }))`;

describe("journey: seed 002's Vault names, TLS files", () => {
  let bao: Bao;
  let login: { roleId: string; secretId: string };
  before(async () => {
    bao = await startBao({ tls: true });
    bao.cli(["kv", "put", "-mount=secret", "shop/app", `API_KEY=${API_CANARY}`]);
    bao.cli(["auth", "enable", "approle"]);
    bao.cli(["policy", "write", "shop-read", "-"], {
      input: 'path "secret/data/shop/*" {\n  capabilities = ["read"]\n}\n',
    });
    bao.cli(["write", "auth/approle/role/shop", "token_policies=shop-read", "token_ttl=5m"]);
    login = {
      roleId: bao.cli(["read", "-field=role_id", "auth/approle/role/shop/role-id"]).trim(),
      secretId: bao
        .cli(["write", "-f", "-field=secret_id", "auth/approle/role/shop/secret-id"])
        .trim(),
    };
  });
  after(async () => bao.stop());

  it("the config names seed 002's variables; they log in, stay credentials, and a missing CA file says so", async () => {
    const j = new Journey("seed 002 names", {
      files: { "strongbox.config.yaml": SEED_002_CONFIG },
    }).canary(API_CANARY, login.secretId, login.roleId);
    copyFileSync(bao.caCert ?? "", join(j.dir, "vault-ca.pem"));
    const seedEnv = {
      VAULT__ADDR: bao.addr,
      VAULT__ROLE_ID: login.roleId,
      VAULT__SECRET_ID: login.secretId,
      VAULT_CACERT: join(j.dir, "vault-ca.pem"),
    };

    j.note("the deployment sets the pydantic names only: no VAULT_ADDR, no VAULT_ROLE_ID");
    await j.step(["check"], { env: seedEnv });
    await j.step(["run", "--", "node", "-e", PROBE], { env: seedEnv });
    const child = JSON.parse(readFileSync(join(j.dir, "child.json"), "utf8")) as {
      names: string[];
      ok: boolean;
    };
    assert.equal(child.ok, true, "the secret was read with the AppRole the seed names give");
    for (const name of ["VAULT__ROLE_ID", "VAULT__SECRET_ID"])
      assert.ok(!child.names.includes(name), `${name} reached the child`);
    assert.ok(child.names.includes("VAULT__ADDR"), "an address is not a credential");

    j.note("pydantic reads any case: the lower-case spelling logs in and is a credential too");
    const lower = {
      VAULT__ADDR: bao.addr,
      vault__role_id: login.roleId,
      vault__secret_id: login.secretId,
      VAULT_CACERT: join(j.dir, "vault-ca.pem"),
    };
    await j.step(["run", "--", "node", "-e", PROBE], { env: lower });
    const lowered = JSON.parse(readFileSync(join(j.dir, "child.json"), "utf8")) as {
      names: string[];
      ok: boolean;
    };
    assert.equal(lowered.ok, true);
    assert.ok(!lowered.names.some((name) => /secret_id|role_id/i.test(name)), "scrubbed");

    j.note("a template asking for the login is refused, in either spelling");
    for (const name of ["VAULT__SECRET_ID", "vault__secret_id", "VAULT__ROLE_ID_FILE"]) {
      j.write({ "leak.tmpl": `{{ env "${name}" }}\n` }, "a template that reads the login");
      await j.step(["render", "-t", "leak.tmpl:leak.out", "--dry"], {
        code: 3,
        env: { ...seedEnv, VAULT__ROLE_ID_FILE: join(j.dir, "vault-ca.pem") },
        stderr: [new RegExp(`${name}.*credential|credential.*${name}`, "i")],
      });
    }

    j.note("a name the credential rule does not classify cannot be made a login variable");
    j.write(
      {
        "strongbox.config.yaml": SEED_002_CONFIG.replace(
          "secretIdVariables: [VAULT__SECRET_ID, vault__secret_id]",
          "secretIdVariables: [APP_SECRET]",
        ),
      },
      "a typo'd list",
    );
    await j.step(["check"], {
      code: 3,
      env: seedEnv,
      stderr: [/vault\.auth\.secretIdVariables: APP_SECRET is not a credential/],
    });
    j.write({ "strongbox.config.yaml": SEED_002_CONFIG }, "the list restored");

    j.note("the CA file is moved away: the error names the variable and the file");
    rmSync(join(j.dir, "vault-ca.pem"));
    await j.step(["check"], {
      code: 4,
      env: seedEnv,
      stderr: [
        /VAULT_CACERT names \S+vault-ca\.pem, which does not exist \(E_CONFIG\)/,
        /hint: point VAULT_CACERT at the PEM file/,
      ],
      not: [/E_PROVIDER/, /provider failed/],
    });
  });

  it("check --layers --live names the template keys Vault lacks or holds empty, by name only", async () => {
    bao.cli(["kv", "put", "-mount=secret", "live/app", `API_KEY=${API_CANARY}`, "LOG_LEVEL="]);
    const j = new Journey("live template keys", {
      files: {
        "strongbox.config.yaml": `project: live
variables:
  API_KEY: { secret: true, ref: 'vault://secret/live/app#API_KEY' }
  LOG_LEVEL: { default: info }
  FEATURE_FLAGS: { default: "" }
`,
        // The vault-agent file renders every key from Vault, the non-secrets too (seed 000's sidecar).
        "secrets.ctmpl": `{{ with secret "secret/data/live/app" }}
API_KEY={{ .Data.data.API_KEY }}
LOG_LEVEL={{ .Data.data.LOG_LEVEL }}
FEATURE_FLAGS={{ .Data.data.FEATURE_FLAGS }}
{{ end }}
`,
      },
      env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken, VAULT_CACERT: bao.caCert ?? "" },
    }).canary(API_CANARY);
    j.note("offline the layers agree: every template key is declared");
    await j.step(["check", "--layers"]);
    j.note("live: the schema's own secret is there, but the file vault-agent writes has two holes");
    const live = await j.step(["check", "--layers", "--live", "--env", "production"], {
      code: 4,
      stderr: [
        /✗ FEATURE_FLAGS is rendered by a template from secret\/live\/app but is missing in Vault for environment "production" \(live-missing\)/,
        /✗ LOG_LEVEL is rendered by a template from secret\/live\/app but is empty in Vault for environment "production" \(live-empty\)/,
      ],
      not: [/API_KEY is/],
    });
    assert.match(live.stderr, /disagree in 2 places/);
    const json = await j.step(["check", "--layers", "--live", "--env", "production", "--json"], {
      code: 4,
    });
    const rules = (
      JSON.parse(json.stdout) as { issues: Array<{ rule: string; variable?: string }> }
    ).issues
      .map((issue) => `${issue.rule}:${issue.variable}`)
      .sort();
    assert.deepEqual(rules, ["live-empty:LOG_LEVEL", "live-missing:FEATURE_FLAGS"]);
    j.note("the operator fills them in Vault");
    bao.cli(["kv", "patch", "-mount=secret", "live/app", "LOG_LEVEL=debug", "FEATURE_FLAGS=beta"]);
    await j.step(["check", "--layers", "--live", "--env", "production"], {
      stderr: [/ok: the schema/],
    });
  });
});
