// `vault setup --method aws` against a real bao with the aws auth plugin and
// moto's STS and IAM (request signatures checked): setup writes the app's
// policy and an iam role bound to one principal's ARN, the AWS IAM login with
// that principal then runs the app in production, a path outside the policy
// is refused, and a principal the role does not bind cannot log in.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ACCOUNT, baoWithAws, iamUser, type Keys, motoAuth } from "../helpers/aws-iam.js";
import type { Bao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";
import type { Moto } from "../helpers/moto.js";

const CANARY = "setup-aws-canary-51c2";
const OUTSIDE = "outside-aws-canary-0d3e";
const ROLE = "shop-production-app";
const APP_ARN = `arn:aws:iam::${ACCOUNT}:user/app`;
const config = (ref = "shop/production/app#DB_PASSWORD") =>
  [
    "project: shop",
    "vault: { allowInsecure: true }",
    "environments:",
    "  production: {}",
    "variables:",
    `  DB_PASSWORD: { secret: true, ref: 'vault://secret/${ref}' }`,
    "",
  ].join("\n");
/** A child that succeeds only with a value, and prints nothing. */
const CHILD = ["sh", "-c", 'test -n "$DB_PASSWORD"'];
/** Vault's own IAM reader: resolves the bound ARNs to unique IDs (iam:GetUser, iam:GetRole). */
const READER_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["iam:GetUser", "iam:GetRole"], Resource: "*" }],
});

