// Red team (issue 28, last pass): `vault setup --method aws` without
// --aws-sts-endpoint adopted a mount whose config/client someone had pointed at
// a plain-http STS; that STS answers every GetCallerIdentity with the bound
// ARN, so the role setup wrote let anyone in. The invariant: setup never
// leaves a login role on a mount whose configuration names a URL Vault calls
// to verify identities that fails the one https-or-loopback rule
// (src/security/transport.ts), whether setup writes that value or finds it.
// Generated here against a real bao (with the aws plugin, and moto as AWS):
// every URL field of every method's mount (setup-login.ts MOUNT_URLS) planted
// with every bad spelling; setup refuses naming the field, and writes nothing.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect, createServer as createTcp } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MOUNT_URLS } from "../../src/vault-ops/setup-login.js";
import { ACCOUNT, iamUser } from "../helpers/aws-iam.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { clientCertificate } from "../helpers/certs.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { jwtIssuer } from "../helpers/jwt.js";
import { type Moto, startMoto } from "../helpers/moto.js";

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
const SETUP: Readonly<Record<string, readonly string[]>> = {
  jwt: ["--audience", "vault", "--bound-claim", "sub=repo:acme/shop:ref:refs/heads/main"],
  kubernetes: ["--bound-service-account", "app", "--namespace", "shop"],
  aws: ["--bound-iam-principal-arn", `arn:aws:iam::${ACCOUNT}:user/app`],
};

/** This machine's first address that is not loopback (plain http to it is refused), if it has one. */
function outsideAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const address of list ?? [])
      if (!address.internal && address.family === "IPv4") return address.address;
  return undefined;
}

/** Bad spellings of a URL reaching `port` on this machine (bao can fetch each), and of hosts elsewhere. */
function badUrls(port: number): string[] {
  const outside = outsideAddress();
  return [
    ...(outside === undefined ? [] : [`http://${outside}:${port}`, `HTTP://${outside}:${port}`]),
    `http://u:p@127.0.0.1:${port}`,
    `http://127.0.0.1@127.0.0.1:${port}`,
    `http://[::ffff:127.0.0.1]:${port}`,
    `Http://[::ffff:127.0.0.1]:${port}`,
    "http://sts.example.com",
    "HTTP://sts.example.com",
    "http://127.0.0.1.evil.example",
    "http://[fe80::1]:8200",
    "http://0x7f.0.0.1:8200",
    "ftp://127.0.0.1/",
  ];
}

