// The rule of vault setup's login roles (src/vault-ops/setup-login.ts): a role
// of every method is refused without each of its bindings, and no option that
// takes PEM text lets a private key through, however the file is put together.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  IDENTIFYING_CLAIMS,
  type LoginBinding,
  loginRole,
  SHARED_CLAIMS,
} from "../../src/vault-ops/setup-login.js";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const PUB = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n";
const KEYS = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"].map(
  (kind) => `-----BEGIN ${kind}-----\nMIIE\n-----END ${kind}-----\n`,
);

/** A complete binding of each method: each must be accepted as is. */
const COMPLETE: readonly LoginBinding[] = [
  { method: "jwt", audiences: ["aud"], boundClaims: { sub: "repo:a/b:ref:refs/heads/main" } },
  { method: "kubernetes", serviceAccounts: ["app"], namespaces: ["shop"] },
  { method: "cert", certificate: CERT },
  { method: "aws", principalArns: ["arn:aws:iam::123456789012:role/ci/shop-prod"] },
];

/** Every way to take one binding away: each list emptied, each string blanked. */
function weakened(binding: LoginBinding): Array<[string, LoginBinding]> {
  const out: Array<[string, LoginBinding]> = [];
  for (const [key, value] of Object.entries(binding)) {
    if (key === "method") continue;
    if (Array.isArray(value)) {
      out.push([`${key} empty`, { ...binding, [key]: [] } as LoginBinding]);
      out.push([`${key} *`, { ...binding, [key]: ["*"] } as LoginBinding]);
    } else if (typeof value === "string")
      out.push([`${key} blank`, { ...binding, [key]: "" } as LoginBinding]);
    else if (typeof value === "object" && value !== null) {
      out.push([`${key} empty`, { ...binding, [key]: {} } as LoginBinding]);
      for (const claim of Object.keys(value))
        out.push([`${key}.${claim} blank`, { ...binding, [key]: { [claim]: "" } } as LoginBinding]);
    }
  }
  return out;
}

