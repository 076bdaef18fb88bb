// The keep-alive of every login method, generated over the method table
// (src/vault/auth/methods.ts): for each method a role whose tokens live 2 s
// (5 s at most) in a real bao; the token is renewed past its TTL, and near its
// max TTL the method logs in again (a given token is renewed, never replaced).
// A method added to the table without a fixture here fails this test.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AUTH_METHODS } from "../../src/vault/auth/methods.js";
import { VaultClient } from "../../src/vault/client.js";
import { ACCOUNT, baoWithAws, enableAwsAuth, iamUser, motoAuth } from "../helpers/aws-iam.js";
import type { Bao } from "../helpers/bao.js";
import { clientCertificate } from "../helpers/certs.js";
import { tempProject } from "../helpers/cli.js";
import { jwtIssuer } from "../helpers/jwt.js";
import { fakeApiServer } from "../helpers/kubernetes.js";
import type { Moto } from "../helpers/moto.js";

const CANARY = "renewal-canary-7f20";
/** Every role below: tokens of 2 s, renewable up to 5 s, reading the app's secret only. */
const SHORT = ["token_policies=shop-read", "token_ttl=2s", "token_max_ttl=5s"];
const SA = { name: "app", uid: "4b9d1b3e-0000-4000-8000-00000000a11c" };

interface Context {
  readonly bao: Bao;
  readonly dir: string;
  readonly moto: Moto;
  readonly api: Awaited<ReturnType<typeof fakeApiServer>>;
}

/** A method's set-up: enables and configures it with a SHORT role, returns the login's environment. */
type Fixture = (context: Context) => Promise<Record<string, string>>;

