// `vault setup --method jwt|kubernetes|cert`: setup writes the app's policy and
// a role of the method carrying it (and nothing else), against a real bao; a
// login with that method then runs the app in production and is refused a
// path outside the policy. A role setup finds tampered with is written again
// from scratch; one carrying another policy is refused.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { type JwtIssuer, jwtIssuer } from "../helpers/jwt.js";

const ISS = "https://token.actions.githubusercontent.com";
const AUD = "https://github.com/acme";
const SUB = "repo:acme/shop:ref:refs/heads/main";
const CANARY = "setup-jwt-canary-51c9";
const OUTSIDE = "outside-canary-0d2e";
const ROLE = "shop-production-app";

const CONFIG = [
  "project: shop",
  "vault: { allowInsecure: true }",
  "environments:",
  "  production: {}",
  "variables:",
  "  DB_PASSWORD: { secret: true, ref: 'vault://secret/shop/production/app#DB_PASSWORD' }",
  "",
].join("\n");
// The same app asking for a secret its policy does not name.
const OUTSIDE_CONFIG = CONFIG.replace("shop/production/app#DB_PASSWORD", "shop/billing/app#KEY");

const SETUP = [
  ...["vault", "setup", "--env", "production", "--method", "jwt"],
  ...["--audience", AUD, "--bound-claim", `sub=${SUB}`, "--jwt-pubkey", "pub.pem"],
  ...["--bound-issuer", ISS],
];

