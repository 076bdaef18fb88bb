// Issue 26 red team (rt3b, item 2): `smoke: { s3: … }` without keys, or with keys that
// resolve to "", signed the bucket check with the operator's own AWS credentials (the
// SDK's default chain) and sent them to whatever endpoint the schema named. The check now
// signs only with the two variables it names, both non-empty, or fails. Generated: every
// way of naming or not naming the two keys × values, against a logging listener, with the
// operator's credentials planted as canaries in the environment and in ~/.aws.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Journey } from "../helpers/journey.js";

const OPERATOR = {
  AWS_ACCESS_KEY_ID: "AKIAOPERATORENVCANARY",
  AWS_SECRET_ACCESS_KEY: "operator-env-secret-canary-91d0",
  AWS_SESSION_TOKEN: "operator-env-session-canary-5a2c",
};
const HOME_KEY = "AKIAOPERATORHOMECANARY";
const HOME_SECRET = "operator-home-secret-canary-7e44";
const PROFILE_KEY = "AKIAOPERATORPROFILECANARY";
const NAMED_KEY = "AKIASCHEMANAMEDKEY01";
const NAMED_SECRET = "schema-named-secret-canary-3b9f";
const CANARIES = [...Object.values(OPERATOR), HOME_KEY, HOME_SECRET, PROFILE_KEY];

/** How the schema names the two keys, and what the .env gives them. */
const NAMINGS = [
  { name: "no keys named", keys: "", env: "" },
  {
    name: "only accessKey named",
    keys: ", accessKey: S3_ACCESS_KEY",
    env: `S3_ACCESS_KEY=${NAMED_KEY}\n`,
  },
  {
    name: "only secretKey named",
    keys: ", secretKey: S3_SECRET_KEY",
    env: `S3_SECRET_KEY=${NAMED_SECRET}\n`,
  },
  {
    name: "both named, both empty",
    keys: ", accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY",
    env: "S3_ACCESS_KEY=\nS3_SECRET_KEY=\n",
  },
  {
    name: "both named, secret empty",
    keys: ", accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY",
    env: `S3_ACCESS_KEY=${NAMED_KEY}\nS3_SECRET_KEY=\n`,
  },
  {
    name: "both named, neither set",
    keys: ", accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY",
    env: "",
  },
  {
    name: "both named and set",
    keys: ", accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY",
    env: `S3_ACCESS_KEY=${NAMED_KEY}\nS3_SECRET_KEY=${NAMED_SECRET}\n`,
  },
];

/** A plain-http stand-in for S3 that records every request (method, path, headers) and denies it. */
interface LoggingListener {
  readonly origin: string;
  readonly seen: string[];
  close(): void;
}

async function startLoggingListener(): Promise<LoggingListener> {
  const seen: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    seen.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)}`);
    res.writeHead(403).end("<Error><Code>AccessDenied</Code></Error>");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, seen, close: () => server.close() };
}

describe("journey: the bucket check never signs with the operator's AWS credentials", () => {
  let listener: LoggingListener;
  let origin = "";
  let seen: string[] = [];
  before(async () => {
    listener = await startLoggingListener();
    ({ origin, seen } = listener);
  });
  after(() => listener.close());

  it("each way of naming the keys: only the named pair signs, or no request is made", async () => {
    for (const naming of NAMINGS) {
      const j = new Journey(`smoke s3: ${naming.name}`, {
        files: {
          "strongbox.config.yaml": `variables:
  S3_BUCKET: { smoke: { critical: true, s3: { endpoint: S3_ENDPOINT${naming.keys} } } }
  S3_ENDPOINT: { type: url }
  S3_ACCESS_KEY: { required: false }
  S3_SECRET_KEY: { secret: true, required: false }