describe("vault setup never adopts a mount that verifies identities over plain http (real bao)", () => {
  let bao: Bao;
  let moto: Moto;
  let discovery: Server;
  let port: number;
  /** The issuer the discovery server names: the URL bao fetched it from, as Go's OIDC client checks. */
  let issuerName = "";
  /** A CA for the Kubernetes mount (bao wants one when it is not in a pod). */
  let clusterCa = "";
  const jwks = jwtIssuer();
  const admin = () => ({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
  const dir = tempProject({ "strongbox.config.yaml": CONFIG });
  /** A path's data as bao answers it (undefined when absent); over the API, for the reason `plant` gives. */
  const read = async (path: string) => {
    const response = await fetch(`${bao.addr}/v1/${path}`, {
      headers: { "x-vault-token": bao.rootToken },
    });
    if (response.status === 404) return undefined;
    return ((await response.json()) as { data?: Record<string, unknown> }).data;
  };
  const setup = (method: string, ...extra: string[]) =>
    runCli(
      [
        "vault",
        "setup",
        "--env",
        "production",
        "--method",
        method,
        ...(SETUP[method] ?? []),
        ...extra,
      ],
      { cwd: dir, env: admin() },
    );
  /**
   * Plants `field=value` in the method's mount configuration, as an attacker
   * with write on it would; over the API (not the bao CLI, which would block
   * the discovery server in this process while bao fetches from it).
   */
  const plant = async (method: string, field: string, value: string) => {
    const path = `auth/${method}/${MOUNT_URLS[method as "aws"]?.path}`;
    const bodies: Record<string, Record<string, unknown>> = {
      aws: { [field]: value, ...(field === "sts_endpoint" ? { sts_region: "us-east-1" } : {}) },
      kubernetes: {
        kubernetes_host: value,
        disable_local_ca_jwt: true,
        kubernetes_ca_cert: clusterCa,
      },
      jwt:
        field === "jwks_url"
          ? { jwks_url: value, skip_jwks_validation: true }
          : { oidc_discovery_url: value },
    };
    issuerName = value;
    const response = await fetch(`${bao.addr}/v1/${path}`, {
      method: "POST",
      headers: { "x-vault-token": bao.rootToken, "content-type": "application/json" },
      body: JSON.stringify(bodies[method]),
    });
    assert.ok(response.status < 300, `${path} ${field}=${value}: ${await response.text()}`);
    return path;
  };

  before(async () => {
    const pluginDir = process.env.STRONGBOX_BAO_PLUGIN_DIR;
    assert.ok(pluginDir, "scripts/run-tests.mjs builds the aws plugin (STRONGBOX_BAO_PLUGIN_DIR)");
    discovery = createServer((req, res) => {
      const doc = req.url?.includes("openid-configuration")
        ? { issuer: issuerName, jwks_uri: `http://127.0.0.1:${port}/jwks` }
        : { keys: [] };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
    });
    await new Promise<void>((resolve) => discovery.listen(0, "::", resolve));
    port = (discovery.address() as AddressInfo).port;
    clientCertificate(dir, "cluster", "kubernetes");
    clusterCa = readFileSync(join(dir, "cluster-ca.pem"), "utf8");
    moto = await startMoto();
    bao = await startBao({ pluginDir });
    await iamUser(moto, "app");
    for (const method of ["jwt", "kubernetes", "aws"]) bao.cli(["auth", "enable", method]);
    // Vault's own IAM access (to resolve the bound ARN), on moto: loopback, so allowed.
    bao.cli([
      ...["write", "auth/aws/config/client", `iam_endpoint=${moto.endpoint}`],
      ...["access_key=testing", "secret_key=testing"],
    ]);
  });
  after(async () => {
    discovery?.close();
    await bao?.stop();
    await moto?.stop();
  });

  // A list field (jwt's jwks_pairs) is Vault 1.16+'s: OpenBao has no such field to plant (test/unit/setup-mount-urls).
  for (const method of ["aws", "kubernetes", "jwt"] as const)
    for (const field of (MOUNT_URLS[method]?.fields ?? []).filter((name) => !name.includes("[]")))
      it(`${method}: ${field} planted with each bad spelling is refused, naming it; nothing is written`, async () => {
        for (const url of badUrls(port)) {
          // bao fetches the discovery document when it is written: only spellings that reach loopback can be planted.
          if (field === "oidc_discovery_url" && !/127\.0\.0\.1.*:\d/.test(url)) continue;
          const path = await plant(method, field, url);
          const planted = await read(path);
          const refused = await setup(method);
          assert.equal(refused.code, 3, `${url}: ${refused.stderr}`);
          assert.match(refused.stderr, new RegExp(`${path} has ${field} `), url);
          assert.match(refused.stderr, /nothing was changed/);
          assert.doesNotMatch(refused.stderr, /u:p@|:p@/, "no password quoted");
          assert.equal(await read(`sys/policy/${ROLE}`), undefined, `${url}: no policy`);
          assert.equal(await read(`auth/${method}/role/${ROLE}`), undefined, `${url}: no role`);
          assert.deepEqual(await read(path), planted, `${url}: the mount's config as it was`);
        }
        // The same field with an https (or loopback) value: setup goes ahead, so the refusal above was the URL's.
        // Loopback where bao fetches it (the issuer's document, Vault's IAM reader on moto); https elsewhere.
        const fetched: Record<string, string> = {
          oidc_discovery_url: `http://127.0.0.1:${port}`,
          iam_endpoint: moto.endpoint,
          // Vault asks STS who its own IAM reader is when it resolves the bound ARN.
          sts_endpoint: moto.endpoint,
        };
        await plant(method, field, fetched[field] ?? "https://identity.example.com");
        const accepted = await setup(method);
        assert.equal(accepted.code, 0, accepted.stderr);
        bao.cli(["delete", `auth/${method}/role/${ROLE}`]);
        bao.cli(["policy", "delete", ROLE]);
        if (method === "aws") await plant("aws", field, fetched[field] ?? "");
      });

  it("loopback mount URLs are Vault's own machine: refused when setup reaches Vault at another address", async () => {
    // The same bao, reached through this machine's outside address: to setup it is not on loopback.
    const outside = outsideAddress();
    assert.ok(outside, "this machine has an address that is not loopback");
    const forward = createTcp((socket) => {
      const upstream = connect(Number(new URL(bao.addr).port), "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => forward.listen(0, outside, resolve));
    const remote = `http://${outside}:${(forward.address() as AddressInfo).port}`;
    try {
      const loopback: Record<string, string> = {
        oidc_discovery_url: `http://127.0.0.1:${port}`,
        jwks_url: `http://127.0.0.1:${port}/jwks`,
        kubernetes_host: `http://127.0.0.1:${port}`,
        iam_endpoint: moto.endpoint,
        sts_endpoint: moto.endpoint,
        endpoint: moto.endpoint,
      };
      for (const method of ["aws", "kubernetes", "jwt"] as const)
        for (const field of (MOUNT_URLS[method]?.fields ?? []).filter(
          (name) => !name.includes("[]"),
        )) {
          const value = loopback[field] ?? "";
          assert.ok(value.startsWith("http://127.0.0.1"), `${field}: a loopback value`);
          // aws's config/client is updated field by field: the others back to the default (https), so this one is judged.
          if (method === "aws")
            for (const other of MOUNT_URLS.aws?.fields ?? []) await plant("aws", other, "");
          const path = await plant(method, field, value);
          const result = await runCli(
            ["vault", "setup", "--env", "production", "--method", method, ...(SETUP[method] ?? [])],
            { cwd: dir, env: { VAULT_ADDR: remote, VAULT_TOKEN: bao.rootToken } },
          );
          assert.equal(result.code, 3, `${field}: ${result.stderr}`);
          assert.match(
            result.stderr,
            new RegExp(`${path} has ${field} .*Vault server's own machine`),
          );
          assert.equal(await read(`auth/${method}/role/${ROLE}`), undefined, `${field}: no role`);
        }
      for (const field of ["iam_endpoint", "sts_endpoint"])
        await plant("aws", field, moto.endpoint);
      await plant("aws", "endpoint", "");
    } finally {
      forward.close();
    }
  });

  it("aws: --aws-sts-endpoint replaces a planted sts_endpoint, and a planted iam_endpoint is still refused", async () => {
    await plant("aws", "sts_endpoint", "http://sts.example.com");
    const replaced = await setup("aws", "--aws-sts-endpoint", moto.endpoint);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal((await read("auth/aws/config/client"))?.sts_endpoint, moto.endpoint);
    bao.cli(["delete", `auth/aws/role/${ROLE}`]);
    bao.cli(["policy", "delete", ROLE]);
    await plant("aws", "iam_endpoint", "http://iam.example.com");
    const kept = await setup("aws", "--aws-sts-endpoint", moto.endpoint);
    assert.equal(kept.code, 3, kept.stderr);
    assert.match(kept.stderr, /iam_endpoint/);
    assert.equal(await read(`auth/aws/role/${ROLE}`), undefined);
    await plant("aws", "iam_endpoint", moto.endpoint);
  });

  it("jwt: --jwt-pubkey replaces a planted jwks_url (a write of jwt's config replaces it whole)", async () => {
    await plant("jwt", "jwks_url", "http://sts.example.com/jwks");
    const keyDir = tempProject({ "strongbox.config.yaml": CONFIG, "pub.pem": jwks.publicPem });
    const result = await runCli(
      [
        ...["vault", "setup", "--env", "production", "--method", "jwt", ...(SETUP.jwt ?? [])],
        ...["--jwt-pubkey", "pub.pem"],
      ],
      { cwd: keyDir, env: admin() },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await read("auth/jwt/config"))?.jwks_url, "");
    bao.cli(["delete", `auth/jwt/role/${ROLE}`]);
    bao.cli(["policy", "delete", ROLE]);
  });
});
