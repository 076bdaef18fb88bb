// Red team (issue 28 pass): the GitHub runner's OIDC request token went out over
// https with certificate checks off when NODE_TLS_REJECT_UNAUTHORIZED=0, which
// Vault's own connection ignores. The rule (src/security/transport.ts,
// processSkipsTlsChecks): no request that carries a credential is sent through
// Node's defaults while that switch is off. Each such request is tried here
// against an untrusted https server that must see nothing.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { runCli, tempProject } from "../helpers/cli.js";

const REQUEST_TOKEN = "reqtok-canary-5e1f0c9a7b";
const API_KEY = "sk-canary-api-key-8d2e4f";

describe("no credential is sent while NODE_TLS_REJECT_UNAUTHORIZED=0 (red team, issue 28)", () => {
  let server: Server;
  let origin: string;
  let raw: TlsServer;
  let rawPort: number;
  const seen: string[] = [];
  before(async () => {
    const dir = tempProject();
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"],
        ...["-keyout", key, "-out", cert, "-subj", "/CN=untrusted"],
        ...["-addext", "subjectAltName=IP:127.0.0.1"],
      ],
      { stdio: "ignore" },
    );
    server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ""}`);
      res.writeHead(200, { "content-type": "application/json" }).end('{"value":"x"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Redis and SMTP over TLS: a greeting and AUTH PLAIN offered, any credential byte recorded.
    raw = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => {
      socket.on("error", () => {});
      socket.write("220 smtp ready\r\n");
      socket.on("data", (chunk: Buffer) => {
        const text = chunk.toString("latin1");
        if (text.includes("redis-canary") || text.startsWith("AUTH")) seen.push(`raw ${text}`);
        if (/^EHLO/i.test(text)) socket.write("250-hi\r\n250 AUTH PLAIN\r\n");
        else socket.write("+OK\r\n");
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    rawPort = (raw.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    raw.close();
  });

  const requests: Array<{
    what: string;
    files: () => Record<string, string>;
    args: string[];
    env: () => Record<string, string>;
  }> = [
    {
      what: "the GitHub runner's OIDC token request (JWT login)",
      files: () => ({
        "strongbox.config.yaml":
          "vault: { allowInsecure: true }\nenvironments:\n  production: {}\nvariables:\n  DB: { secret: true, ref: 'vault://secret/app#DB' }\n",
      }),
      args: ["run", "--env", "production", "--", "true"],
      env: () => ({
        VAULT_ADDR: "http://127.0.0.1:9",
        VAULT_JWT_ROLE: "ci",
        ACTIONS_ID_TOKEN_REQUEST_URL: `${origin}/token?x=1`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
      }),
    },
    {
      what: "a smoke test's API key over https",
      files: () => ({
        "strongbox.config.yaml": `variables:\n  AI_API_KEY:\n    secret: true\n    smoke: { https: { url: "${origin}/v1/models", header: "Authorization: Bearer {value}" } }\n`,
        ".env": `AI_API_KEY=${API_KEY}\n`,
      }),
      args: ["smoke"],
      env: () => ({}),
    },
    {
      what: "an Azure client secret (Key Vault provider)",
      files: () => ({
        "strongbox.config.yaml": `azure: { vaults: { shop: "${origin}" } }\nvariables:\n  DB: { secret: true, ref: 'azure-kv://shop/db' }\n`,
      }),
      args: ["run", "--", "true"],
      env: () => ({
        AZURE_TENANT_ID: "11111111-2222-3333-4444-555555555555",
        AZURE_CLIENT_ID: "client",
        AZURE_CLIENT_SECRET: API_KEY,
        AZURE_AUTHORITY_HOST: origin,
      }),
    },
    {
      what: "AWS keys and a session token (an aws-ssm ref)",
      files: () => ({
        "strongbox.config.yaml": "variables:\n  DB: { secret: true, ref: 'aws-ssm:///app/db' }\n",
      }),
      args: ["run", "--", "true"],
      env: () => ({
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "AKIAEXPLICIT",
        AWS_SECRET_ACCESS_KEY: "explicit-secret",
        AWS_SESSION_TOKEN: API_KEY,
        AWS_ENDPOINT_URL_SSM: origin,
      }),
    },
    {
      what: "the AWS SDK chain's container credentials token (a profile's credential_source)",
      files: () => ({
        "strongbox.config.yaml": "variables:\n  DB: { secret: true, ref: 'aws-ssm:///app/db' }\n",
        ".aws/config":
          "[profile ecs]\ncredential_source = EcsContainer\nrole_arn = arn:aws:iam::123456789012:role/r\nregion = us-east-1\n",
      }),
      args: ["run", "--", "true"],
      env: () => ({
        AWS_PROFILE: "ecs",
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:9",
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${origin}/creds`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: API_KEY,
      }),
    },
    {
      what: "Azure managed identity's header (the SDK's default chain)",
      files: () => ({
        "strongbox.config.yaml": `azure: { vaults: { shop: "${origin}" } }\nvariables:\n  DB: { secret: true, ref: 'azure-kv://shop/db' }\n`,
      }),
      args: ["run", "--", "true"],
      env: () => ({
        IDENTITY_ENDPOINT: `${origin}/msi/token`,
        IDENTITY_HEADER: API_KEY,
      }),
    },
    ...(
      [
        [
          "a smoke check of a secret https URL",
          "API_URL",
          () => `${origin}/ping?api_key=${API_KEY}`,
        ],
        [
          "a smoke check of a rediss:// password",
          "REDIS_URL",
          () => `rediss://:redis-canary-1@127.0.0.1:${rawPort}`,
        ],
        [
          "a smoke check of an smtps:// password",
          "SMTP_URL",
          () => `smtps://user:smtp-canary-1@127.0.0.1:${rawPort}`,
        ],
      ] as const
    ).map(([what, name, url]) => ({
      what,
      files: () => ({
        "strongbox.config.yaml": `variables:\n  ${name}: { secret: true, smoke: true }\n`,
        ".env": `${name}=${url()}\n`,
      }),
      args: ["smoke"],
      env: () => ({}),
    })),
  ];
  for (const request of requests)
    it(`${request.what}: refused, the server sees nothing`, async () => {
      const dir = tempProject(request.files());
      const control = await runCli(request.args, { cwd: dir, env: request.env() });
      assert.notEqual(control.code, 0, "an untrusted certificate must fail without the switch");
      seen.length = 0;
      const result = await runCli(request.args, {
        cwd: dir,
        env: { ...request.env(), NODE_TLS_REJECT_UNAUTHORIZED: "0" },
      });
      assert.notEqual(result.code, 0, result.stdout);
      assert.match(`${result.stdout}${result.stderr}`, /NODE_TLS_REJECT_UNAUTHORIZED=0/);
      assert.deepEqual(
        seen,
        [],
        "the credential reached a server whose certificate was not checked",
      );
    });
});