describe("vault setup --method aws against a real bao with the aws plugin and moto", () => {
  let bao: Bao;
  let moto: Moto;
  let dir: string;
  let app: Keys;
  let intruder: Keys;
  const admin = () => ({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
  const setup = (...extra: string[]) => [
    ...["vault", "setup", "--env", "production", "--method", "aws"],
    ...["--bound-iam-principal-arn", APP_ARN],
    ...["--aws-sts-endpoint", moto.endpoint, "--aws-sts-region", "us-east-1"],
    ...extra,
  ];
  /** The app's production environment: the role setup made, the principal's keys, where STS is. */
  const appEnv = (keys: Keys) => ({
    VAULT_ADDR: bao.addr,
    VAULT_AWS_ROLE: ROLE,
    AWS_ACCESS_KEY_ID: keys.id,
    AWS_SECRET_ACCESS_KEY: keys.secret,
    AWS_ENDPOINT_URL: moto.endpoint,
  });
  const readRole = () =>
    JSON.parse(bao.cli(["read", "-format=json", `auth/aws/role/${ROLE}`])).data as Record<
      string,
      unknown
    >;

  before(async () => {
    dir = tempProject({
      "strongbox.config.yaml": config(),
      "outside.yaml": config("shop/billing/app#DB_PASSWORD"),
    });
    ({ bao, moto } = await baoWithAws());
    app = await iamUser(moto, "app");
    intruder = await iamUser(moto, "intruder");
    const reader = await iamUser(moto, "vault-server", READER_POLICY);
    await motoAuth(moto, true);
    // Vault's IAM access (what an instance profile gives it in production) is the operator's; setup writes the role.
    bao.cli(["auth", "enable", "aws"]);
    bao.cli([
      ...["write", "auth/aws/config/client", `iam_endpoint=${moto.endpoint}`],
      ...[`access_key=${reader.id}`, `secret_key=${reader.secret}`],
    ]);
    bao.cli(["kv", "put", "-mount=secret", "shop/production/app", `DB_PASSWORD=${CANARY}`]);
    bao.cli(["kv", "put", "-mount=secret", "shop/billing/app", `DB_PASSWORD=${OUTSIDE}`]);
  });
  after(async () => {
    await bao?.stop();
    await moto?.stop();
  });

  it("a dry run and --print-policy change nothing", async () => {
    const dry = await runCli(setup("--dry-run"), { cwd: dir, env: admin() });
    assert.equal(dry.code, 0, dry.stderr);
    const printed = await runCli(setup("--print-policy"), { cwd: dir, env: admin() });
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /secret\/data\/shop\/production/);
    assert.throws(() => readRole(), "no role after a dry run");
    const client = JSON.parse(bao.cli(["read", "-format=json", "auth/aws/config/client"])).data;
    assert.equal(client.sts_endpoint, "", "no STS endpoint after a dry run");
  });

  it("creates the iam role bound to the principal; its login runs the app and nothing outside; a second run changes nothing", async () => {
    const first = await runCli(setup(), { cwd: dir, env: admin() });
    assert.equal(first.code, 0, first.stderr);
    const role = readRole();
    assert.equal(role.auth_type, "iam");
    assert.deepEqual(role.token_policies, [ROLE]);
    assert.deepEqual(role.bound_iam_principal_arn, [APP_ARN]);
    assert.equal(role.resolve_aws_unique_ids, true);
    const client = JSON.parse(bao.cli(["read", "-format=json", "auth/aws/config/client"])).data;
    assert.equal(client.sts_endpoint, moto.endpoint);
    const ok = await runCli(["run", "--env", "production", "--", ...CHILD], {
      cwd: dir,
      env: appEnv(app),
    });
    assert.equal(ok.code, 0, ok.stderr);
    const outside = await runCli(
      ["run", "-c", "outside.yaml", "--env", "production", "--", ...CHILD],
      { cwd: dir, env: appEnv(app) },
    );
    assert.notEqual(outside.code, 0, "a path outside the policy is refused");
    assert.match(outside.stderr, /denied|403/i);
    const stranger = await runCli(["run", "--env", "production", "--", ...CHILD], {
      cwd: dir,
      env: appEnv(intruder),
    });
    assert.notEqual(stranger.code, 0, "a principal the role does not bind is refused");
    assert.match(stranger.stderr, /AWS IAM login \(keys from AWS_ACCESS_KEY_ID\) failed/);
    for (const result of [ok, outside, stranger])
      for (const text of [result.stdout, result.stderr])
        for (const secret of [CANARY, OUTSIDE, app.secret, intruder.secret])
          assert.ok(!text.includes(secret));
    const again = await runCli(setup(), { cwd: dir, env: admin() });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`${ROLE}: unchanged`));
  });

  it("rewrites a role of its name someone widened (another principal, unique IDs off, a longer TTL)", async () => {
    for (const change of [
      [`bound_iam_principal_arn=${APP_ARN},arn:aws:iam::${ACCOUNT}:user/intruder`],
      ["token_max_ttl=24h"],
      // Vault refuses turning unique IDs off on a role, so this one was made so from the start.
      [
        "DELETE",
        `token_policies=${ROLE}`,
        `bound_iam_principal_arn=arn:aws:iam::${ACCOUNT}:role/*`,
        "resolve_aws_unique_ids=false",
      ],
    ]) {
      if (change[0] === "DELETE") bao.cli(["delete", `auth/aws/role/${ROLE}`]);
      bao.cli(["write", `auth/aws/role/${ROLE}`, ...change.filter((c) => c !== "DELETE")]);
      const rerun = await runCli(setup(), { cwd: dir, env: admin() });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(rerun.stdout, /created or updated/, change.join(" "));
      const role = readRole();
      assert.deepEqual(role.bound_iam_principal_arn, [APP_ARN], change.join(" "));
      assert.equal(role.token_max_ttl, 3600);
      assert.equal(role.resolve_aws_unique_ids, true);
    }
  });

  it("refuses a role of its name carrying another policy, and changes nothing", async () => {
    bao.cli(["write", `auth/aws/role/${ROLE}`, "token_policies=root-ish"]);
    const refused = await runCli(setup(), { cwd: dir, env: admin() });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /exists with the policies \["root-ish"\]/);
    assert.deepEqual(readRole().token_policies, ["root-ish"]);
    bao.cli(["delete", `auth/aws/role/${ROLE}`]);
  });

  it("refuses no binding, `*` and wildcard or partial ARNs, and an STS endpoint over plain http elsewhere", async () => {
    const base = ["vault", "setup", "--env", "production", "--method", "aws"];
    for (const args of [
      [],
      ["--bound-iam-principal-arn", "*"],
      ["--bound-iam-principal-arn", `arn:aws:iam::${ACCOUNT}:role/*`],
      ["--bound-iam-principal-arn", `arn:aws:iam::${ACCOUNT}:user/app*`],
      ["--bound-iam-principal-arn", `arn:aws:iam::${ACCOUNT}:*`],
      ["--bound-iam-principal-arn", `arn:aws:iam::${ACCOUNT}:root`],
      ["--bound-iam-principal-arn", APP_ARN, "--bound-iam-principal-arn", "arn:aws:iam::*:role/x"],
      ["--bound-iam-principal-arn", APP_ARN, "--aws-sts-endpoint", "http://sts.example.com"],
    ]) {
      const result = await runCli([...base, ...args], { cwd: dir, env: admin() });
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, /E_USAGE|--bound-iam-principal-arn|not https/);
    }
    assert.throws(() => readRole(), "nothing was written");
  });
});
