// Each environment with its own Vault and its own credentials (issue 17: `diff --live`
// "with each environment's own credentials"): staging and production on two real bao
// servers, each environment's token under its credentialPrefix, and an ambient
// VAULT_ADDR/VAULT_TOKEN and ~/.vault-token that must never be used for, or receive,
// either environment's credential.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, readOnlyToken, startBao } from "../helpers/bao.js";
import { cleanEnv, runCli, spawnCli, tempProject } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

const VALUES = {
  shared: "cred-shared-api-5e21",
  staging: "cred-staging-db-77a0",
  production: "cred-production-db-31c9",
};

/** A server that only records: any request to it is a credential sent to the wrong host. */
async function listener(): Promise<{ server: Server; addr: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, addr: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("per-environment credentials (credentialPrefix) against two real bao servers", () => {
  let staging: Bao;
  let production: Bao;
  let tokens: { staging: string; production: string };
  let hostile: Awaited<ReturnType<typeof listener>>;
  let dir: string;

  before(async () => {
    [staging, production] = await Promise.all([startBao(), startBao()]);
    staging.cli([
      "kv",
      "put",
      "-mount=secret",
      "app",
      `API_KEY=${VALUES.shared}`,
      `DB=${VALUES.staging}`,
    ]);
    production.cli([
      "kv",
      "put",
      "-mount=secret",
      "app",
      `API_KEY=${VALUES.shared}`,
      `DB=${VALUES.production}`,
    ]);
    tokens = { staging: readOnlyToken(staging), production: readOnlyToken(production) };
    hostile = await listener();
    dir = tempProject({
      "strongbox.config.yaml": `environments:
  staging:
    credentialPrefix: STAGING_
    vault: { address: '${staging.addr}' }
  production:
    credentialPrefix: PRODUCTION_
    vault: { address: '${production.addr}', allowInsecure: true }
variables:
  API_KEY: { secret: true, ref: 'vault://secret/app#API_KEY' }
  DB: { secret: true, ref: 'vault://secret/app#DB' }
`,
    });
    // The token helper's file holds a token that works on production: it must not be borrowed.
    writeFileSync(join(dir, ".vault-token"), tokens.production);
  });

  after(async () => {
    hostile.server.close();
    await Promise.all([staging.stop(), production.stop()]);
  });

  /** Each environment's own token, and ambient ones pointing at the recording server. */
  const env = () => ({
    STAGING_VAULT_TOKEN: tokens.staging,
    PRODUCTION_VAULT_TOKEN: tokens.production,
    VAULT_ADDR: hostile.addr,
    VAULT_TOKEN: "s.ambient-canary-token",
  });

  it("diff --live reads each environment on its own server with its own token; the ambient ones reach nothing", async () => {
    const result = await runCli(["diff", "staging", "production", "--live", "--json"], {
      cwd: dir,
      env: env(),
    });
    assert.equal(result.code, 1, result.stderr);
    const diff = JSON.parse(result.stdout);
    const values = Object.fromEntries(
      diff.rows.map((row: { name: string; values: string }) => [row.name, row.values]),
    );
    // Each token reads only its own server: both sides resolving proves each used its own.
    assert.deepEqual(values, { API_KEY: "equal", DB: "different" });
    assert.deepEqual(diff.credentials, { a: "STAGING_", b: "PRODUCTION_" });
    assert.match(
      result.stderr,
      /staging read with its STAGING_\* credentials, production with its PRODUCTION_\* credentials/,
    );
    assert.deepEqual(hostile.seen, [], "no request, so no token, went to the ambient VAULT_ADDR");
    for (const secret of [...Object.values(VALUES), tokens.staging, tokens.production])
      assert.ok(!`${result.stdout}${result.stderr}`.includes(secret));
  });

  it("an environment without its own token fails, naming its variables, rather than borrow VAULT_TOKEN or ~/.vault-token", async () => {
    const { PRODUCTION_VAULT_TOKEN: _dropped, ...rest } = env();
    // The ambient token is a valid production token at production's address: still not used.
    const result = await runCli(["diff", "staging", "production", "--live", "--json"], {
      cwd: dir,
      env: { ...rest, VAULT_ADDR: production.addr, VAULT_TOKEN: tokens.production },
    });
    assert.equal(result.code, 1, result.stderr);
    const diff = JSON.parse(result.stdout);
    const db = diff.rows.find((row: { name: string }) => row.name === "DB");
    assert.equal(db.a.status, "ok");
    assert.equal(db.b.status, "problem");
    assert.equal(db.b.problem, "E_VAULT_AUTH");
    assert.equal(db.values, "only-a");
  });

  it("a single environment still falls back to the plain variables (a deployed process given VAULT_TOKEN works)", async () => {
    const out = join(dir, "child-env.json");
    const result = await runCli(
      [
        "run",
        "-e",
        "production",
        "--",
        process.execPath,
        "-e",
        `require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`,
      ],
      { cwd: dir, env: { VAULT_TOKEN: tokens.production, STAGING_VAULT_TOKEN: tokens.staging } },
    );
    assert.equal(result.code, 0, result.stderr);
    const child = JSON.parse(readFileSync(out, "utf8")) as Record<string, string>;
    assert.equal(child.DB, VALUES.production, "read from production's own server (config address)");
    // No credential reaches the child, prefixed or not.
    assert.deepEqual(
      Object.keys(child).filter((name) => /VAULT_TOKEN/.test(name)),
      [],
    );
  });

  it("with its own token, the prefixed one wins over VAULT_TOKEN, and errors name the prefixed variable", async () => {
    const result = await runCli(["check", "-e", "production"], {
      cwd: dir,
      env: { PRODUCTION_VAULT_TOKEN: "s.not-a-real-token", VAULT_TOKEN: tokens.production },
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /PRODUCTION_VAULT_TOKEN/);
    assert.ok(!result.stderr.includes("s.not-a-real-token"), "the token itself is never shown");
  });

  it("render -e reaches the environment's own server with its own token, not VAULT_ADDR", async () => {
    writeFileSync(
      join(dir, "db.ctmpl"),
      '{{ with secret "secret/data/app" }}{{ .Data.data.DB }}{{ end }}\n',
    );
    const rendered = await runCli(["render", "-e", "staging", "-t", "db.ctmpl:db.txt"], {
      cwd: dir,
      env: { STAGING_VAULT_TOKEN: tokens.staging, VAULT_ADDR: hostile.addr },
    });
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.equal(readFileSync(join(dir, "db.txt"), "utf8"), `${VALUES.staging}\n`);
    assert.deepEqual(hostile.seen, []);
  });

  it("vault doctor checks one Vault at a time: the environment's own, with its own token", async () => {
    const mixed = await runCli(["vault", "doctor"], { cwd: dir, env: env() });
    assert.equal(mixed.code, 2, mixed.stderr);
    assert.match(mixed.stderr, /staging \/ production have different Vault settings/);
    const doctor = await runCli(["vault", "doctor", "--env", "production", "--json"], {
      cwd: dir,
      env: env(),
    });
    assert.equal(doctor.code, 0, doctor.stderr);
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.address, production.addr);
    assert.deepEqual(report.environments[0].ok, ["API_KEY", "DB"]);
    assert.deepEqual(hostile.seen, []);
  });

  it("diff --vault -e reads both paths on that environment's server with its own token", async () => {
    const result = await runCli(
      ["diff", "--vault", "secret/app", "secret/app", "-e", "production", "--json"],
      { cwd: dir, env: env() },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      JSON.parse(result.stdout).rows.map((row: { values: string }) => row.values),
      ["equal", "equal"],
    );
    assert.deepEqual(hostile.seen, []);
  });

  it("the dashboard's Vault page shows each environment's own server and credential, never a token", async () => {
    const ui = spawnCli(["ui", "--live"], { cwd: dir, env: cleanEnv(dir, env()) });
    try {
      await until("the dashboard link", () => /dashboard at (\S+)/.test(ui.stderr()), 15_000);
      const link = new URL(
        (/dashboard at (\S+)/.exec(ui.stderr()) as RegExpExecArray)[1] as string,
      );
      const traded = await fetch(link, { redirect: "manual" });
      const cookie = (traded.headers.get("set-cookie") ?? "").split(";")[0] as string;
      // Pages live under the path the trade redirects to.
      const base = new URL(traded.headers.get("location") ?? "", link);
      const page = await (await fetch(new URL("vault", base), { headers: { cookie } })).text();
      const row = (environment: string) =>
        (new RegExp(`<th scope="row">${environment}</th>(.*?)</tr>`, "s").exec(page) ?? [])[1] ??
        "";
      assert.match(row("staging"), new RegExp(staging.addr));
      assert.match(row("staging"), /token from STAGING_VAULT_TOKEN/);
      assert.match(row("production"), new RegExp(production.addr));
      assert.match(row("production"), /token from PRODUCTION_VAULT_TOKEN/);
      for (const secret of [tokens.staging, tokens.production, "s.ambient-canary-token"])
        assert.ok(!page.includes(secret));
      assert.deepEqual(hostile.seen, []);
    } finally {
      ui.kill("SIGTERM");
      await ui.exited;
    }
  });
});
