// Journey 6 (issue 26): an operator diagnoses a project, from a laptop with no
// Vault to a VAULT_ADDR that is not Vault, a token whose policy denies, and a
// Vault that does not answer: every step says what stands and what to do,
// with the documented exit status, and no value in any output.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { type Bao, freePort, startBao } from "../helpers/bao.js";
import { CLI, runCli, tempProject } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";
import { type Listening, listenLoopback } from "../helpers/loopback.js";
import { onTerminal } from "../helpers/pty.js";

const CONFIG = `variables:
  DB_PASSWORD: { secret: true, ref: 'vault://secret/app#db_password' }
  API_KEY: { secret: true, ref: 'vault://secret/app#api_key' }
  PORT: { type: port, default: 3000 }
`;
const DB_CANARY = "diagnosis-db-canary-7f3a";
const API_CANARY = "diagnosis-api-canary-91c2";

/** What a web server, an ingress or a proxy answers at VAULT_ADDR: not Vault. */
type Impostor = (req: IncomingMessage, res: ServerResponse) => void;
const IMPOSTORS: Readonly<Record<string, Impostor>> = {
  "an HTML 404 page": (_, res) =>
    res
      .writeHead(404, { "content-type": "text/html" })
      .end("<html><body><h1>404 Not Found</h1><hr>nginx</body></html>"),
  "an HTML 200 page (a web app's catch-all route)": (_, res) =>
    res
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end("<!doctype html><html><head><title>Welcome</title></head></html>"),
  "a plain-text 404 (an ingress's default backend)": (_, res) =>
    res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found\n"),
  "a JSON API that is not Vault": (_, res) =>
    res
      .writeHead(404, { "content-type": "application/json" })
      .end(JSON.stringify({ message: "Not Found", status: 404 })),
  "a JSON API answering 200 to everything": (_, res) =>
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true })),
};

