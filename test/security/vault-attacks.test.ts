// Issue 9, items 1 (agent child), 4, 5 and 6, against a real bao server.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { resolveConfig } from "../../src/resolve/drive.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";
import { startProxy } from "../helpers/proxy.js";

interface Recorder {
  readonly addr: string;
  readonly seen: Array<{ url: string; token: string | undefined; body: string }>;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server. `handler` decides each answer; every request is
 * recorded with its token header and body, which is what an attacker's host
 * would keep.
 */
function listen(
  handler: (
    req: IncomingMessage,
    body: string,
    reply: (status: number, headers?: Record<string, string>) => void,
    self: string,
  ) => void,
): Promise<Recorder> {
  const seen: Recorder["seen"] = [];
  let self = "";
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      seen.push({ url: req.url ?? "", token: req.headers["x-vault-token"] as string, body });
      handler(
        req,
        body,
        (status, headers = {}) => {
          res.writeHead(status, headers);
          res.end();
        },
        self,
      );
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      self = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      resolve({
        addr: self,
        seen,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

const codes = (issues: readonly { code: string; variable?: string }[]) =>
  issues.map((item) => `${item.variable}:${item.code}`);

describe("Vault credentials and transport (issue 9.4-9.6)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
    bao.cli(["auth", "enable", "approle"]);
    bao.cli(["kv", "put", "-mount=secret", "app", "X=attack-canary-value"]);
    bao.cli(["policy", "write", "app-read", "-"], {
      input: 'path "secret/data/app" {\n  capabilities = ["read"]\n}\n',
    });
    bao.cli(["write", "auth/approle/role/app", "token_policies=app-read"]);
  });
  after(async () => bao.stop());

  const approle = () => ({
    VAULT_ROLE_ID: bao.cli(["read", "-field=role_id", "auth/approle/role/app/role-id"]).trim(),
    VAULT_SECRET_ID: bao
      .cli(["write", "-f", "-field=secret_id", "auth/approle/role/app/secret-id"])
      .trim(),
  });
  const config: ConfigSpec = { variables: { X: { secret: true, ref: "vault://secret/app#X" } } };

  it("a redirect to another host receives neither the token nor the AppRole login body", async () => {
    const collector = await listen((_req, _body, reply) => reply(200));
    const hostile = await listen((req, _body, reply) =>
      reply(307, { location: `${collector.addr}${req.url}` }),
    );
    try {
      const creds = approle();
      for (const env of [{ VAULT_TOKEN: bao.rootToken }, creds]) {
        const result = await resolveConfig(config, {
          processEnv: { VAULT_ADDR: hostile.addr, HOME: tempProject(), ...env },
          timeoutMs: 3000,
        });
        assert.deepEqual(codes(result.issues), ["X:E_VAULT"]);
        assert.match(result.issues[0]?.message ?? "", /refused a redirect from .* to /);
      }
      assert.equal(collector.seen.length, 0, "the other host never heard from us");
      assert.ok(hostile.seen.some((request) => request.body.includes(creds.VAULT_SECRET_ID)));
    } finally {
      await hostile.close();
      await collector.close();
    }
  });

  it("a redirect within the same origin is still followed", async () => {
    const proxy = await startProxy(bao.addr);
    const bouncer = await listen((req, body, reply, self) => {
      if (!req.url?.includes("bounced=1")) {
        const sep = req.url?.includes("?") ? "&" : "?";
        return reply(307, { location: `${self}${req.url}${sep}bounced=1` });
      }
      const upstream = httpRequest(new URL(req.url, proxy.addr), {
        method: req.method ?? "GET",
        headers: req.headers,
        agent: false,
      });
      upstream.on("response", (up) => {
        // Drained, so the proxy's socket is free when the test closes it (an
        // unread response left it open: "socket hang up" after the test, now and then).
        up.resume();
        up.on("end", () => reply(up.statusCode ?? 502, { "x-pass": "1" }));
      });
      upstream.on("error", () => reply(502, {}));
      upstream.end(body);
    });
    try {
      // The bouncer answers with status only; what matters is that the hop happened.
      await resolveConfig(config, {
        processEnv: { VAULT_ADDR: bouncer.addr, VAULT_TOKEN: bao.rootToken, HOME: tempProject() },
        timeoutMs: 3000,
      });
      assert.ok(bouncer.seen.some((request) => request.url.includes("bounced=1")));
      assert.ok(proxy.seen.length > 0);
    } finally {
      await bouncer.close();
      await proxy.close();
    }
  });

  it("pure Vault mode refuses http:// and VAULT_SKIP_VERIFY before connecting, unless the config allows it (then warns)", async () => {
    const proxy = await startProxy(bao.addr);
    try {
      const dir = tempProject({
        "strongbox.config.yaml": "variables:\n  X: { secret: true, ref: 'vault://secret/app#X' }\n",
      });
      const plain = await runCli(["check", "--env", "production"], {
        cwd: dir,
        env: { VAULT_ADDR: proxy.addr, ...approle() },
      });
      assert.equal(plain.code, 4);
      assert.match(
        plain.stderr,
        /pure Vault mode refuses an insecure connection: the address .* is not https:\/\//,
      );
      assert.match(plain.stderr, /E_VAULT_INSECURE/);
      assert.equal(proxy.seen.length, 0, "nothing was sent");
      const skip = await runCli(["check", "--env", "production"], {
        cwd: dir,
        env: { VAULT_ADDR: "https://127.0.0.1:1", VAULT_SKIP_VERIFY: "true", ...approle() },
      });
      assert.match(skip.stderr, /VAULT_SKIP_VERIFY turns off certificate checks/);
      writeFileSync(
        join(dir, "strongbox.config.yaml"),
        "vault: { allowInsecure: true }\nvariables:\n  X: { secret: true, ref: 'vault://secret/app#X' }\n",
      );
      const allowed = await runCli(["check", "--env", "production"], {
        cwd: dir,
        env: { VAULT_ADDR: proxy.addr, ...approle() },
      });
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.match(allowed.stderr, /warning: pure Vault mode runs with vault.allowInsecure/);
    } finally {
      await proxy.close();
    }
  });

  it("explicit AppRole variables beat a stale ~/.vault-token, and errors name the credential used", async () => {
    const home = tempProject({ ".vault-token": "s.stale-token-from-an-old-login\n" });
    const local = { processEnv: { VAULT_ADDR: bao.addr, HOME: home, ...approle() } };
    const withRole = await resolveConfig(config, local);
    assert.deepEqual(withRole.issues, []);
    assert.equal(withRole.entries[0]?.raw, "attack-canary-value");
    const staleOnly = await resolveConfig(config, {
      processEnv: { VAULT_ADDR: bao.addr, HOME: home },
    });
    assert.deepEqual(codes(staleOnly.issues), ["X:E_VAULT_DENIED"]);
    assert.match(staleOnly.issues[0]?.message ?? "", /\[token from ~\/\.vault-token\]/);
    const wrongRole = await resolveConfig(config, {
      processEnv: {
        VAULT_ADDR: bao.addr,
        HOME: home,
        VAULT_ROLE_ID: "nope",
        VAULT_SECRET_ID: "nope",
      },
    });
    assert.match(wrongRole.issues[0]?.message ?? "", /AppRole login failed/);
  });

  it("migrate --from-env plans schema variables and --name only, never credentials or shell state", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "project: shop\nvault: { allowInsecure: true }\nvariables:\n  SESSION_SECRET: { secret: true }\n",
    });
    const env = {
      VAULT_ADDR: bao.addr,
      VAULT_TOKEN: bao.rootToken,
      STRONGBOX_MASTER_KEY: "master-key-canary",
      GITHUB_TOKEN: "ghp_canary",
      PWD: dir,
      SESSION_SECRET: "session-canary-123",
      STRIPE_API_KEY: "sk_test_named",
    };
    const plan = await runCli(["migrate", "--from-env", "--name", "STRIPE_API_KEY", "--json"], {
      cwd: dir,
      env,
    });
    assert.equal(plan.code, 0, plan.stderr);
    const planned = JSON.parse(plan.stdout).rows.map((row: { variable: string }) => row.variable);
    assert.deepEqual(planned.sort(), ["SESSION_SECRET", "STRIPE_API_KEY"]);
    const refused = await runCli(["migrate", "--from-env", "--name", "VAULT_TOKEN"], {
      cwd: dir,
      env,
    });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /VAULT_TOKEN is a credential/);
    assert.ok(!`${plan.stdout}${refused.stderr}`.includes(bao.rootToken));
  });

  it("the agent's exec child gets no credentials", async () => {
    const dir = tempProject({
      "t.ctmpl": '{{ with secret "secret/data/app" }}ok{{ end }}\n',
      "agent.yaml": `templates:\n  - { source: t.ctmpl, destination: out.txt }\nexec:\n  command: [${JSON.stringify(process.execPath)}, -e, "require('fs').writeFileSync('seen.json', JSON.stringify(Object.keys(process.env).filter((k) => /^(VAULT|BAO)_(TOKEN|ROLE_ID|SECRET_ID|PASSWORD)$|^STRONGBOX_(MASTER_KEY|PASSPHRASE)$/.test(k)))); setTimeout(() => {}, 60000)"]\n`,
    });
    const agent = spawn(process.execPath, [CLI, "agent", "-a", "agent.yaml"], {
      cwd: dir,
      env: cleanEnv(dir, {
        VAULT_ADDR: bao.addr,
        VAULT_TOKEN: bao.rootToken,
        VAULT_ROLE_ID: "r",
        VAULT_SECRET_ID: "s",
        STRONGBOX_MASTER_KEY: "k",
      }),
      stdio: "ignore",
    });
    try {
      const deadline = Date.now() + 15_000;
      while (!existsSync(join(dir, "seen.json")) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(JSON.parse(readFileSync(join(dir, "seen.json"), "utf8")), []);
    } finally {
      agent.kill("SIGTERM");
    }
  });
});
