// Red team on issue 28, round 2, finding 1: the aws-sm / aws-ssm providers and
// the KMS clients let the AWS SDK's default chain read this process's own
// variables (not the environment Strongbox was given) and send the web
// identity token to an STS endpoint it picked, over plain http or with TLS
// checks off; a prefixed environment used plain variables.
//
// Invariant: every AWS client Strongbox builds gets its credentials from ONE
// resolver (resolveAwsKeys, through awsCredentials in src/aws/client.ts) over
// the environment it was given, only its prefixed AWS_* once its own
// credentials are in force; web identity only by our explicit exchange; the
// SDK's chain only when ambient, never its web identity step. Generated over
// every AWS client kind × plain/prefixed environment × every place an STS
// endpoint can be planted × planted spellings, with recording listeners.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { awsSecretsRefs } from "../../src/data/backends.js";
import { environmentScope } from "../../src/environments/scope.js";
import { awsKms, kmsUnwrap, kmsWrap } from "../../src/keys/aws-kms.js";
import { awsSecretsManagerProvider } from "../../src/providers/aws/secrets-manager.js";
import { awsSsmProvider } from "../../src/providers/aws/ssm.js";
import type { ReadContext } from "../../src/providers/provider.js";
import "../../src/providers/registry.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { tempProject } from "../helpers/cli.js";
import {
  homeWith,
  type Listener,
  outsideAddress,
  recordOn,
  withProcessEnv as swapProcessEnv,
} from "../helpers/recording.js";

const TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjbGllbnQtY2FuYXJ5LTQxYSJ9.canary";
const ROLE_ARN = "arn:aws:iam::123456789012:role/app";
/** No such region: the AWS default STS endpoint for it does not resolve, so nothing leaves this machine. */
const REGION = "strongbox-test-1";
/** A closed port: the service call itself goes nowhere. */
const SERVICE = "https://127.0.0.1:1";

type Env = Record<string, string | undefined>;
interface Scoped {
  readonly env: Env;
  readonly ctx: ReadContext;
}

/** Both AWS providers list (FullProvider); the created type does not say so. */
const listing = (provider: unknown) =>
  provider as { list(under: string, ctx: ReadContext): Promise<unknown> };

/** Every kind of AWS client Strongbox builds, made and used once with what the environment gives. */
const KINDS: ReadonlyArray<[string, (scoped: Scoped) => Promise<unknown>]> = [
  [
    "aws-sm provider",
    async ({ ctx }) => listing(await awsSecretsManagerProvider.create()).list("", ctx),
  ],
  ["aws-ssm provider", async ({ ctx }) => listing(await awsSsmProvider.create()).list("", ctx)],
  [
    "aws-kms key service",
    async ({ env }) =>
      (await awsKms.open({ env, aws: { region: REGION, endpoint: SERVICE } })).service.newDataKey(
        "k",
      ),
  ],
  [
    "aws-kms store recipient (wrap)",
    ({ env }) => kmsWrap(new Uint8Array(32), "aws-kms:alias/k", "s", env),
  ],
  ["aws-kms store recipient (unwrap)", ({ env }) => kmsUnwrap("AAAA", "aws-kms:alias/k", "s", env)],
  // The environment given has no web identity, the process does: the SDK's ambient chain must not take it.
  [
    "the ambient chain (the process has a token file, the environment given none)",
    () =>
      kmsWrap(new Uint8Array(32), "aws-kms:alias/k", "s", {
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_KMS: SERVICE,
      }),
  ],
  // Library-made, no environment given: this process's own, ambient.
  [
    "awsSecretsRefs (library)",
    () => awsSecretsRefs({ region: REGION, endpoint: SERVICE }).read("x"),
  ],
];

/** Where an STS endpoint can be planted for the SDK to find. */
const PLANTS: ReadonlyArray<[string, (url: string, home: string) => { files: Env; env: Env }]> = [
  ["AWS_ENDPOINT_URL_STS", (url) => ({ files: {}, env: { AWS_ENDPOINT_URL_STS: url } })],
  ["AWS_ENDPOINT_URL", (url) => ({ files: {}, env: { AWS_ENDPOINT_URL: url } })],
  [
    "~/.aws/config endpoint_url",
    (url) => ({ files: { ".aws/config": `[default]\nendpoint_url = ${url}\n` }, env: {} }),
  ],
  [
    "~/.aws/config services sts",
    (url) => ({
      files: {
        ".aws/config": `[default]\nservices = p\n\n[services p]\nsts =\n  endpoint_url = ${url}\n`,
      },
      env: {},
    }),
  ],
  [
    "AWS_CONFIG_FILE",
    (url, home) => ({
      files: { planted: `[default]\nendpoint_url = ${url}\n` },
      env: { AWS_CONFIG_FILE: join(home, "planted") },
    }),
  ],
  [
    "AWS_PROFILE",
    (url) => ({
      files: { ".aws/config": `[profile p]\nendpoint_url = ${url}\n` },
      env: { AWS_PROFILE: "p" },
    }),
  ],
  // A profile whose role the SDK's own STS client assumes: by web identity, or from another profile's keys.
  [
    "a web identity profile's services section",
    (url, home) => ({
      files: {
        ".aws/config": `[profile wi]\nweb_identity_token_file = ${join(home, "token.jwt")}\nrole_arn = ${ROLE_ARN}\nservices = s\n\n[services s]\nsts =\n  endpoint_url = ${url}\n`,
      },
      env: { AWS_PROFILE: "wi" },
    }),
  ],
  [
    "a source_profile role profile's services section",
    (url) => ({
      files: {
        ".aws/config": `[profile ar]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nservices = s\n\n[services s]\nsts =\n  endpoint_url = ${url}\n`,
        ".aws/credentials":
          "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\naws_session_token = BASE-SESSION-canary\n",
      },
      env: { AWS_PROFILE: "ar" },
    }),
  ],
];