describe("vault setup --method jwt against a real bao", () => {
  let bao: Bao;
  let issuer: JwtIssuer;
  let dir: string;
  const admin = () => ({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
  const role = () =>
    JSON.parse(bao.cli(["read", "-format=json", `auth/jwt/role/${ROLE}`])).data as Record<
      string,
      unknown
    >;
  const runAs = (claims: Record<string, unknown>, config = "strongbox.config.yaml") => {
    writeFileSync(join(dir, "ci.jwt"), issuer.mint({ iss: ISS, aud: AUD, sub: SUB, ...claims }));
    return runCli(
      ["run", "-c", config, "--env", "production", "--", "sh", "-c", 'test -n "$DB_PASSWORD$KEY"'],
      {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, VAULT_JWT_FILE: join(dir, "ci.jwt"), VAULT_JWT_ROLE: ROLE },
      },
    );
  };

  before(async () => {
    bao = await startBao();
    issuer = jwtIssuer();
    dir = tempProject({
      "strongbox.config.yaml": CONFIG,
      "outside.yaml": OUTSIDE_CONFIG,
      "pub.pem": issuer.publicPem,
    });
    bao.cli(["kv", "put", "-mount=secret", "shop/production/app", `DB_PASSWORD=${CANARY}`]);
    bao.cli(["kv", "put", "-mount=secret", "shop/billing/app", `KEY=${OUTSIDE}`]);
  });
  after(async () => bao.stop());

  it("enables and configures jwt, writes the policy and a role bound to the audience and claim; the job's login runs the app and nothing outside", async () => {
    const dry = await runCli([...SETUP, "--dry-run"], { cwd: dir, env: admin() });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`POST auth/jwt/role/${ROLE}`));
    assert.doesNotMatch(bao.cli(["auth", "list"]), /jwt/, "--dry-run changed nothing");

    const setup = await runCli(SETUP, { cwd: dir, env: admin() });
    assert.equal(setup.code, 0, setup.stderr);
    assert.match(setup.stdout, new RegExp(`${ROLE}: created or updated`));
    const written = role();
    assert.deepEqual(written.token_policies, [ROLE]);
    assert.deepEqual(written.bound_audiences, [AUD]);
    assert.deepEqual(written.bound_claims, { sub: SUB });
    assert.equal(written.bound_claims_type, "string");
    assert.doesNotMatch(bao.cli(["auth", "list"]), /approle/, "no AppRole");

    const ok = await runAs({});
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stdout + ok.stderr, new RegExp(CANARY));
    const outside = await runAs({}, "outside.yaml");
    assert.notEqual(outside.code, 0, "a path outside the policy is refused");
    assert.match(outside.stderr, /denied|403/i);
    assert.doesNotMatch(outside.stdout + outside.stderr, new RegExp(OUTSIDE));
    for (const claims of [{ sub: "repo:acme/shop:ref:refs/heads/feature" }, { aud: "other" }]) {
      const refused = await runAs(claims);
      assert.notEqual(refused.code, 0, `refused: ${JSON.stringify(claims)}`);
    }

    const again = await runCli(SETUP, { cwd: dir, env: admin() });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`${ROLE}: unchanged`), "idempotent");
  });

  // Every way a hand could widen (or otherwise change) the role: setup puts it back.
  const TAMPERINGS: Record<string, string[]> = {
    "a glob claim": ["bound_claims_type=glob", `bound_claims=${JSON.stringify({ sub: "*" })}`],
    "a wider audience": [`bound_audiences=${AUD},https://github.com`],
    "policies from claims": ["token_policies_template_claims=true"],
    "no max TTL": ["token_max_ttl=0"],
    "a long TTL": ["token_ttl=24h", "token_max_ttl=48h"],
    "a periodic token": ["token_period=24h"],
    "another user claim": ["user_claim=repository"],
    leeways: ["expiration_leeway=86400", "clock_skew_leeway=3600"],
    "a group claim": ["groups_claim=groups"],
  };
  for (const [what, settings] of Object.entries(TAMPERINGS))
    it(`a role changed by hand (${what}) is written again with setup's settings`, async () => {
      const before = role();
      const body = Object.fromEntries(
        settings.map((setting) => {
          const at = setting.indexOf("=");
          const [key, value] = [setting.slice(0, at), setting.slice(at + 1)];
          return [key, key === "bound_claims" ? JSON.parse(value) : value];
        }),
      );
      bao.cli(["write", `auth/jwt/role/${ROLE}`, "-"], {
        input: JSON.stringify({ role_type: "jwt", ...body }),
      });
      assert.notDeepEqual(role(), before, "the tampering took");
      const setup = await runCli(SETUP, { cwd: dir, env: admin() });
      assert.equal(setup.code, 0, setup.stderr);
      assert.match(setup.stdout, new RegExp(`${ROLE}: created or updated`));
      assert.deepEqual(role(), before);
    });

  it("a role of that name carrying another policy is refused, and nothing changes", async () => {
    bao.cli(["write", `auth/jwt/role/${ROLE}`, "-"], {
      input: JSON.stringify({ role_type: "jwt", token_policies: [ROLE, "admin"] }),
    });
    const before = role();
    const refused = await runCli(SETUP, { cwd: dir, env: admin() });
    assert.equal(refused.code !== 0, true);
    assert.match(refused.stderr, /jwt role shop-production-app .* exists with the policies/);
    assert.deepEqual(role(), before);
    bao.cli(["delete", `auth/jwt/role/${ROLE}`]);
  });

  it("refuses a role without bindings, a private key as the issuer key, and other methods' options", async () => {
    writeFileSync(
      join(dir, "key.pem"),
      "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
    );
    const cases: Array<[string[], RegExp]> = [
      [
        SETUP.filter((a) => a !== "--audience" && a !== AUD),
        /needs --audience and at least one --bound-claim/,
      ],
      [SETUP.filter((a) => a !== "--bound-claim" && a !== `sub=${SUB}`), /needs --audience/],
      [
        [...SETUP.slice(0, -4), "--jwt-pubkey", "key.pem"],
        /PUBLIC KEY or CERTIFICATE PEM blocks only/,
      ],
      [[...SETUP, "--namespace", "x"], /--namespace does not go with --method jwt/],
      [[...SETUP, "--token-max-ttl", "0"], /--token-max-ttl/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { cwd: dir, env: admin() });
      assert.equal(result.code !== 0, true, args.join(" "));
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /PRIVATE KEY-----\nx/);
    }
  });
});