`,
          ".env": `S3_BUCKET=uploads\nS3_ENDPOINT=${origin}\n${naming.env}`,
        },
        env: { ...OPERATOR, AWS_REGION: "us-east-1" },
      }).canary(...CANARIES, NAMED_SECRET);
      // The operator's shared files, in the HOME every step runs with.
      mkdirSync(join(j.dir, ".aws"), { recursive: true });
      writeFileSync(
        join(j.dir, ".aws/credentials"),
        `[default]\naws_access_key_id = ${HOME_KEY}\naws_secret_access_key = ${HOME_SECRET}\n[ops]\naws_access_key_id = ${PROFILE_KEY}\naws_secret_access_key = ${HOME_SECRET}\n`,
      );
      const before = seen.length;
      const both = naming.name === "both named and set";
      const ran = await j.step(["smoke"], { code: 4 });
      const requests = seen.slice(before);
      for (const request of requests)
        for (const canary of CANARIES)
          assert.ok(!request.includes(canary), `${naming.name}: a request carried ${canary}`);
      if (both)
        assert.ok(
          requests.some((r) => r.includes(`Credential=${NAMED_KEY}`)),
          "the named key signs",
        );
      else {
        assert.deepEqual(requests, [], `${naming.name}: no request without the named pair`);
        assert.match(ran.stdout, /no S3 credentials/);
      }
      // The same with AWS_PROFILE naming the operator's profile.
      await j.step(["smoke"], { code: 4, env: { AWS_PROFILE: "ops" } });
      for (const request of seen.slice(before))
        assert.ok(!CANARIES.some((canary) => request.includes(canary)), naming.name);
    }
  });
});

// Issue 26 red team (rt4a): the keys could still come from the operator's process
// environment while the endpoint came from the repository (a .env line, a schema
// default), with or without `smoke.s3`: the listener got the operator's key. The rule:
// keys from the process environment go only to an endpoint the process environment set.
// Generated: both shapes × where each key comes from × where the endpoint comes from.
const PROJECT_KEY = "AKIAPROJECTDOTENVKEY";
const PROJECT_SECRET = "project-dotenv-secret-canary-c4e1";
type KeysFrom = "process env" | "dotenv" | "mixed" | "undeclared";
type EndpointFrom = "dotenv" | "default" | "process env";
interface Case {
  readonly shape: "aws variables" | "smoke.s3";
  readonly keys: KeysFrom;
  readonly endpoint: EndpointFrom;
  readonly endpointVar: "AWS_ENDPOINT_URL_S3" | "AWS_ENDPOINT_URL";
}

function cases(): Case[] {
  const all: Case[] = [];
  for (const keys of ["process env", "dotenv", "mixed", "undeclared"] as const)
    for (const endpoint of ["dotenv", "default", "process env"] as const) {
      for (const endpointVar of ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] as const)
        all.push({ shape: "aws variables", keys, endpoint, endpointVar });
      // smoke.s3 names only declared variables.
      if (keys !== "undeclared")
        all.push({ shape: "smoke.s3", keys, endpoint, endpointVar: "AWS_ENDPOINT_URL_S3" });
    }
  return all;
}

/** The project's files and the operator's environment for one case. */
function setup(c: Case, origin: string) {
  const smoke =
    c.shape === "smoke.s3"
      ? "{ critical: true, s3: { endpoint: AWS_ENDPOINT_URL_S3, accessKey: AWS_ACCESS_KEY_ID, secretKey: AWS_SECRET_ACCESS_KEY } }"
      : "critical";
  const endpointDecl = (name: string) =>
    `  ${name}: { type: url, required: false${c.endpoint === "default" && name === c.endpointVar ? `, default: "${origin}"` : ""} }\n`;
  const keyDecls =
    c.keys === "undeclared"
      ? ""
      : "  AWS_ACCESS_KEY_ID: { required: false }\n  AWS_SECRET_ACCESS_KEY: { secret: true, required: false }\n";
  const dotenv = [
    "UPLOADS_BUCKET=uploads",
    ...(c.endpoint === "dotenv" ? [`${c.endpointVar}=${origin}`] : []),
    ...(c.keys === "dotenv" ? [`AWS_ACCESS_KEY_ID=${PROJECT_KEY}`] : []),
    ...(c.keys === "dotenv" || c.keys === "mixed"
      ? [`AWS_SECRET_ACCESS_KEY=${PROJECT_SECRET}`]
      : []),
  ];
  const env: Record<string, string> = {
    AWS_REGION: "us-east-1",
    AWS_SESSION_TOKEN: OPERATOR.AWS_SESSION_TOKEN,
    ...(c.keys === "dotenv" ? {} : { AWS_ACCESS_KEY_ID: OPERATOR.AWS_ACCESS_KEY_ID }),
    ...(c.keys === "process env" || c.keys === "undeclared"
      ? { AWS_SECRET_ACCESS_KEY: OPERATOR.AWS_SECRET_ACCESS_KEY }
      : {}),
    ...(c.endpoint === "process env" ? { [c.endpointVar]: origin } : {}),
  };
  const files = {
    "strongbox.config.yaml": `variables:\n  UPLOADS_BUCKET: { smoke: ${smoke} }\n${endpointDecl("AWS_ENDPOINT_URL_S3")}${endpointDecl("AWS_ENDPOINT_URL")}${keyDecls}`,
    ".env": `${dotenv.join("\n")}\n`,
  };
  return { files, env };
}

describe("journey: operator keys never go to an endpoint the repository chose", () => {
  let listener: LoggingListener;
  let origin = "";
  let seen: string[] = [];
  before(async () => {
    listener = await startLoggingListener();
    ({ origin, seen } = listener);
  });
  after(() => listener.close());

  it("each shape × key origin × endpoint origin: same origin signs, else no request", async () => {
    const all = cases();
    assert.equal(all.length, 33);
    for (const c of all) {
      const label = `${c.shape}, keys from ${c.keys}, ${c.endpointVar} from ${c.endpoint}`;
      const { files, env } = setup(c, origin);
      const j = new Journey(`smoke s3 origins: ${label}`, { files, env }).canary(
        OPERATOR.AWS_SECRET_ACCESS_KEY,
        OPERATOR.AWS_SESSION_TOKEN,
        PROJECT_SECRET,
      );
      const operatorKeys = c.keys !== "dotenv";
      const operatorEndpoint = c.endpoint === "process env";
      const before = seen.length;
      const ran = await j.step(["smoke"], { code: 4 });
      const requests = seen.slice(before);
      for (const request of requests)
        assert.ok(!request.includes(OPERATOR.AWS_SESSION_TOKEN), `${label}: session token sent`);
      if (operatorKeys && !operatorEndpoint) {
        assert.deepEqual(
          requests,
          [],
          `${label}: the operator's keys went to the project's endpoint`,
        );
        assert.match(ran.stdout, /keys come from the process environment but the endpoint/);
      } else {
        // Same origin: the operator's keys to the operator's own endpoint, or the project's keys.
        const signer = operatorKeys ? OPERATOR.AWS_ACCESS_KEY_ID : PROJECT_KEY;
        assert.ok(
          requests.some((r) => r.includes(`Credential=${signer}/`)),
          `${label}: expected a request signed by ${signer}`,
        );
        if (!operatorKeys)
          assert.ok(!requests.some((r) => r.includes(OPERATOR.AWS_ACCESS_KEY_ID)), label);
      }
    }
  });

  // Red team, fifth pass: the project chooses which variable a value is read from, so
  // neither a value's variable name nor its recorded source says whose it is.
  it("the project cannot launder the operator's keys or its own endpoint through names (aliases, env://, ${VAR})", async () => {
    const ALT_KEY = "AKIAOPERATORALTKEY01";
    const ALT_SECRET = "operator-alt-secret-canary-0d17";
    const mapped = (extra: string) =>
      [
        "variables:",
        "  S3_ENDPOINT: { type: url, required: false }",
        extra,
        "  UPLOADS_BUCKET: { smoke: { critical: true, s3: { endpoint: S3_ENDPOINT, accessKey: S3_KEY, secretKey: S3_SECRET } } }",
        "",
      ].join("\n");
    const variants = [
      {
        name: "an alias reads the endpoint from a variable npm run fills from the project's .npmrc",
        config: [
          "variables:",
          "  UPLOADS_BUCKET: { smoke: critical }",
          "  AWS_ENDPOINT_URL_S3: { type: url, required: false, aliases: [npm_config_s3_endpoint] }",
          "",
        ].join("\n"),
        dotenv: "UPLOADS_BUCKET=uploads\n",
        env: { ...OPERATOR, npm_config_s3_endpoint: origin },
      },
      {
        name: "env:// refs read the operator's keys under names of the project's choosing",
        config: mapped(
          '  S3_KEY: { required: false, ref: "env://OPS_S3_KEY" }\n  S3_SECRET: { secret: true, required: false, ref: "env://OPS_S3_SECRET" }',
        ),
        dotenv: `S3_ENDPOINT=${origin}\n`,
        // (AWS_ACCESS_KEY/AWS_SECRET_KEY are credentials by name: env:// refuses them outright)
        env: { OPS_S3_KEY: ALT_KEY, OPS_S3_SECRET: ALT_SECRET },
      },
      {
        name: "${VAR} in .env expands the operator's keys",
        config: mapped(
          "  S3_KEY: { required: false }\n  S3_SECRET: { secret: true, required: false }",
        ),
        dotenv: `S3_ENDPOINT=${origin}\nS3_KEY=\${MINIO_ACCESS_KEY}\nS3_SECRET=\${MINIO_SECRET_KEY}\n`,
        env: { MINIO_ACCESS_KEY: ALT_KEY, MINIO_SECRET_KEY: ALT_SECRET },
      },
    ];
    for (const variant of variants) {
      const j = new Journey(`smoke s3 laundering: ${variant.name}`, {
        files: { "strongbox.config.yaml": variant.config, ".env": variant.dotenv },
        env: { AWS_REGION: "us-east-1", ...variant.env },
      }).canary(ALT_SECRET, OPERATOR.AWS_SECRET_ACCESS_KEY);
      const before = seen.length;
      await j.step(["smoke"], { code: 4 });
      const requests = seen.slice(before);
      for (const canary of [ALT_KEY, OPERATOR.AWS_ACCESS_KEY_ID])
        assert.ok(!requests.some((r) => r.includes(canary)), `${variant.name}: ${canary} sent`);
    }
  });
});
