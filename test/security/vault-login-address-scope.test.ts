// Red team on issue 28, round 2, finding 2: prefixed AWS credentials logged in
// to Vault at the plain, ambient VAULT_ADDR. Invariant: a Vault login's
// credentials and the address they are sent to come from the same scope; once
// an environment's own credentials are in force, the address is its prefixed
// VAULT_ADDR or the config's, never a plain variable (loginAddress in
// src/vault/client-env.ts). Generated over every login method × every variable
// it reads (both spellings), with a recording listener as the plain VAULT_ADDR.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { vaultClientFor } from "../../src/project/vault-client.js";
import "../../src/providers/registry.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { tempProject } from "../helpers/cli.js";
import { type Listening, listenLoopback } from "../helpers/loopback.js";

const PREFIX = "PRODUCTION_";
const JWT = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"repo:acme/shop"}').toString("base64url")}.sig`;

/** A listener that records every request and answers like a Vault (or a runner) would. */
async function recorder(): Promise<Listening & { readonly seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    request.resume();
    request.on("end", () => {
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          value: JWT,
          auth: { client_token: "s.recorded", accessor: "a", metadata: {} },
          data: {},
        }),
      );
    });
  });
  return Object.assign(await listenLoopback(server), { seen });
}

/** Every method's variables, as a user sets them (the `VAULT_` ones also as `BAO_`). */
function methods(dir: string, runner: string): Record<string, Record<string, string>> {
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  return {
    token: { VAULT_TOKEN: "hvs.production-token" },
    "token (file)": { VAULT_TOKEN_FILE: file("token", "hvs.from-file\n") },
    approle: { VAULT_ROLE_ID: "role-id", VAULT_SECRET_ID: "secret-id" },
    userpass: { VAULT_USERNAME: "alice", VAULT_PASSWORD: "pw-production" },
    jwt: { VAULT_JWT: JWT, VAULT_JWT_ROLE: "shop" },
    "jwt (file)": { VAULT_JWT_FILE: file("jwt", JWT), VAULT_JWT_ROLE: "shop" },
    "github-oidc": {
      VAULT_JWT_ROLE: "shop",
      ACTIONS_ID_TOKEN_REQUEST_URL: `${runner}/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-request-token",
    },
    kubernetes: { VAULT_K8S_ROLE: "shop", VAULT_K8S_JWT_FILE: file("sa", JWT) },
    cert: {
      VAULT_CLIENT_CERT: file("client.pem", "not read over http"),
      VAULT_CLIENT_KEY: file("client-key.pem", "not read over http"),
    },
    aws: {
      VAULT_AWS_ROLE: "shop",
      AWS_ACCESS_KEY_ID: "AKIAPRODUCTIONKEY01",
      AWS_SECRET_ACCESS_KEY: "production-aws-secret",
      AWS_SESSION_TOKEN: "production-session",
    },
  };
}

/** `VAULT_X` and `BAO_X` for a Vault variable; others as they are. */
function spellings(name: string): string[] {
  return name.startsWith("VAULT_") ? [name, `BAO_${name.slice("VAULT_".length)}`] : [name];
}

/** The ways an environment's own credentials come to be in force while its login's variables are plain or prefixed. */
function variants(vars: Record<string, string>): Array<[string, Record<string, string>]> {
  const prefixed = (entries: Record<string, string>) =>
    Object.fromEntries(Object.entries(entries).map(([name, value]) => [`${PREFIX}${name}`, value]));
  const out: Array<[string, Record<string, string>]> = [
    ["every variable prefixed", { ...vars, ...prefixed(vars) }],
    // Another provider's own credential puts the environment's own credentials in force.
    [
      "only another provider's credential prefixed",
      { ...vars, [`${PREFIX}AZURE_CLIENT_SECRET`]: "x" },
    ],
  ];
  for (const [name, value] of Object.entries(vars))
    for (const spelled of spellings(name)) {
      const rest = Object.fromEntries(Object.entries(vars).filter(([other]) => other !== name));
      out.push([`${spelled} prefixed`, { ...rest, [`${PREFIX}${spelled}`]: value }]);
      out.push([
        `${spelled} prefixed, the rest both`,
        { ...rest, ...prefixed(rest), [`${PREFIX}${spelled}`]: value },
      ]);
    }
  return out;
}

function config(method: string, address?: string): ConfigSpec {
  const auth = { method: method.replace(/ \(.*\)$/, "").replace("github-oidc", "jwt") };
  return {
    variables: {},
    vault: { auth },
    environments: {
      production: { credentialPrefix: PREFIX, ...(address ? { vault: { address } } : {}) },
    },
  } as unknown as ConfigSpec;
}

/** Builds the production client and logs in, then reads once; whatever fails is the point. */
async function attempt(cfg: ConfigSpec, env: Record<string, string>): Promise<string> {
  try {
    const client = vaultClientFor(cfg, "production", env);
    try {
      await client.call({ method: "GET", path: "auth/token/lookup-self" });
    } finally {
      await client.close().catch(() => {});
    }
    return "sent";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe("a Vault login's credentials never go to the ambient VAULT_ADDR (every method × variable)", () => {
  let ambient: Awaited<ReturnType<typeof recorder>>;
  let own: Awaited<ReturnType<typeof recorder>>;
  let runner: Awaited<ReturnType<typeof recorder>>;
  let table: Record<string, Record<string, string>>;
  before(async () => {
    [ambient, own, runner] = await Promise.all([recorder(), recorder(), recorder()]);
    table = methods(tempProject(), runner.addr);
  });
  after(async () => {
    await Promise.all([ambient.close(), own.close(), runner.close()]);
  });

  it("the plain VAULT_ADDR listener receives nothing, with or without a config address", async () => {
    let cases = 0;
    for (const [method, vars] of Object.entries(table))
      for (const [how, env] of variants(vars))
        for (const address of [undefined, own.addr]) {
          const outcome = await attempt(config(method, address), {
            PATH: "/usr/bin",
            HOME: "/nonexistent",
            VAULT_ADDR: ambient.addr,
            BAO_ADDR: ambient.addr,
            ...env,
          });
          assert.deepEqual(
            ambient.seen,
            [],
            `${method}, ${how}, config address ${address}: ${outcome}`,
          );
          cases++;
        }
    assert.ok(cases > 100, `${cases} cases`);
  });

  it("the environment's own address (prefixed variable or its config) does receive the login", async () => {
    for (const [method, vars] of Object.entries(table)) {
      const prefixed = Object.fromEntries(
        Object.entries(vars).map(([name, value]) => [`${PREFIX}${name}`, value]),
      );
      const base = {
        PATH: "/usr/bin",
        HOME: "/nonexistent",
        VAULT_ADDR: ambient.addr,
        ...prefixed,
      };
      for (const [how, cfg, env] of [
        ["PRODUCTION_VAULT_ADDR", config(method), { ...base, [`${PREFIX}VAULT_ADDR`]: own.addr }],
        ["environments.production.vault.address", config(method, own.addr), base],
      ] as const) {
        own.seen.length = 0;
        const outcome = await attempt(cfg, env);
        assert.equal(outcome, "sent", `${method} via ${how}`);
        assert.ok(own.seen.length > 0, `${method} via ${how}`);
      }
    }
    assert.deepEqual(ambient.seen, []);
  });

  it("refuses, naming both, when only the ambient address is available", async () => {
    // The AWS keys prefixed, the Vault group plain: the red team's case.
    const env: Record<string, string> = { PATH: "/usr/bin", VAULT_ADDR: ambient.addr };
    for (const [name, value] of Object.entries(table.aws ?? {}))
      env[name.startsWith("AWS_") ? `${PREFIX}${name}` : name] = value;
    assert.throws(
      () => vaultClientFor(config("aws"), "production", env),
      (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, "E_CONFIG");
        assert.match(error.message, /VAULT_ADDR/);
        assert.match(error.hint ?? "", /PRODUCTION_VAULT_ADDR.*environments\.NAME\.vault\.address/);
        return true;
      },
    );
  });
});
