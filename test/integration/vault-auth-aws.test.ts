import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signV4 } from "../../src/aws/sigv4.js";
import { VaultClient } from "../../src/vault/client.js";
import {
  ACCOUNT,
  baoWithAws,
  enableAwsAuth,
  iamUser,
  type Keys,
  motoAuth as setMotoAuth,
} from "../helpers/aws-iam.js";
import type { Bao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";
import type { Moto } from "../helpers/moto.js";

const CANARY = "aws-iam-db-canary-4e17";
const CONFIG = [
  "project: shop",
  "vault: { allowInsecure: true }",
  "variables:",
  "  DB_PASSWORD: { secret: true, ref: 'vault://secret/shop/production/app#DB_PASSWORD' }",
  "",
].join("\n");

/**
 * The real `auth/aws` plugin (Vault's AWS auth backend built by
 * scripts/ensure-bao-aws-plugin.mjs) in a real bao, replaying our signed
 * `sts:GetCallerIdentity` to moto with request authentication on: moto
 * checks the SigV4 signature against the IAM user's key, so a login passes
 * only when Strongbox signed the request correctly.
 */
describe("AWS IAM login (auth/aws, iam) against a real bao with the aws plugin and moto's STS", () => {
  let bao: Bao;
  let moto: Moto;
  let dir: string;
  let app: Keys;
  let intruder: Keys;
  /** What Strongbox is given in production: the role, the keys, where STS is. */
  const awsEnv = (keys: Keys, extra: Record<string, string> = {}) => ({
    VAULT_ADDR: bao.addr,
    VAULT_AWS_ROLE: "app",
    AWS_ACCESS_KEY_ID: keys.id,
    AWS_SECRET_ACCESS_KEY: keys.secret,
    AWS_ENDPOINT_URL: moto.endpoint,
    ...extra,
  });
  const motoAuth = (on: boolean) => setMotoAuth(moto, on);
  const accessors = () => JSON.parse(bao.cli(["list", "-format=json", "auth/token/accessors"]));

  before(async () => {
    dir = tempProject({ "strongbox.config.yaml": CONFIG });
    ({ bao, moto } = await baoWithAws());
    app = await iamUser(moto, "app");
    intruder = await iamUser(moto, "intruder");
    // From here on moto refuses a request whose signature does not verify.
    await motoAuth(true);
    bao.cli(["policy", "write", "shop-read", "-"], {
      input: 'path "secret/data/shop/production/*" { capabilities = ["read"] }\n',
    });
    for (const [mount, serverId] of [
      ["aws", undefined],
      ["aws-strict", "vault.shop.example"],
    ] as const) {
      // The principal's ARN and account in the token's metadata, for `vault doctor` and audit.
      enableAwsAuth(bao, moto, {
        mount,
        metadata: "auth_type,account_id,canonical_arn",
        ...(serverId === undefined ? {} : { serverId }),
      });
      bao.cli([
        ...["write", `auth/${mount}/role/app`, "auth_type=iam"],
        ...[
          `bound_iam_principal_arn=arn:aws:iam::${ACCOUNT}:user/app`,
          "resolve_aws_unique_ids=false",
        ],
        ...["token_policies=shop-read", "token_ttl=10m"],
      ]);
    }
    bao.cli(["kv", "put", "-mount=secret", "shop/production/app", `DB_PASSWORD=${CANARY}`]);
  });
  after(async () => {
    await bao?.stop();
    await moto?.stop();
  });

  it("moto verifies the signer: the app's keys sign a GetCallerIdentity it answers, a wrong secret is refused", async () => {
    const call = async (secret: string) => {
      const body = "Action=GetCallerIdentity&Version=2011-06-15";
      const headers = signV4({
        method: "POST",
        url: `${moto.endpoint}/`,
        headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
        body,
        region: "us-east-1",
        service: "sts",
        keys: { accessKeyId: app.id, secretAccessKey: secret },
        date: new Date(),
      });
      const response = await fetch(`${moto.endpoint}/`, { method: "POST", headers, body });
      return { status: response.status, text: await response.text() };
    };
    const good = await call(app.secret);
    assert.equal(good.status, 200, good.text);
    assert.match(good.text, new RegExp(`<Arn>arn:aws:iam::${ACCOUNT}:user/app</Arn>`));
    const bad = await call(`${app.secret.slice(0, -1)}x`);
    assert.equal(bad.status, 403);
    assert.match(bad.text, /SignatureDoesNotMatch/);
  });

  it("runs the app in production with the role's IAM identity; no AWS key reaches the child; the login's token is revoked after", async () => {
    const before = accessors().length;
    const run = await runCli(
      [
        ...["run", "--env", "production", "--", "sh", "-c"],
        `test "$DB_PASSWORD" = ${CANARY} && echo "leaked=[$AWS_ACCESS_KEY_ID$AWS_SECRET_ACCESS_KEY]"`,
      ],
      { cwd: dir, env: awsEnv(app) },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "leaked=[]\n");
    assert.ok(!run.stderr.includes(app.secret));
    assert.equal(accessors().length, before, "the AWS IAM login's token was revoked at exit");
  });

  it("an IAM principal the role does not bind is refused, naming the method and the keys' variable", async () => {
    const client = VaultClient.fromEnv(awsEnv(intruder), { allowInsecure: true });
    await assert.rejects(client.session(), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, "E_VAULT_AUTH");
      assert.match(error.message, /^AWS IAM login \(keys from AWS_ACCESS_KEY_ID\) failed: /);
      assert.match(error.message, /user\/intruder|not bound|permission denied|not authorized/i);
      assert.ok(!`${error.message}${error.hint}`.includes(intruder.secret));
      return true;
    });
  });

  it("an unknown role and a wrong secret key are refused with the same error shape", async () => {
    const wrongRole = VaultClient.fromEnv(awsEnv(app, { VAULT_AWS_ROLE: "nobody" }), {
      allowInsecure: true,
    });
    await assert.rejects(
      wrongRole.session(),
      /AWS IAM login \(keys from AWS_ACCESS_KEY_ID\) failed: .*(role|nobody)/,
    );
    const forged = VaultClient.fromEnv(awsEnv({ id: app.id, secret: `${app.secret}x` }), {
      allowInsecure: true,
    });
    await assert.rejects(forged.session(), /AWS IAM login \(keys from AWS_ACCESS_KEY_ID\) failed/);
  });

  it("an environment's credentialPrefix scopes the AWS keys and the role; a refusal names the prefixed variable", async () => {
    const prefixed = tempProject({
      "strongbox.config.yaml": CONFIG.replace(
        "variables:",
        "environments:\n  production: { credentialPrefix: PROD_EU_ }\nvariables:",
      ),
    });
    // With a prefix, every Vault and AWS setting comes from the prefixed variables.
    const env = (keys: Keys) => ({
      PROD_EU_VAULT_ADDR: bao.addr,
      PROD_EU_VAULT_AWS_ROLE: "app",
      PROD_EU_AWS_ACCESS_KEY_ID: keys.id,
      PROD_EU_AWS_SECRET_ACCESS_KEY: keys.secret,
      PROD_EU_AWS_ENDPOINT_URL: moto.endpoint,
    });
    const ok = await runCli(
      ["run", "--env", "production", "--", "sh", "-c", `test "$DB_PASSWORD" = ${CANARY}`],
      { cwd: prefixed, env: env(app) },
    );
    assert.equal(ok.code, 0, ok.stderr);
    const refused = await runCli(["run", "--env", "production", "--", "true"], {
      cwd: prefixed,
      env: env(intruder),
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /AWS IAM login \(keys from PROD_EU_AWS_ACCESS_KEY_ID\) failed/);
    assert.ok(!refused.stderr.includes(intruder.secret));
  });

  it("a mount that requires X-Vault-AWS-IAM-Server-ID refuses a login without it and accepts the signed header", async () => {
    const settings = { allowInsecure: true, auth: { mount: "aws-strict" } } as const;
    const without = VaultClient.fromEnv(awsEnv(app), settings);
    await assert.rejects(without.session(), /AWS IAM login .*failed: .*(header|server)/i);
    const withHeader = VaultClient.fromEnv(
      awsEnv(app, { VAULT_AWS_IAM_SERVER_ID: "vault.shop.example" }),
      settings,
    );
    try {
      assert.equal(
        (await withHeader.kvRead("secret/shop/production/app"))?.data.DB_PASSWORD,
        CANARY,
      );
    } finally {
      await withHeader.close();
    }
  });

  it("logs in with web identity: the token file exchanged at STS for a role, whose ARN the role binds", async () => {
    bao.cli([
      ...["write", "auth/aws/role/ci", "auth_type=iam"],
      ...[
        `bound_iam_principal_arn=arn:aws:iam::${ACCOUNT}:role/ci-deploy`,
        "resolve_aws_unique_ids=false",
      ],
      ...["token_policies=shop-read", "token_ttl=10m"],
    ]);
    const tokenFile = join(dir, "web-identity.jwt");
    writeFileSync(tokenFile, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjaSJ9.");
    const client = VaultClient.fromEnv(
      {
        VAULT_ADDR: bao.addr,
        VAULT_AWS_ROLE: "ci",
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/ci-deploy`,
        AWS_ENDPOINT_URL: moto.endpoint,
      },
      { allowInsecure: true },
    );
    // moto fails an unsigned AssumeRoleWithWebIdentity (HTTP 500) while it checks signatures.
    await motoAuth(false);
    try {
      const session = await client.session();
      assert.equal(session.method, "aws");
      assert.match(
        session.source,
        /web identity token from the file AWS_WEB_IDENTITY_TOKEN_FILE names/,
      );
      assert.equal(session.identity?.canonical_arn, `arn:aws:iam::${ACCOUNT}:role/ci-deploy`);
      assert.equal((await client.kvRead("secret/shop/production/app"))?.data.DB_PASSWORD, CANARY);
    } finally {
      await motoAuth(true);
      await client.close();
    }
  });

  it("the token is renewed as other logins' are, and vault doctor names the method and the ARN, never a key", async () => {
    const client = VaultClient.fromEnv(awsEnv(app), { allowInsecure: true });
    try {
      const session = await client.session();
      const renewed = JSON.parse(bao.cli(["token", "renew", "-format=json", session.token])) as {
        auth: { lease_duration: number };
      };
      assert.ok(renewed.auth.lease_duration > 0);
    } finally {
      await client.close();
    }
    const doctor = await runCli(["vault", "doctor", "--json"], { cwd: dir, env: awsEnv(app) });
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.token.method, "aws");
    assert.equal(report.token.identity.role, "app");
    assert.equal(report.token.identity.claims.canonical_arn, `arn:aws:iam::${ACCOUNT}:user/app`);
    assert.equal(report.token.identity.claims.account_id, ACCOUNT);
    for (const secret of [app.secret, app.id])
      assert.ok(!doctor.stdout.includes(secret) && !doctor.stderr.includes(secret));
  });
});
