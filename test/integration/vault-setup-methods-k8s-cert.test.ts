// `vault setup --method kubernetes` and `--method cert` against a real bao: setup
// writes the app's policy and the role, a login with the method then runs the
// app in production, and the same login is refused a path outside the policy.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { clientCertificate } from "../helpers/certs.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { jwtIssuer } from "../helpers/jwt.js";
import { fakeApiServer } from "../helpers/kubernetes.js";

const CANARY = "setup-method-canary-3a7b";
const OUTSIDE = "outside-canary-9e14";
const ROLE = "shop-production-app";
const config = (insecure: boolean, ref = "shop/production/app#DB_PASSWORD") =>
  [
    "project: shop",
    ...(insecure ? ["vault: { allowInsecure: true }"] : []),
    "environments:",
    "  production: {}",
    "variables:",
    `  DB_PASSWORD: { secret: true, ref: 'vault://secret/${ref}' }`,
    "",
  ].join("\n");
/** A child that succeeds only with a value, and prints nothing. */
const CHILD = ["sh", "-c", 'test -n "$DB_PASSWORD"'];

/** Seeds the app's secret and one outside its policy. */
function seed(bao: Bao): void {
  bao.cli(["kv", "put", "-mount=secret", "shop/production/app", `DB_PASSWORD=${CANARY}`]);
  bao.cli(["kv", "put", "-mount=secret", "shop/billing/app", `DB_PASSWORD=${OUTSIDE}`]);
}

/** Runs the app with `env` in `dir` as the app's config and as one asking outside the policy. */
async function inAndOut(dir: string, env: Record<string, string>): Promise<void> {
  const ok = await runCli(["run", "--env", "production", "--", ...CHILD], { cwd: dir, env });
  assert.equal(ok.code, 0, ok.stderr);
  const outside = await runCli(
    ["run", "-c", "outside.yaml", "--env", "production", "--", ...CHILD],
    {
      cwd: dir,
      env,
    },
  );
  assert.notEqual(outside.code, 0, "a path outside the policy is refused");
  assert.match(outside.stderr, /denied|403/i);
  for (const text of [ok.stdout, ok.stderr, outside.stdout, outside.stderr]) {
    assert.doesNotMatch(text, new RegExp(`${CANARY}|${OUTSIDE}`));
  }
}

describe("vault setup --method kubernetes against a real bao and a TokenReview-answering API server", () => {
  let bao: Bao;
  let api: Awaited<ReturnType<typeof fakeApiServer>>;
  let dir: string;
  const issuer = jwtIssuer();
  const saToken = (jti: string) =>
    issuer.mint({
      iss: "https://kubernetes.default.svc.cluster.local",
      sub: "system:serviceaccount:shop:app",
      aud: ["https://kubernetes.default.svc.cluster.local"],
      jti,
      "kubernetes.io": {
        namespace: "shop",
        serviceaccount: { name: "app", uid: "4b9d1b3e-0000-4000-8000-00000000a11c" },
      },
    });
  const SETUP = [
    ...["vault", "setup", "--env", "production", "--method", "kubernetes"],
    ...["--bound-service-account", "app", "--namespace", "shop"],
  ];

  before(async () => {
    dir = tempProject({
      "strongbox.config.yaml": config(true),
      "outside.yaml": config(true, "shop/billing/app#DB_PASSWORD"),
    });
    api = await fakeApiServer(dir);
    bao = await startBao();
    const reviewer = saToken("reviewer");
    api.honoured.add(reviewer);
    writeFileSync(join(dir, "reviewer.jwt"), reviewer);
    // Connecting the mount to the cluster is the operator's (docs/vault.md); setup writes the role.
    bao.cli(["auth", "enable", "kubernetes"]);
    bao.cli([
      ...["write", "auth/kubernetes/config", `kubernetes_host=${api.host}`],
      ...[`kubernetes_ca_cert=@${api.caFile}`, `token_reviewer_jwt=@${join(dir, "reviewer.jwt")}`],
      "disable_local_ca_jwt=true",
    ]);
    seed(bao);
  });
  after(async () => {
    await bao.stop();
    await api.close();
  });

  it("creates the role bound to the service account; the pod's login runs the app and nothing outside; a second run changes nothing", async () => {
    const admin = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    const setup = await runCli(SETUP, { cwd: dir, env: admin });
    assert.equal(setup.code, 0, setup.stderr);
    const role = JSON.parse(bao.cli(["read", "-format=json", `auth/kubernetes/role/${ROLE}`])).data;
    assert.deepEqual(role.token_policies, [ROLE]);
    assert.deepEqual(role.bound_service_account_names, ["app"]);
    assert.deepEqual(role.bound_service_account_namespaces, ["shop"]);
    const token = saToken("pod");
    api.honoured.add(token);
    writeFileSync(join(dir, "sa.jwt"), token);
    await inAndOut(dir, {
      VAULT_ADDR: bao.addr,
      VAULT_K8S_ROLE: ROLE,
      VAULT_K8S_JWT_FILE: join(dir, "sa.jwt"),
    });
    const again = await runCli(SETUP, { cwd: dir, env: admin });
    assert.match(again.stdout, new RegExp(`${ROLE}: unchanged`));
  });

  it("refuses `*` and patterns as the service account or namespace (Vault reads them as any)", async () => {
    for (const [flag, value] of [
      ["--bound-service-account", "*"],
      ["--namespace", "*"],
      ["--namespace", "shop-*"],
      ["--bound-service-account", "ap?"],
    ] as const) {
      const args = [...SETUP];
      args[args.indexOf(flag) + 1] = value;
      const result = await runCli(args, {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
      });
      assert.notEqual(result.code, 0, `${flag} ${value}`);
      assert.match(result.stderr, /take names, not \* or patterns/);
    }
  });
});

