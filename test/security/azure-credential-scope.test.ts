// Red team on issue 28, round 2 (beside finding 1): Azure's
// DefaultAzureCredential reads this process's own variables, not the scoped
// environment Strongbox was given, so a prefixed environment could log in with
// (and send) the process's managed identity secret. Invariant (credentialFor in
// src/providers/azure/client.ts): credentials come from the environment given,
// passed explicitly; the SDK's ambient chain only when no environment's own
// credentials are in force. Generated over which variable makes the
// environment's own credentials be in force, with a recording listener as the
// process's managed identity endpoint.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { environmentScope } from "../../src/environments/scope.js";
import { credentialFor, loadAzureSdk } from "../../src/providers/azure/client.js";
import "../../src/providers/registry.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { tempProject } from "../helpers/cli.js";

const PREFIX = "PRODUCTION_";
const CANARY = "identity-header-canary-93f1";
const config = {
  variables: {},
  environments: { production: { credentialPrefix: PREFIX } },
} as unknown as ConfigSpec;

/** Runs `use` with this process's environment set to `env`: the SDK's chain reads process.env. */
async function withProcessEnv<T>(env: Record<string, string>, use: () => Promise<T>) {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, env);
  try {
    return await use();
  } finally {
    for (const name of Object.keys(process.env)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

describe("Azure credentials come from the environment given; the ambient chain never serves a prefixed one", () => {
  let identity: Server;
  let seen: string[];
  let endpoint: string;
  before(async () => {
    seen = [];
    identity = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => identity.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`;
  });
  after(() => identity.close());

  /** This process's own managed identity (App Service style), and a workload identity token file. */
  const processIdentity = () => {
    const home = tempProject({ "token.jwt": "eyJhbGciOiJub25lIn0.e30.x" });
    return {
      PATH: process.env.PATH ?? "/usr/bin",
      HOME: home,
      IDENTITY_ENDPOINT: endpoint,
      IDENTITY_HEADER: CANARY,
      AZURE_FEDERATED_TOKEN_FILE: join(home, "token.jwt"),
    };
  };

  async function tokenFor(env: Record<string, string>): Promise<string> {
    const sdk = await loadAzureSdk();
    return withProcessEnv(env, async () => {
      const scope = environmentScope(config, "production", env);
      try {
        const credential = credentialFor(sdk, scope.processEnv, {}, scope.credentials);
        await credential.getToken("https://vault.azure.net/.default");
        return "token";
      } catch (error) {
        return `${(error as { code?: string }).code ?? ""} ${(error as Error).message}`;
      }
    });
  }

  it("the environment's own credentials in force (by any variable): the process's managed identity is never asked", async () => {
    const owners = [
      "AZURE_CLIENT_ID",
      "AZURE_TENANT_ID",
      "AZURE_CLIENT_SECRET",
      "AZURE_FEDERATED_TOKEN_FILE",
      "IDENTITY_HEADER",
      "AWS_ACCESS_KEY_ID",
      "VAULT_TOKEN",
    ];
    for (const owner of owners) {
      const outcome = await tokenFor({ ...processIdentity(), [`${PREFIX}${owner}`]: "own-value" });
      assert.deepEqual(seen, [], `${PREFIX}${owner}: ${outcome}`);
      assert.ok(!outcome.includes(CANARY));
    }
  });

  it("ambient (no prefixed variable): the SDK's chain is used, and does reach the process's managed identity", async () => {
    seen.length = 0;
    await tokenFor(processIdentity());
    assert.ok(seen.length > 0, "the listener stands for what the chain would reach");
    seen.length = 0;
  });
});
