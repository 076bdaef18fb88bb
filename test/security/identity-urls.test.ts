// Red team (issue 28, last pass): a URL that is sent a credential or asked who
// someone is (an STS endpoint, an OIDC issuer, the runner's token endpoint)
// was checked in several places, each its own way, and not at all where setup
// adopted a mount's configuration or the AWS SDK chose web identity's STS
// endpoint. The rule is one function now (src/security/transport.ts,
// unsafeIdentityUrl): https, or plain http to this machine's loopback spelled
// as every URL parser reads it, with no user name or password. This file
// generates the spellings and runs each through the rule and through every
// caller that takes such a URL from a user.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveAwsKeys } from "../../src/aws/keys.js";
import { unsafeIdentityUrl } from "../../src/security/transport.js";
import { githubIdToken } from "../../src/vault/auth/github-oidc.js";
import { loginRole } from "../../src/vault-ops/setup-login.js";
import { tempProject } from "../helpers/cli.js";

/** Hosts plain http may reach, spelled as WHATWG and Go both read them. */
const LOOPBACK = ["127.0.0.1", "127.3.4.5", "localhost", "[::1]"];
/** Hosts that are somewhere else, or loopback spelled so that parsers disagree. */
const ELSEWHERE = ["sts.example.com", "10.1.2.3", "[fe80::1]", "127.0.0.1.evil.example"];
const ELSEWHERE_HTTP = [
  ...ELSEWHERE,
  "localhost.evil.example",
  // WHATWG reads these as loopback; Go sees a name (or another address) and asks DNS.
  "[::ffff:127.0.0.1]",
  "0x7f.0.0.1",
  "127.1",
  "2130706433",
  "0177.0.0.1",
  "[0:0:0:0:0:0:0:1]",
];
/** Ways to put a user name, password or a second host before the one that counts. */
const USERINFO = ["u:p@", "u@", ":p@", ":@", "127.0.0.1@", "127.0.0.1:80@", "sts.amazonaws.com@"];
const SCHEMES = ["http", "HTTP", "hTtP"];
const SECURE = ["https", "HTTPS"];
const PORTS = ["", ":8200"];

function variants(): Array<{ url: string; safe: boolean }> {
  const out: Array<{ url: string; safe: boolean }> = [];
  for (const port of PORTS) {
    for (const scheme of SCHEMES) {
      for (const host of LOOPBACK) out.push({ url: `${scheme}://${host}${port}/`, safe: true });
      for (const host of ELSEWHERE_HTTP)
        out.push({ url: `${scheme}://${host}${port}/`, safe: false });
      for (const info of USERINFO)
        out.push({ url: `${scheme}://${info}127.0.0.1${port}/`, safe: false });
    }
    for (const scheme of SECURE) {
      for (const host of [...LOOPBACK, ...ELSEWHERE])
        out.push({ url: `${scheme}://${host}${port}/`, safe: true });
      for (const info of USERINFO)
        out.push({ url: `${scheme}://${info}sts.example.com${port}/`, safe: false });
      for (const odd of ["0x7f.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "sts%2eexample.com"])
        out.push({ url: `${scheme}://${odd}${port}/`, safe: false });
    }
    for (const scheme of ["ws", "ftp", "file", "gopher"])
      out.push({ url: `${scheme}://127.0.0.1${port}/`, safe: false });
  }
  // Text parsers trim or skip, so the host WHATWG sees is not the one written.
  for (const odd of [
    " https://sts.example.com/",
    "https://sts.example.com\n.evil.example/",
    "http://127.0.0.1\t.evil.example/",
    "http:\\\\127.0.0.1@evil.example/",
    "http:/127.0.0.1/",
    "http://evil.example\\@127.0.0.1/",
    "127.0.0.1:8200",
    "",
  ])
    out.push({ url: odd, safe: false });
  return out;
}

describe("one rule for URLs that are sent a credential or asked who someone is", () => {
  it("the rule: https, or http to loopback spelled plainly; no user name or password", () => {
    const all = variants();
    assert.ok(all.length > 150, `${all.length} variants`);
    for (const { url, safe } of all)
      assert.equal(unsafeIdentityUrl(url) === undefined, safe, JSON.stringify(url));
  });

  it("vault setup's --aws-sts-endpoint and --jwt-discovery-url follow it", () => {
    const jwt = {
      method: "jwt",
      audiences: ["aud"],
      boundClaims: { sub: "repo:a/b:ref:refs/heads/main" },
    } as const;
    for (const { url, safe } of variants()) {
      const sts = () =>
        loginRole("n", {
          method: "aws",
          principalArns: ["arn:aws:iam::123456789012:role/app"],
          stsEndpoint: url,
        });
      const discovery = () => loginRole("n", { ...jwt, issuer: { discoveryUrl: url } });
      for (const attempt of [sts, discovery])
        if (safe) attempt();
        else
          assert.throws(
            attempt,
            (error: Error & { code?: string }) => error.code === "E_USAGE",
            JSON.stringify(url),
          );
    }
  });

  it("the GitHub runner's request token is never sent to a URL the rule refuses", async () => {
    for (const { url, safe } of variants()) {
      if (safe) continue;
      await assert.rejects(
        githubIdToken(
          { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "reqtok" },
          "aud",
          undefined,
        ),
        /ACTIONS_ID_TOKEN_REQUEST_URL is not an https:\/\/ URL/,
        JSON.stringify(url),
      );
    }
  });

  it("AWS web identity's token is never exchanged at an STS endpoint the rule refuses", async () => {
    const dir = tempProject();
    const tokenFile = join(dir, "token.jwt");
    writeFileSync(tokenFile, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ3aSJ9.");
    const env = {
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/ci",
    };
    for (const { url, safe } of variants()) {
      if (safe) continue;
      await assert.rejects(
        resolveAwsKeys(env, {
          region: "us-east-1",
          endpoint: url,
          endpointName: "PROD_AWS_ENDPOINT_URL_STS",
          // Scoped: the token file and role came from the environment's prefix.
          origin: (name) => `PROD_${name}`,
          ambient: false,
        }),
        (error: Error & { code?: string }) =>
          error.code === "E_VAULT_AUTH" &&
          /PROD_AWS_ENDPOINT_URL_STS gives .*the web identity token is not sent/.test(
            error.message,
          ),
        JSON.stringify(url),
      );
    }
  });
});
