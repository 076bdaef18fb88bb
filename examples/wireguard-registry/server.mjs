// A WireGuard server registry after seed 002: an HTTP API over PostgreSQL that
// generates each server's key pair, keeps the private key in Vault and only a
// `vault:` reference in the row. On a laptop without Vault the key is encrypted
// into the row instead (with a warning); in production without Vault every
// WireGuard endpoint answers 503.
//
//   DATABASE_URL=postgres://…  VAULT_ADDR=…  VAULT_TOKEN=…  APP_ENV=production  node server.mjs
//   DATABASE_URL=postgres://…  STRONGBOX_STORE=.strongbox STRONGBOX_MASTER_KEY=…  node server.mjs
import { createServer } from "node:http";
import pg from "pg";
import { isStrongboxError } from "strongbox";
import { secretRefs, vaultRefs } from "strongbox/data";
import { generateSecret } from "strongbox/lifecycle";
import { openStore } from "strongbox/store";
import { VaultClient } from "strongbox/vault";

const env = process.env;
const production = env.APP_ENV === "production";
const vault = env.VAULT_ADDR ? VaultClient.fromEnv(env) : undefined;
const keys = secretRefs({
  backend: vault === undefined ? undefined : vaultRefs(vault),
  path: "wireguard/servers/{id}/private-key",
  // Pure Vault mode: production never keeps a private key anywhere but Vault.
  pure: production,
  fallback:
    vault === undefined && !production && env.STRONGBOX_STORE
      ? await openStore({ dir: env.STRONGBOX_STORE, env })
      : undefined,
  metadata: (id) => ({
    service: "wireguard-registry",
    classification: "restricted",
    public_key: id,
  }),
  onWarning: (message) => console.warn(`[WARNING] WireGuard: ${message}`),
});
if (vault !== undefined)
  console.log("[INFO] WireGuard private keys in Vault/OpenBao (pure Vault mode in production)");

const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
await db.query(`CREATE TABLE IF NOT EXISTS wireguard_servers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  public_key text NOT NULL UNIQUE,
  private_key_ref text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`);

/** The public key names the secret; base64url, so it is one path segment. */
const secretIdOf = (publicKey) => Buffer.from(publicKey, "base64").toString("base64url");

const routes = {
  async "POST /servers"(body) {
    const pair = await generateSecret({ kind: "wireguard" });
    // create(): when the INSERT fails, the key just written to Vault is removed
    // again, so a failed request never leaves a private key without its row.
    const { rows } = await keys.create(secretIdOf(pair.publicValue), pair.value, (ref) =>
      db.query(
        "INSERT INTO wireguard_servers (name, public_key, private_key_ref) VALUES ($1, $2, $3) RETURNING id, name, public_key",
        [String(body.name ?? "unnamed"), pair.publicValue, ref],
      ),
    );
    return [201, { ...rows[0], status: "active" }];
  },
  async "GET /servers"() {
    const { rows } = await db.query(
      "SELECT id, name, public_key, created_at FROM wireguard_servers ORDER BY id",
    );
    return [200, rows];
  },
  async "GET /servers/config"(_body, query) {
    const { rows } = await db.query(
      "SELECT public_key, private_key_ref FROM wireguard_servers WHERE id = $1",
      [Number(query.get("id"))],
    );
    if (rows.length === 0) return [404, { error: "no such server" }];
    // The row's own id goes with its ref: a ref copied from another row is refused.
    const privateKey = await keys.get(rows[0].private_key_ref, secretIdOf(rows[0].public_key));
    return [200, { interface: { PrivateKey: privateKey, PublicKey: rows[0].public_key } }];
  },
};

/** Strongbox's codes for "the secret store is not there": the service is unavailable, not broken. */
const UNAVAILABLE = new Set(["E_VAULT_REQUIRED", "E_VAULT_UNREACHABLE", "E_VAULT_SEALED"]);

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? "/", "http://localhost");
  const route = routes[`${request.method} ${url.pathname}`];
  let status = 404;
  let payload = { error: "not found" };
  try {
    if (route !== undefined) {
      let text = "";
      for await (const chunk of request) text += chunk;
      [status, payload] = await route(text === "" ? {} : JSON.parse(text), url.searchParams);
    }
  } catch (error) {
    if (isStrongboxError(error) && UNAVAILABLE.has(error.code)) {
      status = 503;
      payload = { error: `WireGuard unavailable: ${error.message}` };
    } else {
      // The error's code only: a message could name a path, never a key, but clients need neither.
      status = 500;
      payload = { error: isStrongboxError(error) ? error.code : "internal error" };
      console.error("[ERROR]", isStrongboxError(error) ? `${error.code}: ${error.message}` : error);
    }
  }
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(payload));
});

server.listen(Number(env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`[INFO] listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ["SIGTERM", "SIGINT"])
  process.once(signal, () => server.close(() => db.end().then(() => vault?.close())));
