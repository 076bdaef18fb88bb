// Journey: an operator declares smoke checks the way seed 000's stack needs
// them: the S3 connection from the schema's own variables (S3_ENDPOINT,
// S3_ACCESS_KEY, S3_SECRET_KEY on moto), the AI key checked against an HTTPS
// API (a local server with its own certificate, trusted through
// NODE_EXTRA_CA_CERTS), an optional variable left unset. Then the attack: no
// template or URL spelling sends a credential over plain http.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";
import { createBucket, type Moto, startMoto } from "../helpers/moto.js";

const AI_KEY = "sk-smoke-journey-canary-4b8e2f";
const S3_SECRET = "s3-secret-journey-canary-7c1a";

/** Requests a server saw: path and the Authorization header's presence, for the assertions. */
interface Seen {
  readonly path: string;
  readonly authorization: string | undefined;
}

function record(seen: Seen[], req: IncomingMessage): void {
  seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
}

describe("journey: smoke checks from the schema's variables, an HTTPS API key, no credential over http", () => {
  let moto: Moto;
  let api: HttpsServer;
  let plain: Server;
  let apiOrigin = "";
  let plainOrigin = "";
  let ca = "";
  const apiSeen: Seen[] = [];
  const plainSeen: Seen[] = [];

  before(async () => {
    moto = await startMoto();
    await createBucket(moto, "uploads");
    const dir = tempProject();
    ca = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"],
        ...["-keyout", key, "-out", ca, "-subj", "/CN=localhost"],
        ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ],
      { stdio: "ignore" },
    );
    plain = createHttpServer((req, res) => {
      record(plainSeen, req);
      res.writeHead(200).end("ok");
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    plainOrigin = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    api = createHttpsServer({ key: readFileSync(key), cert: readFileSync(ca) }, (req, res) => {
      record(apiSeen, req);
      if (req.url?.startsWith("/redirect"))
        return void res
          .writeHead(302, { location: `${plainOrigin}/v1/models?key=${AI_KEY}` })
          .end();
      if (req.url?.startsWith("/v1/models/"))
        return void res.writeHead(req.url === `/v1/models/${AI_KEY}` ? 200 : 404).end();
      const ok = req.headers.authorization === `Bearer ${AI_KEY}`;
      res.writeHead(ok ? 200 : 401).end(ok ? "{}" : "no");
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    apiOrigin = `https://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  after(async () => {
    await moto?.stop();
    api?.close();
    plain?.close();
  });

  const config = (https: string, extra = "") => `variables:
  S3_BUCKET: { smoke: { critical: true, s3: { endpoint: S3_ENDPOINT, accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY, region: S3_REGION } } }
  S3_ENDPOINT: { type: url }
  S3_ACCESS_KEY: {}
  S3_SECRET_KEY: { secret: true }
  S3_REGION: { default: us-east-1 }
  AI_API_KEY:
    secret: true
    smoke: { https: ${https} }
  SENTRY_DSN: { secret: true, required: false, smoke: true }
${extra}`;
  const bearer = () =>
    `{ url: "${apiOrigin}/v1/models", header: "Authorization: Bearer {value}", status: 200 }`;

  it("S3 from S3_* variables, the AI key over HTTPS, an optional unset variable skipped", async () => {
    const j = new Journey("smoke checks", {
      files: {
        "strongbox.config.yaml": config(bearer()),
        ".env": `S3_BUCKET=uploads\nS3_ENDPOINT=${moto.endpoint}\nS3_ACCESS_KEY=testing\nS3_SECRET_KEY=${S3_SECRET}\nAI_API_KEY=${AI_KEY}\n`,
      },
      env: { NODE_EXTRA_CA_CERTS: ca },
    }).canary(AI_KEY, S3_SECRET);
    j.note(
      "AWS_* point nowhere: the bucket check must take its connection from the S3_* variables",
    );
    const dead = {
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9",
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    };
    const passed = await j.step(["smoke", "--json"], { env: dead });
    const results = JSON.parse(passed.stdout).results as Array<{
      variable: string;
      kind: string;
      ok: boolean;
      skipped?: boolean;
      detail: string;
    }>;
    const by = (name: string) => results.find((r) => r.variable === name);
    assert.deepEqual(
      { ...by("S3_BUCKET"), ms: 0 },
      {
        variable: "S3_BUCKET",
        kind: "s3",
        ok: true,
        detail: "listed bucket uploads",
        ms: 0,
        critical: true,
      },
    );
    assert.equal(by("AI_API_KEY")?.kind, "https");
    assert.match(by("AI_API_KEY")?.detail ?? "", /HTTP 200/);
    assert.equal(by("SENTRY_DSN")?.skipped, true);
    assert.equal(by("SENTRY_DSN")?.ok, true);
    assert.equal(apiSeen.at(-1)?.authorization, `Bearer ${AI_KEY}`, "the key went in the header");
    await j.step(["smoke"], {
      env: dead,
      stdout: [/SENTRY_DSN\s+unknown\s+skip/, /AI_API_KEY\s+https\s+pass/],
    });
    await j.step(["smoke", "--critical-only"], {
      env: dead,
      stdout: [/S3_BUCKET/],
      not: [/AI_API_KEY/],
    });

    j.note("the endpoint really comes from S3_ENDPOINT: point it nowhere and the check fails");
    await j.step(["smoke"], {
      code: 4,
      env: { S3_ENDPOINT: "http://127.0.0.1:9" },
      stdout: [/S3_BUCKET.*FAIL.*could not list bucket uploads/],
    });
    j.note("a wrong key: the API answers 401, the check fails, the key is not shown");
    await j.step(["smoke"], {
      code: 4,
      env: { AI_API_KEY: "sk-wrong-key-journey-canary-000" },
      stdout: [/AI_API_KEY\s+https\s+FAIL\s+127\.0\.0\.1:\d+: HTTP 401, expected 200/],
      not: [/sk-wrong-key-journey-canary-000/],
    });
    j.note("without the CA, the server's certificate is not trusted: nothing is sent");
    const before = apiSeen.length;
    await j.step(["smoke"], {
      code: 4,
      env: { NODE_EXTRA_CA_CERTS: "/nonexistent" },
      stdout: [/AI_API_KEY\s+https\s+FAIL\s+could not connect/],
    });
    assert.equal(apiSeen.length, before, "an unverified server got no request");

    j.note("the value in the path, percent-encoded, and an expected status");
    j.write({
      "strongbox.config.yaml": config(`{ url: "${apiOrigin}/v1/models/{value}", status: 200 }`),
    });
    await j.step(["smoke"], { stdout: [/AI_API_KEY\s+https\s+pass/] });
    j.note("an https API that redirects to http: not followed, the http server sees nothing");
    j.write({
      "strongbox.config.yaml": config(
        `{ url: "${apiOrigin}/redirect", header: "Authorization: Bearer {value}" }`,
      ),
    });
    await j.step(["smoke"], {
      code: 4,
      stdout: [/HTTP 302, a redirect \(not followed\), expected 2xx/],
    });
    assert.equal(plainSeen.length, 0, "nothing reached the plain-http server");
  });

  it("attack: no spelling of a plain-http URL carries a credential (template, secret URL, userinfo, path, query, fragment, case)", async () => {
    const host = plainOrigin.replace(/^http:\/\//, "");
    const schemes = ["http", "HTTP", "Http", "hTtP", " http", "ws", "ftp"];
    const places = [
      { url: (s: string) => `${s}://${host}/v1/models`, header: "Authorization: Bearer {value}" },
      { url: (s: string) => `${s}://${host}/v1?key={value}` },
      { url: (s: string) => `${s}://${host}/v1/{value}` },
      { url: (s: string) => `${s}://${host}/v1#{value}` },
      { url: (s: string) => `${s}://{value}@${host}/v1` },
      { url: (s: string) => `${s}://user:{value}@${host}/v1` },
    ];
    const seenBefore = plainSeen.length;
    let cases = 0;
    for (const scheme of schemes)
      for (const place of places) {
        const header = place.header === undefined ? "" : `, header: "${place.header}"`;
        const dir = tempProject({
          "strongbox.config.yaml": config(`{ url: "${place.url(scheme)}"${header} }`),
        });
        const env = { AI_API_KEY: AI_KEY, NODE_EXTRA_CA_CERTS: ca };
        const checked = await runCli(["check"], { cwd: dir, env });
        assert.equal(checked.code, 3, `check refuses ${place.url(scheme)}: ${checked.stderr}`);
        const smoked = await runCli(["smoke", "--json"], { cwd: dir, env });
        assert.notEqual(smoked.code, 0, `smoke refuses ${place.url(scheme)}`);
        for (const out of [checked.stdout, checked.stderr, smoked.stdout, smoked.stderr])
          assert.ok(!out.includes(AI_KEY), "no value in the output");
        cases++;
      }
    j2note(cases);
    // The https template itself: the value in the userinfo is refused too, TLS or not.
    for (const url of [`${apiOrigin.replace("https://", "https://{value}@")}/v1`]) {
      const dir = tempProject({ "strongbox.config.yaml": config(`{ url: "${url}" }`) });
      const smoked = await runCli(["smoke"], {
        cwd: dir,
        env: { AI_API_KEY: AI_KEY, NODE_EXTRA_CA_CERTS: ca },
      });
      assert.equal(smoked.code !== 0, true);
      assert.match(smoked.stdout + smoked.stderr, /userinfo/);
    }

    j2note(0);
    // A secret variable whose whole value is a plain-http URL (a key in its path or query).
    const secretUrls = [
      `${plainOrigin}/v1?key=${AI_KEY}`,
      `${plainOrigin.toUpperCase()}/v1?key=${AI_KEY}`,
      `${plainOrigin}/v1/${AI_KEY}`,
      `${plainOrigin}/v1#${AI_KEY}`,
      `${plainOrigin.replace("http://", `http://${AI_KEY}@`)}/v1`,
    ];
    for (const url of secretUrls) {
      const dir = tempProject({
        "strongbox.config.yaml": "variables:\n  AI_URL: { secret: true, smoke: true }\n",
      });
      const smoked = await runCli(["smoke"], { cwd: dir, env: { AI_URL: url } });
      assert.equal(smoked.code, 4, `refused: ${smoked.stdout}`);
      assert.match(smoked.stdout, /not sending the credential without TLS/);
      assert.ok(!(smoked.stdout + smoked.stderr).includes(AI_KEY));
    }
    assert.equal(plainSeen.length, seenBefore, "the plain-http server received no request at all");
    assert.ok(cases >= 42);

    // A value that tries to leave its place: percent-encoded in the URL, never a second header.
    const dir = tempProject({
      "strongbox.config.yaml": config(
        `{ url: "${apiOrigin}/v1/models/{value}", header: "X-Key: {value}" }`,
      ),
    });
    const injected = await runCli(["smoke"], {
      cwd: dir,
      env: { AI_API_KEY: `${AI_KEY}\r\nX-Evil: 1`, NODE_EXTRA_CA_CERTS: ca },
    });
    assert.equal(injected.code, 4);
    assert.match(injected.stdout, /line break/);
  });
});

/** Keeps the generated-case count visible in the test's output. */
function j2note(cases: number): void {
  if (cases > 0) process.stdout.write(`# ${cases} plain-http template variants refused\n`);
}
