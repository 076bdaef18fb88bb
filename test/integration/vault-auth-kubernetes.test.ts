import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { jwtIssuer } from "../helpers/jwt.js";
import { fakeApiServer } from "../helpers/kubernetes.js";

const CANARY = "k8s-db-canary-91c2";
const CONFIG = [
  "project: shop",
  "vault: { allowInsecure: true }",
  "variables:",
  "  DB_PASSWORD: { secret: true, ref: 'vault://secret/shop/production/app#DB_PASSWORD' }",
  "",
].join("\n");

describe("Kubernetes login (auth/kubernetes) against a real bao and a TokenReview-answering API server", () => {
  let bao: Bao;
  let api: Awaited<ReturnType<typeof fakeApiServer>>;
  let dir: string;
  const issuer = jwtIssuer();
  let serial = 0;
  /** A projected service-account token for shop/app, each one distinct. */
  const saToken = () => {
    serial += 1;
    return issuer.mint({
      iss: "https://kubernetes.default.svc.cluster.local",
      sub: "system:serviceaccount:shop:app",
      aud: ["https://kubernetes.default.svc.cluster.local"],
      jti: `token-${serial}`,
      "kubernetes.io": {
        namespace: "shop",
        serviceaccount: { name: "app", uid: "4b9d1b3e-0000-4000-8000-00000000a11c" },
      },
    });
  };
  const accessors = () => JSON.parse(bao.cli(["list", "-format=json", "auth/token/accessors"]));

  before(async () => {
    dir = tempProject({ "strongbox.config.yaml": CONFIG });
    api = await fakeApiServer(dir);
    bao = await startBao();
    const reviewer = saToken();
    api.honoured.add(reviewer);
    writeFileSync(join(dir, "reviewer.jwt"), reviewer);
    bao.cli(["auth", "enable", "kubernetes"]);
    bao.cli([
      ...["write", "auth/kubernetes/config", `kubernetes_host=${api.host}`],
      ...[`kubernetes_ca_cert=@${api.caFile}`, `token_reviewer_jwt=@${join(dir, "reviewer.jwt")}`],
      "disable_local_ca_jwt=true",
    ]);
    bao.cli(["policy", "write", "shop-read", "-"], {
      input: 'path "secret/data/shop/production/*" { capabilities = ["read"] }\n',
    });
    bao.cli([
      ...["write", "auth/kubernetes/role/app", "bound_service_account_names=app"],
      ...["bound_service_account_namespaces=shop", "token_policies=shop-read", "token_ttl=10m"],
    ]);
    bao.cli(["kv", "put", "-mount=secret", "shop/production/app", `DB_PASSWORD=${CANARY}`]);
  });
  after(async () => {
    await bao.stop();
    await api.close();
  });

  it("runs the app in production with the pod's token; the API server reviewed it; the login's token is revoked after", async () => {
    const token = saToken();
    api.honoured.add(token);
    writeFileSync(join(dir, "sa.jwt"), token);
    const before = accessors().length;
    const run = await runCli(
      [
        ...["run", "--env", "production", "--", "sh", "-c"],
        `test "$DB_PASSWORD" = ${CANARY} && echo "leaked=[$VAULT_K8S_ROLE$VAULT_K8S_JWT_FILE]"`,
      ],
      {
        cwd: dir,
        env: {
          VAULT_ADDR: bao.addr,
          VAULT_K8S_ROLE: "app",
          VAULT_K8S_JWT_FILE: join(dir, "sa.jwt"),
        },
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "leaked=[]\n");
    assert.ok(api.reviews.includes(token), "bao asked the API server to review the pod's token");
    assert.equal(accessors().length, before, "the Kubernetes login's token was revoked at exit");
  });

  it("a token the API server does not honour is refused, naming the method and the token's file", async () => {
    writeFileSync(join(dir, "stale.jwt"), saToken());
    const client = VaultClient.fromEnv(
      { VAULT_ADDR: bao.addr, VAULT_K8S_ROLE: "app", VAULT_K8S_JWT_FILE: join(dir, "stale.jwt") },
      { allowInsecure: true },
    );
    await assert.rejects(client.session(), (error: Error & { code?: string }) => {
      assert.equal(error.code, "E_VAULT_AUTH");
      assert.match(
        error.message,
        /^Kubernetes login \(service-account token from VAULT_K8S_JWT_FILE\) failed: /,
      );
      return true;
    });
    const wrongRole = VaultClient.fromEnv(
      { VAULT_ADDR: bao.addr, VAULT_K8S_ROLE: "nobody", VAULT_K8S_JWT_FILE: join(dir, "sa.jwt") },
      { allowInsecure: true },
    );
    await assert.rejects(
      wrongRole.session(),
      /Kubernetes login \(service-account token from VAULT_K8S_JWT_FILE\) failed: .*role/,
    );
  });

  it("reads the projected token again at each login: after the kubelet rotates it, the next login uses the new one", async () => {
    const file = join(dir, "projected.jwt");
    const first = saToken();
    api.honoured.add(first);
    writeFileSync(file, first);
    const client = VaultClient.fromEnv(
      { VAULT_ADDR: bao.addr, VAULT_K8S_ROLE: "app", VAULT_K8S_JWT_FILE: file },
      { allowInsecure: true },
    );
    try {
      assert.equal((await client.kvRead("secret/shop/production/app"))?.data.DB_PASSWORD, CANARY);
      // The kubelet rotates the file; the old token stops being honoured; our Vault token dies.
      const second = saToken();
      api.honoured.delete(first);
      api.honoured.add(second);
      writeFileSync(file, second);
      bao.cli(["token", "revoke", (await client.session()).token]);
      assert.equal((await client.kvRead("secret/shop/production/app"))?.data.DB_PASSWORD, CANARY);
      assert.equal(api.reviews.at(-1), second, "the second login presented the rotated token");
    } finally {
      await client.close();
    }
  });

  it("vault doctor names the method, the role and the service account, never the token", async () => {
    const doctor = await runCli(["vault", "doctor", "--json"], {
      cwd: dir,
      env: { VAULT_ADDR: bao.addr, VAULT_K8S_ROLE: "app", VAULT_K8S_JWT_FILE: join(dir, "sa.jwt") },
    });
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.token.method, "kubernetes");
    assert.equal(report.token.identity.role, "app");
    assert.equal(report.token.identity.claims.service_account_name, "app");
    assert.equal(report.token.identity.claims.service_account_namespace, "shop");
    assert.equal(report.token.identity.claims.sub, "system:serviceaccount:shop:app");
    const token = readFileSync(join(dir, "sa.jwt"), "utf8");
    assert.ok(!doctor.stdout.includes(token) && !doctor.stderr.includes(token));
  });
});
