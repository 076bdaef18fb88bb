import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { type JwtIssuer, jwtIssuer } from "../helpers/jwt.js";
import { type Listening, listenLoopback } from "../helpers/loopback.js";

// GitHub Actions' OIDC claims, as a role for one repository's main branch binds them.
const ISS = "https://token.actions.githubusercontent.com";
const AUD = "https://github.com/acme";
const SUB = "repo:acme/shop:ref:refs/heads/main";
const CANARY = "jwt-db-canary-7f3a";

const CONFIG = [
  "project: shop",
  "vault: { allowInsecure: true }",
  "environments:",
  "  production: {}",
  "  prod-eu: { credentialPrefix: PROD_EU_ }",
  "variables:",
  "  DB_PASSWORD: { secret: true, ref: 'vault://secret/shop/production/app#DB_PASSWORD' }",
  "",
].join("\n");

/** A child that succeeds only with the secret, and prints whether any OIDC credential reached it. */
const CHILD = [
  "sh",
  "-c",
  `test "$DB_PASSWORD" = ${CANARY} && echo "leaked=[$VAULT_JWT$VAULT_JWT_FILE$ACTIONS_ID_TOKEN_REQUEST_TOKEN$ACTIONS_ID_TOKEN_REQUEST_URL]"`,
];