/**
 * Runs `use` with this process's environment set to `env` (the SDK's default
 * chain reads process.env and HOME: that is what is attacked) and the scope
 * Strongbox derives from it for `production`.
 */
async function withProcessEnv(
  env: Env,
  prefix: string | undefined,
  use: (scoped: Scoped) => Promise<unknown>,
  aws: Record<string, string> = { region: REGION, endpoint: SERVICE },
): Promise<string> {
  const config = {
    variables: {},
    aws,
    environments: { production: prefix === undefined ? {} : { credentialPrefix: prefix } },
  } as unknown as ConfigSpec;
  const scope = environmentScope(config, "production", env);
  const ctx = {
    baseDir: "/nonexistent",
    processEnv: scope.processEnv,
    config: (key: string) => scope.section(key),
    ...(scope.credentials === undefined ? {} : { credentials: scope.credentials }),
  } as unknown as ReadContext;
  return swapProcessEnv(env, async () => {
    try {
      await use({ env: scope.processEnv as Env, ctx });
      return "answered";
    } catch (error) {
      return `${(error as { code?: string }).code ?? ""} ${(error as Error).message}`;
    }
  });
}

describe("every AWS client's credentials come from the one resolver over the environment given", () => {
  let planted: Listener;
  let given: Listener;
  let plantedUrls: string[];

  before(async () => {
    planted = await recordOn(createServer(), "::");
    given = await recordOn(createServer(), "127.0.0.1");
    const outside = outsideAddress();
    plantedUrls = [
      ...(outside === undefined ? [] : [`http://${outside}:${planted.port}`]),
      `http://[::ffff:127.0.0.1]:${planted.port}`,
      `http://u:p@127.0.0.1:${planted.port}`,
    ];
  });
  after(() => {
    for (const listener of [planted, given]) listener?.server.close();
  });

  /** A fresh HOME with the token file and the plant's files; the process's variables for one case. */
  function caseEnv(prefix: string | undefined, plant: (home: string) => { files: Env; env: Env }) {
    const home = tempProject({ "token.jwt": TOKEN });
    const { files, env } = plant(home);
    homeWith(files, home);
    const p = prefix ?? "";
    const own = {
      [`${p}AWS_WEB_IDENTITY_TOKEN_FILE`]: join(home, "token.jwt"),
      [`${p}AWS_ROLE_ARN`]: ROLE_ARN,
      [`${p}AWS_REGION`]: REGION,
      [`${p}AWS_ENDPOINT_URL_KMS`]: SERVICE,
    };
    // Prefixed: the plain token file and role are there too, for the SDK (or a careless scope) to take.
    const plain =
      prefix === undefined
        ? {}
        : { AWS_WEB_IDENTITY_TOKEN_FILE: join(home, "token.jwt"), AWS_ROLE_ARN: ROLE_ARN };
    return { PATH: process.env.PATH, HOME: home, ...plain, ...own, ...env };
  }

  for (const prefix of [undefined, "PRODUCTION_"])
    it(`${prefix === undefined ? "plain" : "prefixed"} environment: no planted STS endpoint is sent anything, by any client`, async () => {
      let cases = 0;
      for (const [kind, use] of KINDS)
        for (const [where, plant] of PLANTS)
          for (const url of plantedUrls) {
            const outcome = await withProcessEnv(
              caseEnv(prefix, (home) => plant(url, home)),
              prefix,
              use,
            );
            assert.deepEqual(planted.seen, [], `${kind}, ${where} = ${url}: ${outcome}`);
            assert.ok(!outcome.includes(TOKEN), "the token is never in a message");
            cases++;
          }
      assert.ok(cases >= KINDS.length * PLANTS.length * 2, `${cases} cases`);
    });

  it("the STS endpoint the environment names does receive the exchange (prefixed: its own variable)", async () => {
    for (const prefix of [undefined, "PRODUCTION_"])
      for (const [kind, use] of KINDS.slice(0, 2)) {
        given.seen.length = 0;
        const endpoint = {
          [`${prefix ?? ""}AWS_ENDPOINT_URL_STS`]: `http://127.0.0.1:${given.port}`,
        };
        const outcome = await withProcessEnv(
          caseEnv(prefix, () => ({ files: {}, env: endpoint })),
          prefix,
          use,
        );
        assert.equal(given.seen.length > 0, true, `${kind} ${prefix}: ${outcome}`);
        assert.match(given.seen[0] ?? "", /AssumeRoleWithWebIdentity/);
      }
  });

  it("a prefixed environment's providers never take a service endpoint from the process's plain variables or files", async () => {
    const url = `http://127.0.0.1:${planted.port}`;
    const plants: Array<[string, Env, Env]> = [
      ...["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL"].map(
        (name): [string, Env, Env] => [name, { [name]: url }, {}],
      ),
      ["~/.aws/config endpoint_url", {}, { ".aws/config": `[default]\nendpoint_url = ${url}\n` }],
    ];
    for (const [kind, use] of KINDS.slice(0, 2))
      for (const [where, env, files] of plants) {
        const home = homeWith(files);
        const outcome = await withProcessEnv(
          {
            PATH: process.env.PATH,
            HOME: home,
            PRODUCTION_AWS_ACCESS_KEY_ID: "AKIAPRODUCTION",
            PRODUCTION_AWS_SECRET_ACCESS_KEY: "production-secret",
            PRODUCTION_AWS_REGION: REGION,
            ...env,
          },
          "PRODUCTION_",
          use,
          {},
        );
        assert.deepEqual(planted.seen, [], `${kind}, ${where}: ${outcome}`);
      }
  });

  it("no environment's providers take a service endpoint the SDK finds in ~/.aws/config (it would pass no transport rule)", async () => {
    const url = `http://127.0.0.1:${planted.port}`;
    const files: Array<[string, Env]> = [
      ["endpoint_url", { ".aws/config": `[default]\nendpoint_url = ${url}\n` }],
      [
        "services section",
        {
          ".aws/config": `[default]\nservices = p\n\n[services p]\nsecrets_manager =\n  endpoint_url = ${url}\nssm =\n  endpoint_url = ${url}\n`,
        },
      ],
      ["AWS_PROFILE", { ".aws/config": `[profile p]\nendpoint_url = ${url}\n` }],
    ];
    for (const prefix of ["", "PRODUCTION_"])
      for (const [kind, use] of KINDS.slice(0, 2))
        for (const [where, planted_] of files) {
          const outcome = await withProcessEnv(
            {
              PATH: process.env.PATH,
              HOME: homeWith(planted_),
              ...(where === "AWS_PROFILE" ? { AWS_PROFILE: "p" } : {}),
              [`${prefix}AWS_ACCESS_KEY_ID`]: "AKIAEXAMPLE",
              [`${prefix}AWS_SECRET_ACCESS_KEY`]: "example-secret",
              [`${prefix}AWS_REGION`]: REGION,
            },
            prefix === "" ? undefined : prefix,
            use,
            {},
          );
          assert.deepEqual(planted.seen, [], `${prefix || "plain"}, ${kind}, ${where}: ${outcome}`);
        }
  });

  it("a prefixed environment's clients never sign for the process's plain region (variables or ~/.aws/config)", async () => {
    const signed: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      signed.push(String(req.headers.authorization ?? ""));
      res.writeHead(400, { "content-type": "text/xml" }).end("<Error><Code>Nope</Code></Error>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const own = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const plants: Array<[string, Env, Env]> = [
      ["AWS_REGION", { AWS_REGION: "eu-west-3" }, {}],
      ["AWS_DEFAULT_REGION", { AWS_DEFAULT_REGION: "eu-west-3" }, {}],
      ["~/.aws/config region", {}, { ".aws/config": "[default]\nregion = eu-west-3\n" }],
      ["AWS_PROFILE", { AWS_PROFILE: "p" }, { ".aws/config": "[profile p]\nregion = eu-west-3\n" }],
    ];
    try {
      for (const [kind, use] of KINDS.slice(0, 2))
        for (const [where, env, files] of plants) {
          signed.length = 0;
          const home = homeWith(files);
          const outcome = await withProcessEnv(
            {
              PATH: process.env.PATH,
              HOME: home,
              PRODUCTION_AWS_ACCESS_KEY_ID: "AKIAPRODUCTION",
              PRODUCTION_AWS_SECRET_ACCESS_KEY: "production-secret",
              PRODUCTION_AWS_ENDPOINT_URL: own,
              ...env,
            },
            "PRODUCTION_",
            use,
            { allowInsecure: "true" },
          );
          assert.ok(signed.length > 0, `${kind}, ${where}: reached its own endpoint (${outcome})`);
          for (const header of signed)
            assert.doesNotMatch(header, /eu-west-3/, `${kind}, ${where}: ${header}`);
        }
    } finally {
      server.close();
    }
  });

  it("with TLS checks off, web identity is refused before anything is sent", async () => {
    const env = {
      ...caseEnv(undefined, () => ({ files: {}, env: {} })),
      NODE_TLS_REJECT_UNAUTHORIZED: "0",
    };
    const [kind, use] = KINDS[0] ?? ["", async () => {}];
    const outcome = await withProcessEnv(env, undefined, use);
    assert.match(outcome, /NODE_TLS_REJECT_UNAUTHORIZED|not sent/, kind);
  });
});
