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
import { execFile, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { environmentScope } from "../../src/environments/scope.js";
import { credentialFor, loadAzureSdk } from "../../src/providers/azure/client.js";
import "../../src/providers/registry.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { type FakeKeyVault, startFakeKeyVault } from "../helpers/azure-kv.js";
import { tempProject } from "../helpers/cli.js";
import { withProcessEnv } from "../helpers/recording.js";

const run = promisify(execFile);
const PREFIX = "PRODUCTION_";
const CANARY = "identity-header-canary-93f1";
const config = {
  variables: {},
  environments: { production: { credentialPrefix: PREFIX } },
} as unknown as ConfigSpec;

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

// Red team round 3, findings 1 and 2: with no authority host of its own the SDK
// read this process's AZURE_AUTHORITY_HOST (a prefixed environment's secret
// went there), and a prefixed environment whose own credentials were in force
// for another provider used the process's plain AZURE_* service principal.
// Invariant (credentialFor): only the environment's own AZURE_* count once its
// credentials are in force (ownVariables), and the authority host is always
// passed explicitly (its own under the https rule, else Entra ID's public one).
describe("a prefixed environment's Azure credentials go only to its own authority host, and are only its own", () => {
  let fake: FakeKeyVault;
  let ambient: import("node:https").Server;
  let ambientUrl: string;
  // Entra ID's public cloud, reached through a CONNECT proxy (no network here):
  // it answers instance discovery for any authority, as the real one does, so
  // the SDK would go on to an authority host it was not given.
  let publicCloud: import("node:https").Server;
  let proxy: Server;
  let proxyUrl: string;
  let caFile: string;
  const got: string[] = [];
  const publicGot: string[] = [];
  before(async () => {
    fake = await startFakeKeyVault();
    const tls = { key: readFileSync(fake.keyFile), cert: readFileSync(fake.caFile) };
    ambient = createHttpsServer(tls, (req, res) => {
      req.resume();
      got.push(`${req.method} ${req.url}`);
      res.writeHead(400, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => ambient.listen(0, "127.0.0.1", resolve));
    ambientUrl = `https://127.0.0.1:${(ambient.address() as AddressInfo).port}`;
    const dir = tempProject();
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
        ...["-subj", "/CN=login.microsoftonline.com"],
        ...["-addext", "subjectAltName=DNS:login.microsoftonline.com"],
      ],
      { stdio: "ignore" },
    );
    caFile = join(dir, "cas.pem");
    writeFileSync(
      caFile,
      readFileSync(fake.caFile, "utf8") + readFileSync(join(dir, "cert.pem"), "utf8"),
    );
    publicCloud = createHttpsServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (req, res) => answerAsPublicCloud(req, res, publicGot),
    );
    await new Promise<void>((resolve) => publicCloud.listen(0, "127.0.0.1", resolve));
    const publicPort = (publicCloud.address() as AddressInfo).port;
    proxy = createServer().on("connect", (_req, socket, head) => {
      const upstream = connect(publicPort, "127.0.0.1", () => {
        socket.write("HTTP/1.1 200 OK\r\n\r\n");
        upstream.write(head);
        upstream.pipe(socket).on("error", () => {});
        socket.pipe(upstream).on("error", () => {});
      });
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    ambient.close();
    publicCloud.close();
    proxy.close();
    await fake.stop();
  });

  /**
   * The outcome of a token request in a child process whose environment (and
   * the one given) is `env`: the SDK reads its own process's variables, and
   * trusts the test's CAs only from NODE_EXTRA_CA_CERTS at start.
   */
  async function attempt(env: Record<string, string>): Promise<string> {
    const here = (path: string) => new URL(path, import.meta.url).href;
    const script = `
      import { environmentScope } from ${JSON.stringify(here("../../src/environments/scope.js"))};
      import { credentialFor, loadAzureSdk } from ${JSON.stringify(here("../../src/providers/azure/client.js"))};
      await import(${JSON.stringify(here("../../src/providers/registry.js"))});
      const scope = environmentScope(${JSON.stringify(config)}, "production", process.env);
      try {
        const credential = credentialFor(await loadAzureSdk(), scope.processEnv, {}, scope.credentials);
        await credential.getToken("https://vault.azure.net/.default", { abortSignal: AbortSignal.timeout(5000) });
        console.log("token");
      } catch (error) {
        console.log(\`\${error.code ?? ""} \${error.message}\`);
      }`;
    const network = { NODE_EXTRA_CA_CERTS: caFile, HTTPS_PROXY: proxyUrl, NO_PROXY: "127.0.0.1" };
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...env, ...network },
      cwd: env.HOME,
    });
    return stdout.trim();
  }

  const base = () => {
    const home = tempProject({ "token.jwt": "eyJhbGciOiJub25lIn0.e30.x" });
    return { PATH: process.env.PATH ?? "/usr/bin", HOME: home, token: join(home, "token.jwt") };
  };
  /** A service principal or a workload identity, named under `prefix`. */
  const credentialsOf = (kind: "secret" | "workload", prefix: string, token: string) => ({
    [`${prefix}AZURE_TENANT_ID`]: fake.env.AZURE_TENANT_ID as string,
    [`${prefix}AZURE_CLIENT_ID`]: fake.env.AZURE_CLIENT_ID as string,
    ...(kind === "secret"
      ? { [`${prefix}AZURE_CLIENT_SECRET`]: fake.env.AZURE_CLIENT_SECRET as string }
      : { [`${prefix}AZURE_FEDERATED_TOKEN_FILE`]: token }),
  });

  it("the process's AZURE_AUTHORITY_HOST never receives a prefixed environment's secret or token", async () => {
    for (const kind of ["secret", "workload"] as const)
      for (const own of [undefined, "fake"] as const) {
        got.length = 0;
        publicGot.length = 0;
        const { token, ...proc } = base();
        const outcome = await attempt({
          ...proc,
          AZURE_AUTHORITY_HOST: ambientUrl,
          ...credentialsOf(kind, PREFIX, token),
          ...(own === undefined ? {} : { [`${PREFIX}AZURE_AUTHORITY_HOST`]: fake.url }),
        });
        assert.deepEqual(got, [], `${kind}, own authority ${own ?? "none"}: ${outcome}`);
        if (kind === "secret" && own === "fake") assert.equal(outcome, "token");
        // Without an own host, it goes to the public cloud (the stand-in refuses it).
        if (own === undefined) assert.ok(publicGot.length > 0, `${kind}: ${outcome}`);
      }
  });

  it("an authority host that breaks the https rule is refused before anything is sent, named as set", async () => {
    const bad = ["http://login.example.com", "https://u:p@127.0.0.1", "not a url", "http://0x7f.1"];
    for (const prefix of [PREFIX, ""])
      for (const host of bad) {
        got.length = 0;
        const { token, ...proc } = base();
        const outcome = await attempt({
          ...proc,
          ...credentialsOf("secret", prefix, token),
          [`${prefix}AZURE_AUTHORITY_HOST`]: host,
        });
        assert.match(outcome, new RegExp(`^E_PROVIDER .*${prefix}AZURE_AUTHORITY_HOST`), outcome);
        assert.ok(!outcome.includes(fake.env.AZURE_CLIENT_SECRET as string));
        assert.deepEqual(got, []);
      }
  });

  it("no region variable the Azure SDKs read from the process can move the host a secret or token goes to", async () => {
    // The SDK reads it from process.env and puts it in front of the authority host, unchecked.
    const host = new URL(ambientUrl).host;
    const bad = [`${host}/steal#`, `${host}#`, "evil.example/x#", "a.b", "x?y", "a b", "-west", ""];
    // @azure/identity's variable, and MSAL's own two (REGION_NAME is read when the region is TryAutoDetect).
    const variables: Array<[string, Record<string, string>, readonly string[]]> = [
      ["AZURE_REGIONAL_AUTHORITY_NAME", {}, bad],
      ["MSAL_FORCE_REGION", {}, bad.slice(0, 3)],
      ["REGION_NAME", { MSAL_FORCE_REGION: "TryAutoDetect" }, bad.slice(0, 3)],
    ];
    for (const kind of ["secret", "workload"] as const)
      for (const prefix of [PREFIX, ""])
        for (const [name, beside, values] of variables)
          for (const region of values) {
            got.length = 0;
            const { token, ...proc } = base();
            const outcome = await attempt({
              ...proc,
              ...credentialsOf(kind, prefix, token),
              [`${prefix}AZURE_AUTHORITY_HOST`]: fake.url,
              ...beside,
              [name]: region,
            });
            const what = `${kind}, ${prefix || "plain"}, ${name}=${JSON.stringify(region)}: ${outcome}`;
            assert.match(outcome, new RegExp(`^E_PROVIDER .*${name}`), what);
            assert.ok(!outcome.includes(fake.env.AZURE_CLIENT_SECRET as string), what);
            assert.deepEqual(got, [], what);
          }
    // A region's name passes the check (the SDK then asks that region's subdomain of the authority).
    for (const region of ["westeurope", "AutoDiscoverRegion", "us-gov-1"]) {
      const { token, ...proc } = base();
      const outcome = await attempt({
        ...proc,
        ...credentialsOf("secret", PREFIX, token),
        [`${PREFIX}AZURE_AUTHORITY_HOST`]: fake.url,
        AZURE_REGIONAL_AUTHORITY_NAME: region,
      });
      assert.doesNotMatch(outcome, /AZURE_REGIONAL_AUTHORITY_NAME/, `${region}: ${outcome}`);
    }
  });

  it("own credentials in force (by any variable): the process's plain AZURE_* are never used", async () => {
    const owners = ["VAULT_TOKEN", "AWS_ACCESS_KEY_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_ID"];
    for (const kind of ["secret", "workload"] as const)
      for (const owner of owners) {
        got.length = 0;
        const { token, ...proc } = base();
        const plain = credentialsOf(kind, "", token);
        const outcome = await attempt({
          ...proc,
          ...plain,
          AZURE_AUTHORITY_HOST: ambientUrl,
          [`${PREFIX}${owner}`]: plain[owner] ?? "own-value",
        });
        assert.match(outcome, /^E_PROVIDER /, `${kind}, ${PREFIX}${owner}: ${outcome}`);
        assert.deepEqual(got, [], `${kind}, ${PREFIX}${owner}`);
      }
  });
});

/**
 * Entra ID's public cloud as the SDK meets it: instance discovery accepts any
 * authority (pointing at that authority's own metadata); anything else is
 * recorded and refused.
 */
function answerAsPublicCloud(
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
  seen: string[],
): void {
  req.resume();
  const url = new URL(req.url ?? "/", "https://login.microsoftonline.com");
  seen.push(`${req.method} ${url.pathname}`);
  const asked = url.searchParams.get("authorization_endpoint");
  res.writeHead(asked === null ? 400 : 200, { "content-type": "application/json" });
  if (asked === null) return void res.end("{}");
  const authority = asked.replace(/\/oauth2\/v2\.0\/authorize$/, "");
  res.end(
    JSON.stringify({
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [],
    }),
  );
}
