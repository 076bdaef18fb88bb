// Red team (issue 28, last pass): the AWS IAM login's web identity exchange
// let the AWS SDK choose the STS endpoint, from this process's own
// AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL or ~/.aws/config `endpoint_url`,
// even for an environment with a credentialPrefix, with no https rule: the web
// identity token (it assumes the role) could travel in clear text to whoever
// planted the endpoint. And a prefixed Vault login could sign with the plain
// AWS_* credentials the process happened to have.
//
// The invariants (src/aws/keys.ts webIdentity, src/vault/auth/aws.ts):
// the token goes only to the endpoint the environment given names (else the
// region's AWS one), under the one https-or-loopback rule, never while
// NODE_TLS_REJECT_UNAUTHORIZED=0; an environment whose own credentials are in
// force uses only its prefixed AWS variables. Generated here over environment
// spellings (plain and prefixed) × where an endpoint can be planted
// (variables, ~/.aws/config, AWS_CONFIG_FILE, a profile, a services section),
// with real child processes and recording listeners: the planted listener
// never sees a request, and the endpoint that is given does get the token.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttp, type Server } from "node:http";
import { createServer as createHttps } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { homeWith, type Listener, outsideAddress, recordOn } from "../helpers/recording.js";

const TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ3ZWItaWRlbnRpdHktY2FuYXJ5LTdjMmUifQ.canary";
const ROLE_ARN = "arn:aws:iam::123456789012:role/ci-deploy";
/** No such region: the AWS default endpoint for it does not resolve, so nothing leaves this machine. */
const REGION = "strongbox-test-1";
const config = (prefix?: string) =>
  [
    "project: shop",
    "vault: { allowInsecure: true }",
    "environments:",
    `  production: {${prefix === undefined ? "" : ` credentialPrefix: ${prefix} `}}`,
    "variables:",
    "  DB: { secret: true, ref: 'vault://secret/shop/production/app#DB' }",
    "",
  ].join("\n");

/** Where an endpoint can be planted for the SDK to find: each gives files for HOME and variables. */
const PLANTS: ReadonlyArray<{
  readonly where: string;
  readonly files: (url: string) => Record<string, string>;
  readonly env: (url: string, home: string) => Record<string, string>;
}> = [
  {
    where: "AWS_ENDPOINT_URL_STS",
    files: () => ({}),
    env: (url) => ({ AWS_ENDPOINT_URL_STS: url }),
  },
  { where: "AWS_ENDPOINT_URL", files: () => ({}), env: (url) => ({ AWS_ENDPOINT_URL: url }) },
  {
    where: "~/.aws/config endpoint_url",
    files: (url) => ({ ".aws/config": `[default]\nendpoint_url = ${url}\n` }),
    env: () => ({}),
  },
  {
    where: "~/.aws/config services sts endpoint_url",
    files: (url) => ({
      ".aws/config": `[default]\nservices = planted\n\n[services planted]\nsts =\n  endpoint_url = ${url}\n`,
    }),
    env: () => ({}),
  },
  {
    where: "AWS_CONFIG_FILE endpoint_url",
    files: (url) => ({ "planted-config": `[default]\nendpoint_url = ${url}\n` }),
    env: (_url, home) => ({ AWS_CONFIG_FILE: join(home, "planted-config") }),
  },
  {
    where: "AWS_PROFILE's endpoint_url",
    files: (url) => ({ ".aws/config": `[profile planted]\nendpoint_url = ${url}\n` }),
    env: () => ({ AWS_PROFILE: "planted" }),
  },
];

