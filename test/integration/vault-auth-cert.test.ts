import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { clientCertificate } from "../helpers/certs.js";
import { runCli, tempProject } from "../helpers/cli.js";

const CANARY = "cert-db-canary-0d4e";
const CONFIG = [
  "project: shop",
  "variables:",
  "  DB_PASSWORD: { secret: true, ref: 'vault://secret/shop/production/app#DB_PASSWORD' }",
  "",
].join("\n");

describe("TLS certificate login (auth/cert) against a real bao over TLS", () => {
  let bao: Bao;
  let dir: string;
  const accessors = () => JSON.parse(bao.cli(["list", "-format=json", "auth/token/accessors"]));
  const certEnv = (name: string, extra: Record<string, string> = {}) => ({
    VAULT_ADDR: bao.addr,
    VAULT_CACERT: bao.caCert as string,
    VAULT_CLIENT_CERT: join(dir, `${name}.pem`),
    VAULT_CLIENT_KEY: join(dir, `${name}-key.pem`),
    ...extra,
  });

  before(async () => {
    dir = tempProject({ "strongbox.config.yaml": CONFIG });
    clientCertificate(dir, "app", "shop-app");
    clientCertificate(dir, "intruder", "shop-app");
    bao = await startBao({ tls: true });
    bao.cli(["auth", "enable", "cert"]);
    bao.cli(["policy", "write", "shop-read", "-"], {
      input: 'path "secret/data/shop/production/*" { capabilities = ["read"] }\n',
    });
    bao.cli([
      ...["write", "auth/cert/certs/app", "display_name=app", "token_policies=shop-read"],
      ...[`certificate=@${join(dir, "app-ca.pem")}`, "token_ttl=10m"],
    ]);
    bao.cli(["kv", "put", "-mount=secret", "shop/production/app", `DB_PASSWORD=${CANARY}`]);
  });
  after(async () => bao.stop());

  it("runs the app in production with the client certificate as its identity; the login's token is revoked after", async () => {
    const before = accessors().length;
    const run = await runCli(
      [
        ...["run", "--env", "production", "--", "sh", "-c"],
        `test "$DB_PASSWORD" = ${CANARY} && echo "leaked=[$VAULT_CLIENT_KEY]"`,
      ],
      { cwd: dir, env: certEnv("app") },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "leaked=[]\n");
    assert.equal(accessors().length, before, "the certificate login's token was revoked at exit");
  });

  it("a certificate from another CA, and an unknown certificate role, are refused naming the method and the variable", async () => {
    for (const [env, reason] of [
      [certEnv("intruder"), /invalid certificate|no chain|not authorized|invalid/i],
      [certEnv("app", { VAULT_CERT_ROLE: "nobody" }), /.+/],
    ] as const) {
      const client = VaultClient.fromEnv(env);
      await assert.rejects(client.session(), (error: Error & { code?: string }) => {
        assert.equal(error.code, "E_VAULT_AUTH");
        assert.match(
          error.message,
          /^TLS certificate login \(certificate from VAULT_CLIENT_CERT\) failed: /,
        );
        assert.match(error.message, reason);
        return true;
      });
    }
  });

  it("the certificate role can be named (vault.auth.role); vault doctor names the method, role and common name", async () => {
    const client = VaultClient.fromEnv(certEnv("app"), { auth: { method: "cert", role: "app" } });
    try {
      assert.equal((await client.kvRead("secret/shop/production/app"))?.data.DB_PASSWORD, CANARY);
    } finally {
      await client.close();
    }
    const doctor = await runCli(["vault", "doctor", "--json"], { cwd: dir, env: certEnv("app") });
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.token.method, "cert");
    assert.deepEqual(report.token.identity, {
      source: "TLS certificate login (certificate from VAULT_CLIENT_CERT)",
      role: "app",
      claims: { common_name: "shop-app" },
    });
  });
});