describe("vault setup login roles", () => {
  it("accepts each method's complete binding, carrying exactly the grant's policy", () => {
    for (const binding of COMPLETE) {
      const role = loginRole("shop-production-app", binding);
      assert.deepEqual(role.body.token_policies, ["shop-production-app"]);
      assert.equal(role.body.token_type, "service");
    }
  });

  it("refuses every binding taken away (empty, blank, or * where Vault reads any)", () => {
    for (const binding of COMPLETE)
      for (const [what, weak] of weakened(binding)) {
        // `*` is a valid exact audience string for JWT (bound_claims_type=string); the rest must be refused.
        if (binding.method === "jwt" && what === "audiences *") continue;
        assert.throws(
          () => loginRole("n", weak),
          (error: Error & { code?: string }) => error.code === "E_USAGE",
          `${binding.method}: ${what}`,
        );
      }
  });

  it("refuses an AWS principal ARN with `*` or `?` put anywhere in it, or cut before its name", () => {
    const arn = "arn:aws:iam::123456789012:role/ci/shop-prod";
    const variants = [];
    for (let at = 0; at <= arn.length; at += 1)
      for (const glob of ["*", "?"])
        variants.push(arn.slice(0, at) + glob + arn.slice(at), arn.slice(0, at) + glob);
    // Cut before the name: a bare account, service or partition (a shorter name is another role, not a pattern).
    for (let at = 0; at <= arn.indexOf("role/") + 5; at += 1) variants.push(arn.slice(0, at));
    for (const variant of variants)
      assert.throws(
        () => loginRole("n", { method: "aws", principalArns: [variant] }),
        /not one IAM user's or role's ARN|needs --bound/,
        variant,
      );
  });

  it("never accepts a private key as --certificate or --jwt-pubkey, alone or beside the public part", () => {
    for (const key of KEYS)
      for (const text of [key, CERT + key, key + CERT, PUB + key, `${CERT}\n${key}`]) {
        assert.throws(
          () => loginRole("n", { method: "cert", certificate: text }),
          /PEM blocks only/,
        );
        assert.throws(
          () =>
            loginRole("n", {
              ...(COMPLETE[0] as LoginBinding & { method: "jwt" }),
              issuer: { publicKeys: [text] },
            }),
          /PEM blocks only/,
        );
      }
  });

  it("refuses an issuer discovery URL over plain http, and a zero or inverted token lifetime", () => {
    const jwt = COMPLETE[0] as LoginBinding & { method: "jwt" };
    assert.throws(
      () => loginRole("n", { ...jwt, issuer: { discoveryUrl: "http://issuer" } }),
      /https/,
    );
    for (const [ttl, max] of [
      ["1h", "15m"],
      ["15m", "0"],
      ["x", "1h"],
    ])
      assert.throws(
        () => loginRole("n", { ...jwt, tokenTtl: ttl, tokenMaxTtl: max }),
        /ttl|duration/i,
      );
  });

  // Red team (issue 28, last pass): claims every job may carry bound a role to no one.
  it("a JWT role's bound claims must name a repository, project or workflow; every set without one is refused", () => {
    /** Claims a GitHub or GitLab job of any repository may carry, and near-misses of identifying names. */
    const anyone = [
      "ref",
      "environment",
      "runner_environment",
      "event_name",
      "ref_type",
      "actor",
      "repository_owner",
      "repository_visibility",
      "namespace_path",
      "Sub",
      "SUB",
      "sub ",
      "repository.",
      "aud",
    ];
    const subsets: string[][] = [];
    for (const a of anyone) {
      subsets.push([a]);
      for (const b of anyone) if (a < b) subsets.push([a, b]);
    }
    subsets.push(anyone);
    const jwt = (claims: readonly string[], audiences: readonly string[] = ["aud"]) =>
      loginRole("n", {
        method: "jwt",
        audiences,
        boundClaims: Object.fromEntries(claims.map((claim) => [claim, "value"])),
      });
    for (const claims of subsets) {
      assert.throws(
        () => jwt(claims),
        (error: Error & { code?: string; hint?: string }) =>
          error.code === "E_USAGE" && /identify no repository/.test(error.message),
        claims.join(","),
      );
      // One identifying claim beside them makes the role bind someone.
      for (const identifying of IDENTIFYING_CLAIMS) {
        const role = jwt([...claims, identifying]);
        assert.equal((role.body.bound_claims as Record<string, string>)[identifying], "value");
      }
    }
    for (const identifying of IDENTIFYING_CLAIMS) jwt([identifying]);
  });

  it("a claim naming a shared workflow or CI file counts only beside a claim naming its caller", () => {
    // Red team round 2: job_workflow_ref names the reusable workflow, the same for every caller.
    const jwt = (claims: readonly string[]) =>
      loginRole("n", {
        method: "jwt",
        audiences: ["aud"],
        boundClaims: Object.fromEntries(claims.map((claim) => [claim, "value"])),
      });
    const refused = (claims: readonly string[]) =>
      assert.throws(
        () => jwt(claims),
        (error: Error & { code?: string; hint?: string }) =>
          error.code === "E_USAGE" && /identify no repository/.test(error.message),
        claims.join(","),
      );
    const partners = new Set(Object.values(SHARED_CLAIMS).flat());
    const bystanders = [
      "ref",
      "environment",
      "event_name",
      "actor",
      "repository_visibility",
      "Repository_owner",
    ];
    let cases = 0;
    for (const [shared, callers] of Object.entries(SHARED_CLAIMS)) {
      refused([shared]);
      // Every other shared claim, and every claim that is neither identifying nor one of its callers.
      for (const other of [...Object.keys(SHARED_CLAIMS), ...bystanders, ...partners])
        if (
          other !== shared &&
          !callers.includes(other) &&
          !(IDENTIFYING_CLAIMS as readonly string[]).includes(other)
        ) {
          if (Object.hasOwn(SHARED_CLAIMS, other) && (SHARED_CLAIMS[other] ?? []).includes(shared))
            continue;
          refused([shared, other]);
          cases++;
        }
      for (const caller of callers) {
        const role = jwt([shared, caller]);
        assert.equal((role.body.bound_claims as Record<string, string>)[shared], "value");
        cases++;
      }
    }
    assert.ok(!(IDENTIFYING_CLAIMS as readonly string[]).includes("job_workflow_ref"));
    assert.ok(cases > 20, `${cases} cases`);
  });

  it("a JWT role's audiences must be given and none blank (an empty list accepts any audience)", () => {
    for (const audiences of [[], [""], [" "], ["aud", ""], ["", ""]])
      assert.throws(
        () =>
          loginRole("n", {
            method: "jwt",
            audiences,
            boundClaims: { sub: "repo:a/b:ref:refs/heads/main" },
          }),
        (error: Error & { code?: string }) => error.code === "E_USAGE",
        JSON.stringify(audiences),
      );
  });
});