const issuer = jwtIssuer();
const FIXTURES: Readonly<Record<string, Fixture>> = {
  token: async ({ bao }) => ({
    VAULT_TOKEN: bao
      .cli(["token", "create", "-policy=shop-read", "-ttl=2s", "-explicit-max-ttl=5s"])
      .match(/^token\s+(\S+)$/m)?.[1] as string,
  }),
  approle: async ({ bao }) => {
    bao.cli(["auth", "enable", "approle"]);
    bao.cli(["write", "auth/approle/role/short", ...SHORT]);
    const field = (args: string[]) => bao.cli(args).trim();
    return {
      VAULT_ROLE_ID: field(["read", "-field=role_id", "auth/approle/role/short/role-id"]),
      VAULT_SECRET_ID: field([
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/short/secret-id",
      ]),
    };
  },
  userpass: async ({ bao }) => {
    bao.cli(["auth", "enable", "userpass"]);
    bao.cli(["write", "auth/userpass/users/app", "password=renewal-pass-1c9e", ...SHORT]);
    return { VAULT_USERNAME: "app", VAULT_PASSWORD: "renewal-pass-1c9e" };
  },
  jwt: async ({ bao, dir }) => {
    writeFileSync(join(dir, "issuer.pem"), issuer.publicPem);
    bao.cli(["auth", "enable", "jwt"]);
    bao.cli(["write", "auth/jwt/config", `jwt_validation_pubkeys=@${join(dir, "issuer.pem")}`]);
    bao.cli([
      ...["write", "auth/jwt/role/short", "role_type=jwt", "user_claim=sub"],
      ...["bound_audiences=shop", "bound_subject=ci", ...SHORT],
    ]);
    writeFileSync(join(dir, "ci.jwt"), issuer.mint({ sub: "ci", aud: "shop" }));
    return { VAULT_JWT_FILE: join(dir, "ci.jwt"), VAULT_JWT_ROLE: "short" };
  },
  kubernetes: async ({ bao, dir, api }) => {
    const token = (jti: string) =>
      issuer.mint({
        iss: "https://kubernetes.default.svc.cluster.local",
        sub: "system:serviceaccount:shop:app",
        aud: ["https://kubernetes.default.svc.cluster.local"],
        jti,
        "kubernetes.io": { namespace: "shop", serviceaccount: SA },
      });
    for (const [file, jti] of [
      ["reviewer.jwt", "reviewer"],
      ["sa.jwt", "pod"],
    ] as const) {
      const value = token(jti);
      api.honoured.add(value);
      writeFileSync(join(dir, file), value);
    }
    bao.cli(["auth", "enable", "kubernetes"]);
    bao.cli([
      ...["write", "auth/kubernetes/config", `kubernetes_host=${api.host}`],
      ...[`kubernetes_ca_cert=@${api.caFile}`, `token_reviewer_jwt=@${join(dir, "reviewer.jwt")}`],
      "disable_local_ca_jwt=true",
    ]);
    bao.cli([
      ...["write", "auth/kubernetes/role/short", "bound_service_account_names=app"],
      ...["bound_service_account_namespaces=shop", ...SHORT],
    ]);
    return { VAULT_K8S_ROLE: "short", VAULT_K8S_JWT_FILE: join(dir, "sa.jwt") };
  },
  cert: async ({ bao, dir }) => {
    clientCertificate(dir, "app", "shop-app");
    bao.cli(["auth", "enable", "cert"]);
    bao.cli([
      ...["write", "auth/cert/certs/short", `certificate=@${join(dir, "app-ca.pem")}`],
      ...SHORT,
    ]);
    return {
      VAULT_CLIENT_CERT: join(dir, "app.pem"),
      VAULT_CLIENT_KEY: join(dir, "app-key.pem"),
      VAULT_CERT_ROLE: "short",
    };
  },
  aws: async ({ bao, moto }) => {
    const keys = await iamUser(moto, "app");
    await motoAuth(moto, true);
    // Vault's aws method renews an iam token only when auth_type is in its metadata.
    enableAwsAuth(bao, moto, { metadata: "auth_type,canonical_arn" });
    bao.cli([
      ...["write", "auth/aws/role/short", "auth_type=iam", "resolve_aws_unique_ids=false"],
      ...[`bound_iam_principal_arn=arn:aws:iam::${ACCOUNT}:user/app`, ...SHORT],
    ]);
    return {
      VAULT_AWS_ROLE: "short",
      AWS_ACCESS_KEY_ID: keys.id,
      AWS_SECRET_ACCESS_KEY: keys.secret,
      AWS_ENDPOINT_URL: moto.endpoint,
    };
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("every login method's token is kept alive: renewed past its TTL, a new login after its max TTL", () => {
  let context: Context;
  before(async () => {
    const dir = tempProject();
    // Over TLS, as the cert method needs (its certificate is the connection's client identity).
    const { bao, moto } = await baoWithAws({ tls: true });
    context = { bao, dir, moto, api: await fakeApiServer(dir) };
    bao.cli(["policy", "write", "shop-read", "-"], {
      input: 'path "secret/data/shop/production/*" { capabilities = ["read"] }\n',
    });
    bao.cli(["kv", "put", "-mount=secret", "shop/production/app", `DB_PASSWORD=${CANARY}`]);
  });
  after(async () => {
    await context?.bao.stop();
    await context?.moto.stop();
    await context?.api.close();
  });

  for (const method of AUTH_METHODS)
    it(`${method.name}: renewed past its 2 s TTL, ${method.name === "token" ? "kept (a given token is never replaced)" : "and logged in again near its 5 s max TTL"}`, async () => {
      const fixture = FIXTURES[method.name];
      assert.ok(fixture, `add a fixture for the ${method.name} login to this test`);
      const { bao } = context;
      const env = {
        VAULT_ADDR: bao.addr,
        VAULT_CACERT: bao.caCert as string,
        ...(await fixture(context)),
      };
      const client = VaultClient.fromEnv(env, { auth: { method: method.name } });
      const read = async () =>
        (await client.kvRead("secret/shop/production/app"))?.data.DB_PASSWORD;
      const errors: Error[] = [];
      const stop = client.keepAlive((error) => errors.push(error));
      try {
        const first = await client.session();
        assert.equal(first.method, method.name);
        await sleep(2600);
        const self = await client.http.send({
          method: "GET",
          path: "auth/token/lookup-self",
          token: first.token,
        });
        assert.equal(self.status, 200, "renewed past its 2 s TTL");
        assert.equal(await read(), CANARY);
        if (method.name === "token") {
          await sleep(3000);
          assert.equal((await client.session()).token, first.token, "a given token is kept");
          return;
        }
        const until = Date.now() + 15_000;
        while ((await client.session()).token === first.token && Date.now() < until)
          await sleep(300);
        assert.notEqual(
          (await client.session()).token,
          first.token,
          "a new login near the max TTL",
        );
        assert.equal(await read(), CANARY);
        assert.deepEqual(errors, []);
      } finally {
        stop();
        await client.close().catch(() => undefined);
      }
    });
});