describe("vault setup --method cert against a real bao over TLS", () => {
  let bao: Bao;
  let dir: string;

  before(async () => {
    dir = tempProject({
      "strongbox.config.yaml": config(false),
      "outside.yaml": config(false, "shop/billing/app#DB_PASSWORD"),
    });
    clientCertificate(dir, "app", "shop-app");
    bao = await startBao({ tls: true });
    seed(bao);
  });
  after(async () => bao.stop());

  const admin = () => ({
    VAULT_ADDR: bao.addr,
    VAULT_CACERT: bao.caCert as string,
    VAULT_TOKEN: bao.rootToken,
  });

  it("enables cert, creates the role trusting the CA; the client certificate's login runs the app and nothing outside", async () => {
    const setup = await runCli(
      ["vault", "setup", "--env", "production", "--method", "cert", "--certificate", "app-ca.pem"],
      { cwd: dir, env: admin() },
    );
    assert.equal(setup.code, 0, setup.stderr);
    const role = JSON.parse(bao.cli(["read", "-format=json", `auth/cert/certs/${ROLE}`])).data;
    assert.deepEqual(role.token_policies, [ROLE]);
    const again = await runCli(
      ["vault", "setup", "--env", "production", "--method", "cert", "--certificate", "app-ca.pem"],
      { cwd: dir, env: admin() },
    );
    assert.match(again.stdout, new RegExp(`${ROLE}: unchanged`), again.stderr);
    await inAndOut(dir, {
      VAULT_ADDR: bao.addr,
      VAULT_CACERT: bao.caCert as string,
      VAULT_CLIENT_CERT: join(dir, "app.pem"),
      VAULT_CLIENT_KEY: join(dir, "app-key.pem"),
      VAULT_CERT_ROLE: ROLE,
    });
  });

  it("never sends a private key: a key alone, or beside the certificate in either order, is refused before Vault is asked", async () => {
    const cert = readFileSync(join(dir, "app-ca.pem"), "utf8");
    const key = readFileSync(join(dir, "app-ca-key.pem"), "utf8");
    for (const [name, text] of Object.entries({
      "key-only.pem": key,
      "cert-then-key.pem": cert + key,
      "key-then-cert.pem": key + cert,
      "rsa-key.pem": `${cert}-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n`,
      "empty.pem": "",
    })) {
      writeFileSync(join(dir, name), text);
      const result = await runCli(
        ["vault", "setup", "--env", "production", "--method", "cert", "--certificate", name],
        { cwd: dir, env: admin() },
      );
      assert.notEqual(result.code, 0, name);
      assert.match(result.stderr, /--certificate must hold CERTIFICATE PEM blocks only/);
      assert.doesNotMatch(result.stderr + result.stdout, /PRIVATE KEY-----\n[A-Za-z0-9]/);
    }
  });
});
