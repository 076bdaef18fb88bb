// Issue 26 red team (rt3b, item 1): a file the agent signed counted as Vault even when the
// agent read it in a way pure mode refuses for a direct read (plain http, certificate
// checks off, a root token). The record now signs HOW the agent read (address, skip-verify,
// root, auth method) and the app judges it by the same rules as its own read
// (security/transport.ts; the root-token rule of environments/policy.ts). The journey
// generates every transport × token × the app's vault.allowInsecure, against real bao
// servers (one TLS, one plain http) and real agent and app processes.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { tempProject } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";

const CANARY = "agent-read-rules-db-canary-5e1f";
const CHECK_CHILD = ["sh", "-c", 'test -n "$DB_PASSWORD" && echo started'];

function appConfig(file: string, publicKey: string, allowInsecure: boolean): string {
  return `variables:
  DB_PASSWORD: { secret: true }
vault:
  agentPublicKey: "${publicKey}"
  allowInsecure: ${allowInsecure}
environments:
  production: { files: ["${file}"] }
`;
}

/** The secret, and an AppRole that reads it (what `vault setup` gives an agent), on `bao`. */
function prepare(bao: Bao): Record<string, string> {
  bao.cli(["kv", "put", "-mount=secret", "app", "-"], {
    input: JSON.stringify({ DB_PASSWORD: CANARY }),
  });
  bao.cli(["policy", "write", "agent-read", "-"], {
    input:
      'path "secret/data/*" { capabilities = ["read"] }\npath "secret/metadata/*" { capabilities = ["read"] }\n',
  });
  bao.cli(["auth", "enable", "approle"]);
  bao.cli(["write", "auth/approle/role/agent", "token_policies=agent-read"]);
  const roleId = bao.cli(["read", "-field=role_id", "auth/approle/role/agent/role-id"]).trim();
  const secretId = bao
    .cli(["write", "-f", "-field=secret_id", "auth/approle/role/agent/secret-id"])
    .trim();
  return { VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: secretId };
}

describe("journey: the agent's read is judged as a direct read (transport, token)", () => {
  let tls: Bao;
  let plain: Bao;
  before(async () => {
    tls = await startBao({ tls: true });
    plain = await startBao();
  });
  after(async () => {
    await tls.stop();
    await plain.stop();
  });

  it("production counts the agent's file as Vault only for verified TLS (or allowInsecure) and a non-root token", async () => {
    const secrets = tempProject();
    chmodSync(secrets, 0o755);
    const rendered = join(secrets, "app.env");
    const j = new Journey("agent read rules", {
      files: {
        "agent/app.ctmpl":
          'DB_PASSWORD={{ with secret "secret/data/app" }}{{ .Data.data.DB_PASSWORD }}{{ end }}\n',
        // The agent itself is lenient here: the question is what the app accepts.
        "agent/agent.yaml": `vault: { allowInsecure: true }\noutput_dirs: [${secrets}]\nprovenance: { key: signing.pem }\ntemplates:\n  - { source: app.ctmpl, destination: ${rendered} }\n`,
      },
    }).canary(CANARY, tls.rootToken, plain.rootToken);
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    writeFileSync(
      join(j.dir, "agent/signing.pem"),
      privateKey.export({ type: "pkcs8", format: "pem" }),
      { mode: 0o600 },
    );
    const pinned = `ed25519:${Buffer.from((publicKey.export({ format: "jwk" }) as { x: string }).x, "base64url").toString("base64")}`;
    copyFileSync(tls.caCert ?? "", join(j.dir, "vault-ca.pem"));
    const ca = join(j.dir, "vault-ca.pem");
    const roles = new Map([
      [tls, prepare(tls)],
      [plain, prepare(plain)],
    ]);
    const transports = [
      {
        name: "verified TLS",
        bao: tls,
        env: { VAULT_ADDR: tls.addr, VAULT_CACERT: ca },
        secure: true,
      },
      {
        name: "TLS with VAULT_SKIP_VERIFY",
        bao: tls,
        env: { VAULT_ADDR: tls.addr, VAULT_SKIP_VERIFY: "true" },
        secure: false,
      },
      { name: "plain http", bao: plain, env: { VAULT_ADDR: plain.addr }, secure: false },
    ];
    const appVault = { VAULT_ADDR: tls.addr, VAULT_CACERT: ca };
    let accepted = 0;
    for (const transport of transports)
      for (const root of [false, true]) {
        const token = root
          ? { VAULT_TOKEN: transport.bao.rootToken }
          : (roles.get(transport.bao) ?? {});
        j.note(
          `the agent reads over ${transport.name} with ${root ? "a root token" : "its AppRole"}`,
        );
        await j.step(["agent", "-a", "agent/agent.yaml", "--once"], {
          env: { ...transport.env, ...token },
          stderr: [/rendered app\.ctmpl ->/],
        });
        for (const allowInsecure of [false, true]) {
          j.write(
            { "strongbox.config.yaml": appConfig(rendered, pinned, allowInsecure) },
            `the app, vault.allowInsecure: ${allowInsecure}`,
          );
          const ok = (transport.secure || allowInsecure) && !root;
          // The transport is judged first (the record is refused); a root read is refused by the policy.
          const insecure = !transport.secure && !allowInsecure;
          const why = insecure ? /insecure connection/ : /read from Vault with a root token/;
          await j.step(["run", "--env", "production", "--", ...CHECK_CHILD], {
            env: appVault,
            ...(ok
              ? { stdout: [/started/] }
              : { code: 4, stderr: [/DB_PASSWORD/, why], not: [/started/] }),
          });
          if (ok) accepted++;
        }
      }
    assert.equal(
      accepted,
      4,
      "verified TLS (either setting); http and skip-verify with allowInsecure",
    );
  });
});