describe("JWT/OIDC login (auth/jwt) against a real bao", () => {
  let bao: Bao;
  let issuer: JwtIssuer;
  let dir: string;
  const good = (claims: Record<string, unknown> = {}) =>
    issuer.mint({ iss: ISS, aud: AUD, sub: SUB, ...claims });
  const accessors = () => JSON.parse(bao.cli(["list", "-format=json", "auth/token/accessors"]));

  before(async () => {
    bao = await startBao();
    issuer = jwtIssuer();
    dir = tempProject({ "strongbox.config.yaml": CONFIG, "pub.pem": issuer.publicPem });
    bao.cli(["auth", "enable", "jwt"]);
    bao.cli([
      "write",
      "auth/jwt/config",
      `jwt_validation_pubkeys=@${join(dir, "pub.pem")}`,
      `bound_issuer=${ISS}`,
    ]);
    bao.cli(["policy", "write", "shop-read", "-"], {
      input: 'path "secret/data/shop/production/*" { capabilities = ["read"] }\n',
    });
    bao.cli([
      ...["write", "auth/jwt/role/ci", "role_type=jwt", "user_claim=sub"],
      ...[`bound_audiences=${AUD}`, `bound_subject=${SUB}`, "token_policies=shop-read"],
      "token_ttl=10m",
    ]);
    bao.cli(["kv", "put", "-mount=secret", "shop/production/app", `DB_PASSWORD=${CANARY}`]);
  });
  after(async () => bao.stop());

  it("a token in VAULT_JWT_FILE runs the app in production; the login's token is revoked after; no OIDC credential reaches the child", async () => {
    writeFileSync(join(dir, "ci.jwt"), `${good()}\n`);
    const before = accessors().length;
    const run = await runCli(["run", "--env", "production", "--", ...CHILD], {
      cwd: dir,
      env: { VAULT_ADDR: bao.addr, VAULT_JWT_FILE: join(dir, "ci.jwt"), VAULT_JWT_ROLE: "ci" },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "leaked=[]\n");
    assert.equal(accessors().length, before, "the JWT login's token was revoked at exit");
  });

  it("per-environment prefixes: PROD_EU_VAULT_JWT logs in for prod-eu, and its refusal names that variable", async () => {
    const run = await runCli(["run", "--env", "prod-eu", "--", ...CHILD], {
      cwd: dir,
      env: {
        PROD_EU_VAULT_ADDR: bao.addr,
        PROD_EU_VAULT_JWT: good(),
        PROD_EU_VAULT_JWT_ROLE: "ci",
      },
    });
    assert.equal(run.code, 0, run.stderr);
    const expired = issuer.mint({
      iss: ISS,
      aud: AUD,
      sub: SUB,
      exp: 1_700_000_000,
      iat: 1_699_999_000,
      nbf: 1_699_999_000,
    });
    const refused = await runCli(["run", "--env", "prod-eu", "--", "true"], {
      cwd: dir,
      env: {
        PROD_EU_VAULT_ADDR: bao.addr,
        PROD_EU_VAULT_JWT: expired,
        PROD_EU_VAULT_JWT_ROLE: "ci",
      },
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /JWT login \(token from PROD_EU_VAULT_JWT\) failed/);
    assert.ok(!refused.stderr.includes(expired), "the token is never quoted");
  });

  it("refuses an expired token, a wrong audience, a wrong subject and an unknown role: each names the method, the source and Vault's reason", async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      [
        "expired",
        { VAULT_JWT: good({ exp: 1_700_000_000, iat: 1_699_999_000, nbf: 1_699_999_000 }) },
        /^JWT login \(token from VAULT_JWT\) failed: .*expired/,
      ],
      [
        "wrong audience",
        { VAULT_JWT_FILE: join(dir, "aud.jwt") },
        /^JWT login \(token from the file VAULT_JWT_FILE names\) failed: .*aud/,
      ],
      [
        "wrong subject",
        { BAO_JWT: good({ sub: "repo:acme/shop:pull_request" }) },
        /^JWT login \(token from BAO_JWT\) failed: .*sub/,
      ],
      [
        "unknown role",
        { VAULT_JWT: good(), VAULT_JWT_ROLE: "nobody" },
        /^JWT login \(token from VAULT_JWT\) failed: .*role/,
      ],
    ];
    writeFileSync(join(dir, "aud.jwt"), good({ aud: "https://github.com/someone-else" }));
    for (const [what, env, message] of cases) {
      const client = VaultClient.fromEnv(
        { VAULT_ADDR: bao.addr, VAULT_JWT_ROLE: "ci", ...env },
        { allowInsecure: true },
      );
      await assert.rejects(client.session(), (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, "E_VAULT_AUTH", what);
        assert.match(error.message, message, what);
        assert.match(error.hint ?? "", /jwt credentials and the auth mount jwt/, what);
        const token = env.VAULT_JWT ?? env.BAO_JWT;
        if (token !== undefined) assert.ok(!error.message.includes(token), what);
        return true;
      });
    }
  });

  it("reads the token file again at each login: a token revoked underneath is replaced from the file's current content", async () => {
    const file = join(dir, "rotating.jwt");
    writeFileSync(file, good());
    const client = VaultClient.fromEnv(
      { VAULT_ADDR: bao.addr, VAULT_JWT_FILE: file, VAULT_JWT_ROLE: "ci" },
      { allowInsecure: true },
    );
    try {
      assert.equal((await client.kvRead("secret/shop/production/app"))?.data.DB_PASSWORD, CANARY);
      const first = await client.session();
      // The file now holds a token Vault refuses: the next login must fail on it, not reuse the first.
      writeFileSync(file, good({ sub: "repo:acme/shop:ref:refs/heads/other" }));
      bao.cli(["token", "revoke", first.token]);
      await assert.rejects(client.kvRead("secret/shop/production/app"), /sub/);
      writeFileSync(file, good());
      const fresh = VaultClient.fromEnv(
        { VAULT_ADDR: bao.addr, VAULT_JWT_FILE: file, VAULT_JWT_ROLE: "ci" },
        { allowInsecure: true },
      );
      assert.equal((await fresh.kvRead("secret/shop/production/app"))?.data.DB_PASSWORD, CANARY);
      await fresh.close();
    } finally {
      await client.close().catch(() => undefined);
    }
  });

  it("keeps a JWT login's token alive: renewed past its TTL, and a new login from the file after its max TTL", async () => {
    bao.cli([
      ...["write", "auth/jwt/role/short", "role_type=jwt", "user_claim=sub"],
      ...[`bound_audiences=${AUD}`, `bound_subject=${SUB}`, "token_policies=shop-read"],
      ...["token_ttl=2s", "token_max_ttl=5s"],
    ]);
    const file = join(dir, "short.jwt");
    writeFileSync(file, good());
    const client = VaultClient.fromEnv(
      { VAULT_ADDR: bao.addr, VAULT_JWT_FILE: file, VAULT_JWT_ROLE: "short" },
      { allowInsecure: true },
    );
    const errors: Error[] = [];
    const stop = client.keepAlive((error) => errors.push(error));
    try {
      const first = (await client.session()).token;
      await new Promise((resolve) => setTimeout(resolve, 2600));
      const self = await client.http.send({
        method: "GET",
        path: "auth/token/lookup-self",
        token: first,
      });
      assert.equal(self.status, 200, "renewed past its 2 s TTL");
      const until = Date.now() + 15_000;
      while ((await client.session()).token === first && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 300));
      assert.notEqual((await client.session()).token, first, "a new JWT login near the max TTL");
      assert.equal((await client.kvRead("secret/shop/production/app"))?.data.DB_PASSWORD, CANARY);
      assert.deepEqual(errors, []);
    } finally {
      stop();
      await client.close();
    }
  });

  it("vault doctor names the method, the source, the role and the claims, never the token", async () => {
    const token = good();
    const doctor = await runCli(["vault", "doctor", "--env", "production", "--json"], {
      cwd: dir,
      env: { VAULT_ADDR: bao.addr, VAULT_JWT: token, VAULT_JWT_ROLE: "ci" },
    });
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.token.method, "jwt");
    assert.deepEqual(report.token.identity, {
      source: "JWT login (token from VAULT_JWT)",
      role: "ci",
      claims: { iss: ISS, sub: SUB, aud: AUD },
    });
    const text = await runCli(["vault", "doctor", "--env", "production"], {
      cwd: dir,
      env: { VAULT_ADDR: bao.addr, VAULT_JWT: token, VAULT_JWT_ROLE: "ci" },
    });
    assert.match(
      text.stdout,
      /identity: JWT login \(token from VAULT_JWT\), role ci, iss=.*sub=repo:acme\/shop/,
    );
    for (const output of [doctor.stdout, doctor.stderr, text.stdout, text.stderr])
      assert.ok(!output.includes(token) && !output.includes(token.split(".")[2] as string));
  });

  describe("GitHub Actions: the token from the runner's request", () => {
    const REQUEST_TOKEN = "gha-request-token-5d1e";
    let runner: Listening;
    const seen: Array<{ url: string; authorization: string | undefined }> = [];
    before(async () => {
      // Behaves as the runner's endpoint: a bearer check, the `audience` query parameter, JSON {value}.
      runner = await listenLoopback(
        createServer((req, res) => {
          const url = new URL(req.url ?? "/", "http://runner");
          seen.push({ url: req.url ?? "", authorization: req.headers.authorization });
          if (req.headers.authorization !== `Bearer ${REQUEST_TOKEN}`) {
            res.writeHead(401, { "content-type": "application/json" });
            return res.end('{"message":"Bad credentials"}');
          }
          const aud = url.searchParams.get("audience") ?? "https://github.com/default-owner";
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ count: 1, value: good({ aud }) }));
        }),
      );
    });
    after(async () => runner.close());
    const runnerEnv = (requestToken = REQUEST_TOKEN) => ({
      VAULT_ADDR: bao.addr,
      ACTIONS_ID_TOKEN_REQUEST_URL: `${runner.addr}/_apis/distributedtask/hubs/build/plans/1/jobs/2/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
      VAULT_JWT_ROLE: "ci",
      VAULT_JWT_AUDIENCE: AUD,
    });

    it("asks the runner with its bearer token and the audience, logs in, and runs the app without handing on the request", async () => {
      seen.length = 0;
      const run = await runCli(["run", "--env", "production", "--", ...CHILD], {
        cwd: dir,
        env: runnerEnv(),
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, "leaked=[]\n");
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.authorization, `Bearer ${REQUEST_TOKEN}`);
      const url = new URL(seen[0]?.url ?? "", "http://runner");
      assert.equal(
        url.searchParams.get("api-version"),
        "2.0",
        "the runner's own parameters are kept",
      );
      assert.equal(url.searchParams.get("audience"), AUD);
    });

    it("a refused request names the runner and the permission; the default audience is refused by the role; an http URL off loopback is never sent the token", async () => {
      const refused = VaultClient.fromEnv(runnerEnv("expired-request-token"), {
        allowInsecure: true,
      });
      await assert.rejects(refused.session(), (error: Error & { hint?: string }) => {
        assert.match(
          error.message,
          /JWT login \(token from the GitHub Actions runner\): the runner refused the OIDC token request \(HTTP 401\)/,
        );
        assert.match(error.hint ?? "", /id-token: write/);
        assert.ok(!error.message.includes("expired-request-token"));
        return true;
      });
      const { VAULT_JWT_AUDIENCE: _, ...noAudience } = runnerEnv();
      const wrongAudience = VaultClient.fromEnv(noAudience, { allowInsecure: true });
      await assert.rejects(
        wrongAudience.session(),
        /JWT login \(token from the GitHub Actions runner\) failed: .*aud/,
      );
      seen.length = 0;
      for (const url of ["http://runner.example:1/idtoken", "ftp://127.0.0.1/x", "not a url"]) {
        const client = VaultClient.fromEnv(
          { ...runnerEnv(), ACTIONS_ID_TOKEN_REQUEST_URL: url },
          { allowInsecure: true },
        );
        await assert.rejects(client.session(), /is not an https:\/\/ URL/);
      }
      assert.equal(seen.length, 0);
    });
  });
});
