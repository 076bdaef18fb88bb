// Journey 3 (issue 26), the agent's part of seed 000's layout: a store-only project gets
// its daily rotation from the agent (agent.yaml with only `rotation:`), and a template of
// `{{ strongbox "X" }}` calls renders alike under `render` and the agent; the sidecar's
// file (seed 000: the agent renders /etc/vault/secrets/app.env, the app runs
// `strongbox run --env production`) counts as Vault when its signed provenance record
// says so, and every tamper is refused. Real bao (TLS) and child processes; no value in
// any output.
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { chmodSync, copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, readOnlyToken, startBao } from "../helpers/bao.js";
import { cleanEnv, spawnCli, tempProject } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";
import { until } from "../helpers/wait.js";

const SESSION_CANARY = "agent-sidecar-session-canary-7a3d";
const API_CANARY = "agent-sidecar-api-canary-41be";

const STORE_CONFIG = `variables:
  SESSION_SECRET:
    secret: true
    ref: "store://SESSION_SECRET"
    rotation: { every: 1s, generator: "hex:16", overlap: 0s, soak: 0s }
  API_KEY: { secret: true, ref: "store://API_KEY" }
  PORT: { default: "8080" }
`;

const TEMPLATE = `API_KEY={{ strongbox "API_KEY" }}
PORT={{ strongbox "PORT" }}
`;

describe("journey: the agent in a store-only project", () => {
  it("a rotation-only agent.yaml rotates what is due; the agent renders {{ strongbox }} as render does", async () => {
    const j = new Journey("store-only agent", {
      files: { "strongbox.config.yaml": STORE_CONFIG, "app.ctmpl": TEMPLATE },
    }).canary(SESSION_CANARY, API_CANARY);
    await j.step(["init"]);
    await j.step(["set", "SESSION_SECRET"], { input: SESSION_CANARY });
    await j.step(["set", "API_KEY"], { input: API_CANARY });

    j.note("the daily job, run by the agent: agent.yaml has only rotation:");
    j.write({ "agent.yaml": "rotation: { env: local, every: 24h }\n" });
    await new Promise((done) => setTimeout(done, 1100));
    await j.step(["agent", "--once", "--log-format", "json"], {
      stderr: [/"event":"rotated"/, /SESSION_SECRET/],
      not: [/no templates/, /VAULT_ADDR/],
    });
    const rotated = await j.step(["get", "SESSION_SECRET"], { stdout: [/^[0-9a-f]{32}\s*$/] });
    assert.ok(!rotated.stdout.includes(SESSION_CANARY), "the agent rotated the due secret");

    j.note("one template, rendered by render and by the agent: the same bytes");
    await j.step(["render", "-i", "app.ctmpl", "-o", "by-render.env"]);
    j.write({
      "agent.yaml": "templates:\n  - { source: app.ctmpl, destination: by-agent.env }\n",
    });
    await j.step(["agent", "--once"], { not: [/E_TEMPLATE/, /not defined/] });
    const byRender = readFileSync(join(j.dir, "by-render.env"), "utf8");
    assert.equal(byRender, `API_KEY=${API_CANARY}\nPORT=8080\n`);
    assert.equal(readFileSync(join(j.dir, "by-agent.env"), "utf8"), byRender);

    j.note("a template that reads Vault, with no Vault configured: a clear error, not a crash");
    j.write({
      "vault.ctmpl": '{{ with secret "secret/data/app" }}{{ .Data.data.X }}{{ end }}\n',
      "agent.yaml": "templates:\n  - { source: vault.ctmpl, destination: v.env }\n",
    });
    await j.step(["agent", "--once"], {
      code: 10,
      stderr: [/no Vault address: VAULT_ADDR/],
    });
  });
});

/** The app's config: production reads the sidecar's file and pins the agent's public key. */
function appConfig(file: string, publicKey: string | undefined, maxAge = "1h"): string {
  return `variables:
  DB_PASSWORD: { secret: true }
  LOG_LEVEL: { default: info }
vault:
${publicKey === undefined ? "" : `  agentPublicKey: "${publicKey}"\n  agentMaxAge: ${maxAge}\n`}  allowInsecure: false
environments:
  production: { files: ["${file}"] }
`;
}

const PROV_CANARY = "agent-provenance-db-canary-90c2";
const CHECK_CHILD = ["sh", "-c", 'test -n "$DB_PASSWORD" && echo started'];

