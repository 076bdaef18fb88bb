// The WireGuard registry example (examples/wireguard-registry, seed 002) against a real
// PostgreSQL and a real OpenBao: keys in Vault and refs in rows in production, encrypted
// rows on a laptop without Vault, 503 in production without Vault.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { initStore } from "../../src/store/open.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { ROOT, tempProject } from "../helpers/cli.js";
import { type Service, startPostgres } from "../helpers/services.js";

interface App {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
}

async function startApp(env: Record<string, string>): Promise<App> {
  const child = spawn(process.execPath, [join(ROOT, "examples/wireguard-registry/server.mjs")], {
    cwd: join(ROOT, "examples/wireguard-registry"),
    env: { PATH: process.env.PATH ?? "", HOME: tempProject(), PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match) return { url: match[1] as string, child, output: () => output };
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the example did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(app: App): Promise<void> {
  if (app.child.exitCode !== null) return;
  const closed = new Promise((resolve) => app.child.once("exit", resolve));
  app.child.kill("SIGTERM");
  await closed;
}

/** The X25519 public key of a WireGuard private key (both base64). */
function publicOf(privateKey: string): string {
  const der = Buffer.concat([
    Buffer.from("302e020100300506032b656e04220420", "hex"),
    Buffer.from(privateKey, "base64"),
  ]);
  const jwk = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" })).export({
    format: "jwk",
  });
  return Buffer.from(jwk.x as string, "base64url").toString("base64");
}

/** Seed 002's `dotmac-platform` policy as the seed writes it (the paths this example touches and their neighbours). */
const SEED_POLICY = `
path "secret/data/app/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
path "secret/data/database/*" {
  capabilities = ["read", "list"]
}
path "secret/data/wireguard/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
path "secret/metadata/*" {
  capabilities = ["list"]
}
`;

/** The paths under `folder` that hold a live (readable, not deleted) value, as root sees them. */
function liveSecrets(bao: Bao, folder: string): string[] {
  const live: string[] = [];
  const walk = (dir: string) => {
    let keys: string[];
    try {
      keys = JSON.parse(bao.cli(["kv", "list", "-format=json", `secret/${dir}`])) as string[];
    } catch {
      return;
    }
    for (const key of keys) {
      if (key.endsWith("/")) walk(`${dir}/${key.slice(0, -1)}`);
      else {
        const got = JSON.parse(bao.cli(["read", "-format=json", `secret/data/${dir}/${key}`])) as {
          data: { data: Record<string, string> | null };
        };
        if (got.data.data !== null) live.push(`${dir}/${key}`);
      }
    }
  };
  walk(folder);
  return live;
}

describe("the WireGuard registry example", () => {
  let bao: Bao;
  let postgres: Service;
  let db: pg.Client;
  before(async () => {
    [bao, postgres] = await Promise.all([startBao(), startPostgres("wg-example-password")]);
    db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
  });
  after(async () => {
    await db.end();
    await Promise.all([bao.stop(), postgres.stop()]);
  });

  it("production with Vault: the private key is in Vault with metadata, the row holds a vault: ref, the config serves the key", async () => {
    const app = await startApp({
      DATABASE_URL: postgres.url,
      VAULT_ADDR: bao.addr,
      VAULT_TOKEN: bao.rootToken,
      APP_ENV: "production",
    });
    try {
      const created = await fetch(`${app.url}/servers`, {
        method: "POST",
        body: JSON.stringify({ name: "vpn-us-east-1" }),
      });
      assert.equal(created.status, 201);
      const server = (await created.json()) as { id: number; public_key: string };
      const row = (await db.query("SELECT * FROM wireguard_servers WHERE id = $1", [server.id]))
        .rows[0];
      assert.match(
        row.private_key_ref,
        /^vault:wireguard\/servers\/[A-Za-z0-9_-]{43}\/private-key$/,
      );
      const config = (await (await fetch(`${app.url}/servers/config?id=${server.id}`)).json()) as {
        interface: { PrivateKey: string; PublicKey: string };
      };
      assert.equal(publicOf(config.interface.PrivateKey), server.public_key, "the pair matches");
      const dump = (
        await db.query("SELECT string_agg(t::text, E'\\n') AS all FROM wireguard_servers t")
      ).rows[0].all;
      assert.ok(!dump.includes(config.interface.PrivateKey), "the private key is not in the table");
      const listed = await (await fetch(`${app.url}/servers`)).text();
      assert.ok(!listed.includes(config.interface.PrivateKey));
      const metadata = JSON.parse(
        bao.cli([
          "kv",
          "metadata",
          "get",
          "-format=json",
          `secret/${row.private_key_ref.slice("vault:".length)}`,
        ]),
      ) as { data: { custom_metadata: Record<string, string> } };
      assert.equal(metadata.data.custom_metadata.classification, "restricted");
      assert.equal(metadata.data.custom_metadata.service, "wireguard-registry");
      assert.ok(!app.output().includes(config.interface.PrivateKey), "nor in its logs");
    } finally {
      await stop(app);
    }
  });

  it("development without Vault: the key is encrypted into the row, with a warning; production without Vault answers 503", async () => {
    const home = tempProject();
    const masterKey = randomBytes(32).toString("hex");
    initStore({
      dir: join(home, ".strongbox"),
      env: { HOME: home },
      masterKey: Buffer.from(masterKey, "hex"),
    });
    const dev = await startApp({
      DATABASE_URL: postgres.url,
      STRONGBOX_STORE: join(home, ".strongbox"),
      STRONGBOX_MASTER_KEY: masterKey,
    });
    let id: number;
    try {
      const created = await fetch(`${dev.url}/servers`, {
        method: "POST",
        body: JSON.stringify({ name: "laptop" }),
      });
      assert.equal(created.status, 201);
      id = ((await created.json()) as { id: number }).id;
      const row = (
        await db.query("SELECT private_key_ref FROM wireguard_servers WHERE id = $1", [id])
      ).rows[0];
      assert.match(
        row.private_key_ref,
        /^enc:wireguard\/servers\/[A-Za-z0-9_-]{43}\/private-key~sbf1\./,
      );
      assert.match(
        dev.output(),
        /\[WARNING\] WireGuard: no Vault configured: .*\(development only/,
      );
      const config = (await (await fetch(`${dev.url}/servers/config?id=${id}`)).json()) as {
        interface: { PrivateKey: string; PublicKey: string };
      };
      assert.equal(publicOf(config.interface.PrivateKey), config.interface.PublicKey);
    } finally {
      await stop(dev);
    }
    const prod = await startApp({ DATABASE_URL: postgres.url, APP_ENV: "production" });
    try {
      const refused = await fetch(`${prod.url}/servers`, { method: "POST", body: "{}" });
      assert.equal(refused.status, 503);
      assert.match(
        ((await refused.json()) as { error: string }).error,
        /^WireGuard unavailable: pure Vault mode/,
      );
      const inline = await fetch(`${prod.url}/servers/config?id=${id}`);
      assert.equal(inline.status, 503, "an inline row is not served in production");
      assert.equal((await fetch(`${prod.url}/servers`)).status, 200, "the rest of the API works");
    } finally {
      await stop(prod);
    }
  });

  it("under seed 002's own policy (no metadata writes): 201, the metadata beside the key; a failed INSERT leaves no key in Vault", async () => {
    bao.cli(["policy", "write", "dotmac-platform", "-"], { input: SEED_POLICY });
    const token = bao.cli(["token", "create", "-policy=dotmac-platform", "-field=token"]).trim();
    await db.query("DROP TABLE IF EXISTS wireguard_servers");
    const app = await startApp({
      DATABASE_URL: postgres.url,
      VAULT_ADDR: bao.addr,
      VAULT_TOKEN: token,
      APP_ENV: "production",
    });
    try {
      const created = await fetch(`${app.url}/servers`, {
        method: "POST",
        body: JSON.stringify({ name: "vpn-seed-policy" }),
      });
      assert.equal(created.status, 201, app.output());
      const server = (await created.json()) as { id: number; public_key: string };
      const row = (
        await db.query("SELECT private_key_ref FROM wireguard_servers WHERE id = $1", [server.id])
      ).rows[0];
      const path = `secret/${row.private_key_ref.slice("vault:".length)}`;
      const stored = JSON.parse(bao.cli(["kv", "get", "-format=json", path])) as {
        data: { data: Record<string, string> };
      };
      assert.equal(
        stored.data.data.classification,
        "restricted",
        "the seed's layout: beside the value",
      );
      assert.equal(publicOf(stored.data.data.value as string), server.public_key);
      const config = await fetch(`${app.url}/servers/config?id=${server.id}`);
      assert.equal(config.status, 200, "read back under the same policy");

      // The row's INSERT fails after the key went to Vault: the key must not stay there.
      await db.query(
        "ALTER TABLE wireguard_servers ADD CONSTRAINT no_rejects CHECK (name <> 'rejected')",
      );
      const before = liveSecrets(bao, "wireguard/servers");
      const failed = await fetch(`${app.url}/servers`, {
        method: "POST",
        body: JSON.stringify({ name: "rejected" }),
      });
      assert.equal(failed.status, 500, "the database refused the row");
      assert.deepEqual(liveSecrets(bao, "wireguard/servers"), before, "no orphaned private key");
      const { rows } = await db.query("SELECT private_key_ref FROM wireguard_servers");
      assert.equal(rows.length, 1, "the rejected server has no row");
      assert.ok(before.includes(path.slice("secret/".length)), "the first key is still served");
    } finally {
      await stop(app);
    }
  });
});