describe("web identity's token goes only to the STS endpoint the environment names, over https or loopback", () => {
  let planted: Listener;
  let given: Listener;
  let untrusted: Listener;
  let plantedUrls: string[];

  before(async () => {
    planted = await recordOn(createHttp(), "::");
    given = await recordOn(createHttp(), "127.0.0.1");
    const dir = tempProject();
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
        ...["-subj", "/CN=untrusted", "-addext", "subjectAltName=IP:127.0.0.1"],
      ],
      { stdio: "ignore" },
    );
    untrusted = await recordOn(
      createHttps({
        key: readFileSync(join(dir, "key.pem")),
        cert: readFileSync(join(dir, "cert.pem")),
      }) as unknown as Server,
      "127.0.0.1",
    );
    const outside = outsideAddress();
    // The planted listener, reached by spellings the rule refuses: another address of this machine, IPv4-mapped loopback.
    plantedUrls = [
      ...(outside === undefined ? [] : [`http://${outside}:${planted.port}`]),
      `http://[::ffff:127.0.0.1]:${planted.port}`,
      `http://u:p@127.0.0.1:${planted.port}`,
    ];
  });
  after(() => {
    for (const listener of [planted, given, untrusted]) listener?.server.close();
  });

  /** Runs the app in production with the token file written in a fresh HOME; the result and that HOME. */
  async function login(
    prefix: string | undefined,
    files: Record<string, string>,
    extra: (home: string) => Record<string, string>,
    own: (home: string) => Record<string, string> = (home) => ({
      AWS_WEB_IDENTITY_TOKEN_FILE: join(home, "token.jwt"),
      AWS_ROLE_ARN: ROLE_ARN,
    }),
  ) {
    const home = tempProject({ "strongbox.config.yaml": config(prefix), "token.jwt": TOKEN });
    homeWith(files, home);
    const p = prefix ?? "";
    const env: Record<string, string> = {
      [`${p}VAULT_ADDR`]: "http://127.0.0.1:9",
      [`${p}VAULT_AWS_ROLE`]: "ci",
      [`${p}VAULT_AWS_STS_REGION`]: REGION,
      VAULT_AWS_STS_REGION: REGION,
      ...Object.fromEntries(
        Object.entries(own(home)).map(([name, value]) => [`${p}${name}`, value]),
      ),
      ...extra(home),
    };
    const result = await runCli(["run", "--env", "production", "--", "true"], { cwd: home, env });
    assert.notEqual(result.code, 0, "no STS here answers, so no login");
    assert.ok(!`${result.stdout}${result.stderr}`.includes(TOKEN), "the token is never printed");
    return result;
  }

  for (const prefix of [undefined, "PROD_"])
    it(`${prefix === undefined ? "a plain" : "a prefixed"} environment: no planted endpoint, in any place, is sent anything`, async () => {
      let runs = 0;
      for (const plant of PLANTS)
        for (const url of plantedUrls) {
          const before = planted.seen.length;
          const result = await login(prefix, plant.files(url), (home) => plant.env(url, home));
          assert.equal(planted.seen.length, before, `${plant.where} = ${url}: ${result.stderr}`);
          runs += 1;
        }
      // The environment's own variable naming the planted endpoint: refused by the rule, nothing sent.
      if (prefix !== undefined)
        for (const url of plantedUrls) {
          const result = await login(prefix, {}, () => ({ PROD_AWS_ENDPOINT_URL_STS: url }));
          assert.equal(planted.seen.length, 0, `${url}: ${result.stderr}`);
          assert.match(result.stderr, /PROD_AWS_ENDPOINT_URL_STS gives .*not sent/);
          runs += 1;
        }
      assert.equal(planted.seen.length, 0);
      assert.ok(runs >= PLANTS.length * 2, `${runs} runs`);
    });

  it("the endpoint the environment names does get the exchange (plain and prefixed): the listeners record", async () => {
    for (const [prefix, name] of [
      [undefined, "AWS_ENDPOINT_URL_STS"],
      [undefined, "AWS_ENDPOINT_URL"],
      ["PROD_", "PROD_AWS_ENDPOINT_URL_STS"],
      ["PROD_", "PROD_AWS_ENDPOINT_URL"],
    ] as const) {
      const before = given.seen.length;
      await login(prefix, {}, () => ({ [name]: `http://127.0.0.1:${given.port}` }));
      assert.equal(given.seen.length, before + 1, name);
      assert.match(given.seen.at(-1) ?? "", /AssumeRoleWithWebIdentity/);
      assert.ok(given.seen.at(-1)?.includes(TOKEN), "the token went where it was told");
    }
  });

  it("a prefixed Vault login never uses the plain AWS_* web identity, keys or endpoint the process has", async () => {
    const before = given.seen.length;
    const result = await login(
      "PROD_",
      {},
      (home) => ({
        AWS_WEB_IDENTITY_TOKEN_FILE: join(home, "token.jwt"),
        AWS_ROLE_ARN: ROLE_ARN,
        AWS_ACCESS_KEY_ID: "AKIAPLAINPLAINPLAIN0",
        AWS_SECRET_ACCESS_KEY: "plain-secret-key-canary",
        AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${given.port}`,
      }),
      () => ({}),
    );
    assert.equal(given.seen.length, before, "the plain token was not exchanged");
    assert.match(result.stderr, /no AWS credentials for Vault aws auth/);
    assert.match(result.stderr, /PROD_AWS_ACCESS_KEY_ID/);
    assert.doesNotMatch(result.stderr, /keys from AWS_ACCESS_KEY_ID/);
  });

  it("with NODE_TLS_REJECT_UNAUTHORIZED=0 the token is not sent, even to the https endpoint named", async () => {
    for (const prefix of [undefined, "PROD_"]) {
      const result = await login(prefix, {}, () => ({
        [`${prefix ?? ""}AWS_ENDPOINT_URL_STS`]: `https://127.0.0.1:${untrusted.port}`,
        NODE_TLS_REJECT_UNAUTHORIZED: "0",
      }));
      assert.match(
        result.stderr,
        /NODE_TLS_REJECT_UNAUTHORIZED=0 .*web identity token is not sent/,
      );
    }
    assert.equal(untrusted.seen.length, 0);
  });

  it("an endpoint variable that is not a URL is named, for keys and web identity alike, never an internal error", async () => {
    for (const prefix of [undefined, "PROD_"])
      for (const name of ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"])
        for (const own of [
          undefined,
          () => ({ AWS_ACCESS_KEY_ID: "AKIAKEYSKEYSKEYS0000", AWS_SECRET_ACCESS_KEY: "k-canary" }),
        ]) {
          const variable = `${prefix ?? ""}${name}`;
          const result = await login(prefix, {}, () => ({ [variable]: "not a url" }), own);
          assert.match(result.stderr, new RegExp(`AWS IAM login: ${variable} is not a URL`));
          assert.doesNotMatch(result.stderr, /TypeError|Invalid URL|internal/i);
        }
  });
});