describe("journey: operator diagnosis", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao({ tls: true });
  });
  after(async () => {
    await bao.stop();
  });

  it("doctor, check, run and get each say what stands, with the documented status", async () => {
    const j = new Journey("operator diagnosis", {
      files: { "strongbox.config.yaml": CONFIG },
    }).canary(DB_CANARY, API_CANARY);
    execFileSync("git", ["init", "-q"], { cwd: j.dir });

    j.note("a laptop: the schema reads Vault, but no VAULT_ADDR here");
    const laptop = await j.step(["doctor"], {
      stderr: [
        /✓ config: .*3 variable\(s\)/,
        /compile cache/,
        /audit/,
        /! vault: not configured: .*VAULT_ADDR/,
        /hint: export VAULT_ADDR/,
      ],
      not: [/error:/],
    });
    assert.ok(laptop.stderr.split("\n").length > 5, "every check reports, not one line");
    const json = await j.step(["doctor", "--json"]);
    const vaultLine = JSON.parse(json.stdout).checks.find(
      (check: { check: string }) => check.check === "vault",
    );
    assert.equal(vaultLine.status, "warn");
    assert.match(vaultLine.hint, /VAULT_ADDR/);

    j.note("the real Vault: the secrets are written, root can read them");
    bao.cli(["kv", "put", "secret/app", `db_password=${DB_CANARY}`, `api_key=${API_CANARY}`]);
    const vaultEnv = { VAULT_ADDR: bao.addr, VAULT_CACERT: bao.caCert ?? "" };
    await j.step(["doctor"], {
      env: { ...vaultEnv, VAULT_TOKEN: bao.rootToken },
      stderr: [/✓ vault: https:\/\/127\.0\.0\.1:\d+ answers \(version .*\); token accepted/],
    });
    await j.step(["check"], { env: { ...vaultEnv, VAULT_TOKEN: bao.rootToken } });

    j.note("a token whose policy denies every ref: 11 (fix the token or policy), not 4");
    bao.cli(["policy", "write", "deny-app", "-"], {
      input: 'path "secret/*" { capabilities = ["deny"] }\n',
    });
    const denied = bao.cli(["token", "create", "-policy=deny-app", "-field=token"]).trim();
    for (const args of [["check"], ["run", "--", "true"], ["export"]])
      await j.step(args, {
        env: { ...vaultEnv, VAULT_TOKEN: denied },
        code: 11,
        stderr: [/permission denied/, /E_VAULT_DENIED/],
        not: [/bao kv put/],
      });
    j.note("denied and a variable that is wrong: two kinds of problem, the aggregate's 4");
    await j.step(["check"], {
      env: { ...vaultEnv, VAULT_TOKEN: denied, PORT: "eighty" },
      code: 4,
      stderr: [/E_VAULT_DENIED/, /PORT: expected a port number/],
    });

    j.note("the store: get of a name it does not have is the store's own code, 7");
    await j.step(["init"], { stderr: [/created the store/] });
    await j.step(["get", "NOPE"], {
      code: 7,
      stderr: [/NOPE is not in the store/, /\(E_STORE_NOT_FOUND\)/],
      not: [/E_MISSING/],
    });
    await j.step(["set", "LOCAL_ONLY"], { input: DB_CANARY });
    await j.step(["rm", "LOCAL_ONLY"]);
    await j.step(["get", "LOCAL_ONLY"], { code: 7, stderr: [/E_STORE_NOT_FOUND/] });
    await j.step(["get", "LOCAL_ONLY", "--version", "9"], {
      code: 7,
      stderr: [/E_STORE_NOT_FOUND/],
    });

    j.note("the key directory holds the store's key and the audit key: counted apart");
    await j.step(["doctor"], {
      stderr: [/✓ key files: 1 store key file\(s\) and the audit key in /],
    });

    j.note("files Strongbox fills with secrets or Vault's layout, not yet ignored by git");
    j.write({
      ".env.local": `DB_PASSWORD=${DB_CANARY}\n`,
      "agent.yaml":
        "templates:\n  - source: secrets.ctmpl\n    destination: config/secrets.env\n  - source: other.ctmpl\n    destination: ../outside.env\n",
      "migrate-2026-12-07T01-00-00-000Z.jsonl":
        '{"state":"done","path":"secret/app","prior":0,"keys":["db_password"]}\n',
    });
    const lint = await j.step(["lint", "--json"], { code: 4 });
    const rules = JSON.parse(lint.stdout)
      .findings.map((f: { rule: string }) => f.rule)
      .sort();
    assert.deepEqual(rules, [
      "env-file-not-ignored",
      "journal-not-ignored",
      "rendered-file-not-ignored",
    ]);
    await j.step(["doctor"], {
      code: 4,
      stderr: [
        /✗ gitignore: .*\.env\.local.*config\/secrets\.env .*migrate-2026-12-07T01-00-00-000Z\.jsonl/,
        /hint: add them to \.gitignore/,
      ],
    });
    j.write({ ".gitignore": ".env.local\nconfig/secrets.env\nmigrate-*.jsonl\n" });
    await j.step(["lint"]);
    await j.step(["doctor"], {
      stderr: [/✓ gitignore: no \.env file, rendered file or migrate journal/],
    });
  });

  for (const [what, impostor] of Object.entries(IMPOSTORS))
    it(`VAULT_ADDR at ${what} is named as not Vault in doctor, check and run`, async () => {
      const server: Listening = await listenLoopback(createServer(impostor));
      try {
        const env = { VAULT_ADDR: server.addr, VAULT_TOKEN: "s.diagnosis-token" };
        const j = new Journey(`not Vault: ${what}`, {
          files: { "strongbox.config.yaml": CONFIG },
          env,
        }).canary("s.diagnosis-token");
        const notVault = new RegExp(`${server.addr.replace(/\./g, "\\.")} is not Vault`);
        const never = [/bao kv put/, /is missing/, /not found \(/, /E_MISSING/];
        await j.step(["doctor"], {
          code: 4,
          stderr: [
            /✓ config/,
            new RegExp(`✗ vault: .*${notVault.source}`),
            /hint: check VAULT_ADDR/,
          ],
          not: never,
        });
        for (const args of [["check"], ["run", "--", "true"]])
          await j.step(args, {
            code: 4,
            stderr: [notVault, /\(E_VAULT\)/, /check VAULT_ADDR/],
            not: never,
          });
      } finally {
        await server.close();
      }
    });

  it("a gateway's error page while Vault is down is unreachable (10), after the retries", async () => {
    const server = await listenLoopback(
      createServer((_, res) =>
        res.writeHead(502, { "content-type": "text/html" }).end("<html>502 Bad Gateway</html>"),
      ),
    );
    try {
      const j = new Journey("gateway", {
        files: { "strongbox.config.yaml": CONFIG },
        env: { VAULT_ADDR: server.addr, VAULT_TOKEN: "s.gateway" },
      });
      await j.step(["check"], {
        code: 10,
        stderr: [/a gateway answered .*HTTP 502/, /E_VAULT_UNREACHABLE/],
        not: [/is not Vault/],
      });
    } finally {
      await server.close();
    }
  });

  it("while Vault is retried, a pipe gets one line saying so; a terminal's spinner is gone before the next line", async () => {
    const port = await freePort();
    const env = { VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_TOKEN: "s.retry" };
    const j = new Journey("retries", { files: { "strongbox.config.yaml": CONFIG }, env });
    const piped = await j.step(["check"], {
      code: 10,
      stderr: [
        new RegExp(
          `Vault at http://127\\.0\\.0\\.1:${port} does not answer \\(unreachable\\): retrying`,
        ),
      ],
    });
    assert.equal(piped.stderr.match(/retrying/g)?.length, 1, piped.stderr);

    // A server that is a standby twice, then answers: doctor's lines come after the retries.
    let asked = 0;
    const flaky = await listenLoopback(
      createServer((req, res) => {
        const json = (status: number, body: unknown) =>
          res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
        if (req.url?.startsWith("/v1/sys/health"))
          return asked++ < 2
            ? json(503, { errors: ["Vault is sealed"] })
            : json(200, { initialized: true, sealed: false, standby: false, version: "2.0.0" });
        if (req.url?.startsWith("/v1/auth/token/lookup-self"))
          return json(200, { data: { policies: ["default"], ttl: 0, display_name: "token" } });
        return json(404, { errors: [] });
      }),
    );
    try {
      const dir = tempProject({ "strongbox.config.yaml": CONFIG });
      const terminal = await onTerminal([process.execPath, CLI, "doctor"], {
        cwd: dir,
        env: { VAULT_ADDR: flaky.addr, VAULT_TOKEN: "s.retry" },
        after: "no prompt comes",
        keys: "",
      });
      assert.equal(terminal.code, 0, terminal.output);
      assert.match(terminal.output, /waiting for Vault at .*: attempt 1 \(HTTP 503\)/);
      // What the terminal shows of each line: the text after its last carriage return.
      const shown = terminal.output
        .split(/\r?\n/)
        .map((line) => line.slice(line.lastIndexOf("\r") + 1));
      const config = shown.find((line) => line.includes("config:"));
      assert.ok(config !== undefined && !config.includes("waiting for Vault"), terminal.output);
      assert.ok(!shown.some((line) => line.includes("waiting for Vault")), terminal.output);
      const piped = await runCli(["doctor"], {
        cwd: dir,
        env: { VAULT_ADDR: flaky.addr, VAULT_TOKEN: "s.retry" },
      });
      assert.equal(piped.code, 0, piped.stderr);
    } finally {
      await flaky.close();
    }
  });
});