describe("journey: the sidecar's file counts as Vault when its signed record says so", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao({ tls: true });
  });
  after(async () => bao.stop());

  it("the agent renders and signs; production accepts the file, and refuses every tamper", async () => {
    bao.cli(["kv", "put", "-mount=secret", "app", "-"], {
      input: JSON.stringify({ DB_PASSWORD: PROV_CANARY }),
    });
    const token = readOnlyToken(bao);
    // A temp directory stands in for the shared volume /etc/vault/secrets.
    const secrets = tempProject();
    chmodSync(secrets, 0o755);
    const rendered = join(secrets, "app.env");
    const record = `${rendered}.provenance.json`;
    const j = new Journey("sidecar provenance", {
      files: {
        "strongbox.config.yaml": appConfig(rendered, undefined),
        "agent/app.ctmpl":
          'DB_PASSWORD={{ with secret "secret/data/app" }}{{ .Data.data.DB_PASSWORD }}{{ end }}\nLOG_LEVEL=debug\n',
        "agent/agent.yaml": `output_dirs: [${secrets}]\nprovenance: { key: signing.pem }\ntemplates:\n  - { source: app.ctmpl, destination: ${rendered} }\n`,
      },
    }).canary(PROV_CANARY);
    const { privateKey } = generateKeyPairSync("ed25519");
    writeFileSync(
      join(j.dir, "agent/signing.pem"),
      privateKey.export({ type: "pkcs8", format: "pem" }),
      { mode: 0o600 },
    );
    copyFileSync(bao.caCert ?? "", join(j.dir, "vault-ca.pem"));
    const vault = { VAULT_ADDR: bao.addr, VAULT_CACERT: join(j.dir, "vault-ca.pem") };

    const agentYaml = readFileSync(join(j.dir, "agent/agent.yaml"), "utf8");
    j.note(
      "the shared volume is outside the agent's directory: refused until output_dirs names it",
    );
    j.write({ "agent/agent.yaml": agentYaml.replace(/^output_dirs: .*\n/m, "") }, "no output_dirs");
    await j.step(["agent", "-a", "agent/agent.yaml", "--once"], {
      code: 6,
      env: { ...vault, VAULT_TOKEN: token },
      stderr: [/the destination is outside/, /output_dirs/],
    });
    j.write(
      { "agent/agent.yaml": agentYaml.replaceAll(rendered, `${secrets}-evil/app.env`) },
      "a sibling sharing the named directory's prefix",
    );
    await j.step(["agent", "-a", "agent/agent.yaml", "--once"], {
      code: 6,
      env: { ...vault, VAULT_TOKEN: token },
      stderr: [/the destination is outside/],
    });
    j.write({ "agent/agent.yaml": agentYaml }, "output_dirs names the volume");

    j.note("the sidecar: the agent renders into the shared volume and signs a record beside it");
    const agent = await j.step(["agent", "-a", "agent/agent.yaml", "--once"], {
      env: { ...vault, VAULT_TOKEN: token },
      stderr: [/pin vault\.agentPublicKey: ed25519:/, /rendered app\.ctmpl ->/],
    });
    const publicKey = /ed25519:[A-Za-z0-9+/=]+/.exec(agent.stderr)?.[0] ?? "";
    const recordText = readFileSync(record, "utf8");
    assert.ok(!recordText.includes(PROV_CANARY), "the record holds no value");
    assert.match(recordText, /secret\/data\/app/);
    const pristine = { file: readFileSync(rendered), record: recordText };
    const restore = () => {
      writeFileSync(rendered, pristine.file);
      writeFileSync(record, pristine.record);
    };
    const refused = (why: RegExp, env: Record<string, string> = {}) =>
      j.step(["run", "--env", "production", "--", ...CHECK_CHILD], {
        code: 4,
        env: { ...vault, ...env },
        stderr: [/DB_PASSWORD/, /app\.env|other\.env/, why],
        not: [/started/],
      });

    j.note("without the pinned key: a value from a file is refused in production, as before");
    await refused(/may only come from/);

    j.write(
      { "strongbox.config.yaml": appConfig(rendered, publicKey) },
      "pin the agent's public key",
    );
    await j.step(["run", "--env", "production", "--", ...CHECK_CHILD], {
      env: vault,
      stdout: [/started/],
    });

    j.note("tamper: the file edited");
    writeFileSync(rendered, pristine.file.toString().replace("LOG_LEVEL=debug", "LOG_LEVEL=trace"));
    await refused(/changed after the agent signed/);
    restore();

    j.note("tamper: the record edited (its version)");
    const edited = JSON.parse(pristine.record) as { payload: string; signature: string };
    edited.payload = edited.payload.replace('"version":1', '"version":7');
    assert.notEqual(edited.payload, JSON.parse(pristine.record).payload);
    writeFileSync(record, JSON.stringify(edited));
    await refused(/signature does not verify/);
    restore();

    j.note("tamper: a record signed by another key (a writer of the volume with a key of its own)");
    const other = generateKeyPairSync("ed25519").privateKey;
    const payload = JSON.parse(edited.payload);
    const forged = JSON.stringify({ ...payload, signedAt: new Date().toISOString() });
    writeFileSync(
      record,
      JSON.stringify({
        payload: forged,
        signature: sign(null, Buffer.from(forged), other).toString("base64"),
      }),
    );
    await refused(/signature does not verify/);
    restore();

    j.note("tamper: the record is for another file name");
    const otherFile = join(secrets, "other.env");
    copyFileSync(rendered, otherFile);
    copyFileSync(record, `${otherFile}.provenance.json`);
    j.write({ "strongbox.config.yaml": appConfig(otherFile, publicKey) }, "read other.env");
    await refused(/signed for app\.env, not other\.env/);
    j.write({ "strongbox.config.yaml": appConfig(rendered, publicKey) }, "read app.env again");

    j.note("tamper: the record missing");
    rmSync(record);
    await refused(/no provenance record/);
    restore();

    j.note("a secret the template writes as a literal: signed, but not listed as read from Vault");
    j.write({
      "agent/app.ctmpl": `${readFileSync(join(j.dir, "agent/app.ctmpl"), "utf8")}EXTRA_SECRET=written-in-the-template\n`,
      "strongbox.config.yaml": appConfig(rendered, publicKey).replace(
        "variables:\n",
        "variables:\n  EXTRA_SECRET: { secret: true }\n",
      ),
    });
    await j.step(["agent", "-a", "agent/agent.yaml", "--once"], {
      env: { ...vault, VAULT_TOKEN: token },
    });
    await j.step(["run", "--env", "production", "--", ...CHECK_CHILD], {
      code: 4,
      env: vault,
      stderr: [/EXTRA_SECRET/, /does not list EXTRA_SECRET as read from Vault/],
      not: [/started/, /DB_PASSWORD:/],
    });

    j.note(
      "stale: the agent stopped signing (Vault unreachable); the record ages past agentMaxAge",
    );
    j.write({ "strongbox.config.yaml": appConfig(rendered, publicKey, "1s") }, "agentMaxAge 1s");
    await new Promise((done) => setTimeout(done, 1500));
    await refused(/longer ago than the 1 s allowed/);
  });
  it("a running agent signs its records again while Vault answers, and lets them age while it does not", async () => {
    bao.cli(["kv", "put", "-mount=secret", "fresh", "-"], {
      input: JSON.stringify({ API_TOKEN: PROV_CANARY }),
    });
    const dir = tempProject({
      "app.ctmpl":
        'API_TOKEN={{ with secret "secret/data/fresh" }}{{ .Data.data.API_TOKEN }}{{ end }}\n',
      "agent.yaml":
        "interval: 200ms\nprovenance: { key: signing.pem, refresh: 300ms }\ntemplates:\n  - { source: app.ctmpl, destination: app.env }\n",
    });
    writeFileSync(
      join(dir, "signing.pem"),
      generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }),
      { mode: 0o600 },
    );
    copyFileSync(bao.caCert ?? "", join(dir, "vault-ca.pem"));
    const env = cleanEnv(dir, {
      VAULT_ADDR: bao.addr,
      VAULT_CACERT: join(dir, "vault-ca.pem"),
      VAULT_TOKEN: bao.rootToken,
    });
    const agent = spawnCli(["agent", "-a", "agent.yaml"], { cwd: dir, env });
    const signedAt = () => {
      try {
        const outer = JSON.parse(readFileSync(join(dir, "app.env.provenance.json"), "utf8"));
        return String(JSON.parse(outer.payload).signedAt);
      } catch {
        return "";
      }
    };
    try {
      await until("the first record", () => signedAt() !== "", 10_000);
      const first = signedAt();
      await until("the record signed again after a poll", () => signedAt() > first, 5000);
      bao.cli(["operator", "seal"]);
      await until(
        "the agent to notice",
        () => agent.stderr().includes("keeping the last good files"),
        10_000,
      );
      const sealed = signedAt();
      await new Promise((done) => setTimeout(done, 1000));
      assert.equal(signedAt(), sealed, "no record is signed while Vault does not answer");
      bao.cli(["operator", "unseal", bao.unsealKey()]);
      await until("signing again once Vault answers", () => signedAt() > sealed, 20_000);
    } finally {
      agent.kill("SIGTERM");
      await agent.exited;
    }
    assert.ok(!agent.stderr().includes(PROV_CANARY), "the agent's log holds no value");
  });
});
