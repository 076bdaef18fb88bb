// Dynamic secrets in templates (issue 15): `secret` with parameters (a write), `pkiCert`,
// and the agent keeping leases and certificates current, against a real `bao server -dev`
// (PKI and database engines) and a real PostgreSQL for dynamic credentials.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { cleanEnv, runCli, spawnCli, tempProject } from "../helpers/cli.js";
import { type Service, startPostgres } from "../helpers/services.js";
import { until } from "../helpers/wait.js";

const PG_PASSWORD = "pg-admin-9f2c71";

/** What the agent's child logged at each start (it appends its rendered file). */
function startsIn(dir: string): string {
  return existsSync(join(dir, "starts.log")) ? readFileSync(join(dir, "starts.log"), "utf8") : "";
}

function certOf(pem: string): X509Certificate {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
  assert.ok(block, "a certificate in the output");
  return new X509Certificate(block[0]);
}

describe("dynamic secrets in templates, against a real bao", () => {
  let bao: Bao;
  let postgres: Service;
  before(async () => {
    [bao, postgres] = await Promise.all([startBao(), startPostgres(PG_PASSWORD)]);
    bao.cli(["secrets", "enable", "pki"]);
    bao.cli(["write", "pki/root/generate/internal", "common_name=example.com", "ttl=24h"]);
    bao.cli(["write", "pki/roles/web", "allowed_domains=example.com", "allow_subdomains=true"]);
    bao.cli(["secrets", "enable", "database"]);
    const port = new URL(postgres.url).port;
    bao.cli([
      "write",
      "database/config/pg",
      "plugin_name=postgresql-database-plugin",
      `connection_url=postgresql://{{username}}:{{password}}@127.0.0.1:${port}/postgres?sslmode=disable`,
      "username=postgres",
      `password=${PG_PASSWORD}`,
      "allowed_roles=app",
    ]);
    bao.cli([
      "write",
      "database/roles/app",
      "db_name=pg",
      `creation_statements=CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
      "default_ttl=6s",
      "max_ttl=10s",
    ]);
  });
  after(async () => {
    await Promise.all([bao.stop(), postgres.stop()]);
  });

  const env = (dir: string) => cleanEnv(dir, { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });

  it("secret with parameters writes (pki/issue) and exposes the whole response; --dry masks the key", async () => {
    const dir = tempProject({
      "cert.ctmpl":
        '{{ with secret "pki/issue/web" "common_name=api.example.com" " ttl = 10m " }}{{ .Data.certificate }}\n{{ .Data.private_key }}\nlease=[{{ .LeaseID }}] renewable={{ .Renewable }}{{ end }}\n',
    });
    const result = await runCli(["render", "-i", "cert.ctmpl", "-o", "cert.pem"], {
      cwd: dir,
      env: env(dir),
    });
    assert.equal(result.code, 0, result.stderr);
    const out = readFileSync(join(dir, "cert.pem"), "utf8");
    const cert = certOf(out);
    assert.match(cert.subject, /CN=api\.example\.com/);
    // The ttl parameter was trimmed and sent: the certificate lives 10 minutes.
    const life = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    assert.ok(life > 9 * 60_000 && life <= 11 * 60_000, `lifetime ${life} ms`);
    assert.match(out, /-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(out, /lease=\[\] renewable=false/);
    const dry = await runCli(["render", "-i", "cert.ctmpl", "--dry"], { cwd: dir, env: env(dir) });
    assert.equal(dry.code, 0, dry.stderr);
    assert.doesNotMatch(dry.stdout, /BEGIN RSA PRIVATE KEY-----\n[A-Za-z0-9+/]{20}/);
  });

  it("a parameter that is not k=v is a clear error naming the path", async () => {
    const dir = tempProject({
      "bad.ctmpl": '{{ with secret "pki/issue/web" "common_name" }}{{ .Data }}{{ end }}',
    });
    const result = await runCli(["render", "-i", "bad.ctmpl", "-o", "out"], {
      cwd: dir,
      env: env(dir),
    });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /pki\/issue\/web.*not a k=v pair.*E_TEMPLATE/);
    assert.doesNotMatch(result.stderr, /at \w+ \(|internal error/);
  });

  it("pkiCert keeps a good certificate across renders and issues a new one when a ninth of its life is left", async () => {
    const dir = tempProject({
      "tls.ctmpl":
        '{{ with pkiCert "pki/issue/web" "common_name=tls.example.com" "ttl=9s" }}{{ .Cert }}{{ .Key }}{{ .CA }}{{ end }}',
    });
    const render = () =>
      runCli(["render", "-i", "tls.ctmpl", "-o", "tls.pem"], { cwd: dir, env: env(dir) });
    assert.equal((await render()).code, 0);
    const first = certOf(readFileSync(join(dir, "tls.pem"), "utf8"));
    assert.equal((await render()).code, 0);
    const second = certOf(readFileSync(join(dir, "tls.pem"), "utf8"));
    assert.equal(second.serialNumber, first.serialNumber, "kept while good");
    const text = readFileSync(join(dir, "tls.pem"), "utf8");
    assert.match(text, /-----BEGIN RSA PRIVATE KEY-----/);
    assert.equal((text.match(/BEGIN CERTIFICATE/g) ?? []).length, 2, "the certificate and the CA");
    // PKI back-dates certificates 30 s: a 9 s certificate lives 39 s, renewed with 39/9 s left.
    const from = Date.parse(first.validFrom);
    const to = Date.parse(first.validTo);
    await until("a ninth of its life to be left", () => Date.now() > to - (to - from) / 9, 10_000);
    assert.equal((await render()).code, 0);
    const third = certOf(readFileSync(join(dir, "tls.pem"), "utf8"));
    assert.notEqual(third.serialNumber, first.serialNumber, "re-issued before it expires");
    assert.match(third.subject, /CN=tls\.example\.com/);
  });

  it("attacks: a template cannot write under sys/, and pkiCert does not read a key through a symlinked destination", async () => {
    const other = JSON.parse(
      bao.cli([
        "write",
        "-format=json",
        "pki/issue/web",
        "common_name=other.example.com",
        "ttl=1h",
      ]),
    ).data as { certificate: string; private_key: string };
    const dir = tempProject({
      "policy.ctmpl":
        '{{ with secret "sys/policies/acl/pwned" "policy=path \\"*\\" { capabilities = [\\"sudo\\"] }" }}{{ end }}',
      "tls.ctmpl":
        '{{ with pkiCert "pki/issue/web" "common_name=tls.example.com" "ttl=1h" }}{{ .Cert }}{{ .Key }}{{ end }}',
      // Another service's key pair, still good: what a symlinked destination would hand over.
      "other.pem": `${other.certificate}\n${other.private_key}\n`,
    });
    symlinkSync(join(dir, "other.pem"), join(dir, "link.pem"));
    const write = await runCli(["render", "-i", "policy.ctmpl", "-o", "out"], {
      cwd: dir,
      env: env(dir),
    });
    assert.equal(write.code, 3, write.stderr);
    assert.match(write.stderr, /may not write under sys\//);
    assert.doesNotMatch(bao.cli(["policy", "list"]), /pwned/);
    const dry = await runCli(["render", "-i", "tls.ctmpl", "-o", "link.pem", "--dry", "--reveal"], {
      cwd: dir,
      env: env(dir),
    });
    // The destination is checked before anything renders, a dry run too: a link is refused
    // before pkiCert could read what it points at.
    assert.equal(dry.code, 6, dry.stderr);
    assert.match(dry.stderr, /link\.pem is a symlink/);
    const keyBody = other.private_key.split("\n")[1] as string;
    assert.ok(!(dry.stdout + dry.stderr).includes(keyBody), "the other service's key is not shown");
  });

  it("the agent re-issues a short-lived certificate before it expires and restarts its child", async () => {
    const dir = tempProject({
      "tls.ctmpl":
        '{{ with secret "pki/issue/web" "common_name=agent.example.com" "ttl=6s" }}{{ .Data.serial_number }}{{ end }}\n',
      "plain.ctmpl":
        '{{ with secret "pki/issue/web" "common_name=agent.example.com" "ttl=6s" }}{{ .Data.serial_number }}{{ end }}\n',
      "agent.yaml":
        "interval: 60s\ntemplates:\n  - { source: tls.ctmpl, destination: serial.txt }\n  - { source: plain.ctmpl, destination: same.txt }\nexec:\n  command: [sh, -c, 'cat serial.txt >> starts.log; exec sleep 60']\n",
    });
    const agent = spawnCli(["agent", "-a", "agent.yaml", "--log-format", "json"], {
      cwd: dir,
      env: env(dir),
    });
    try {
      const starts = () => startsIn(dir);
      await until("the first start", () => starts().split("\n").length === 2);
      const first = starts().trim();
      // Two templates with the same call share one certificate, as consul-template shares a dependency.
      assert.equal(readFileSync(join(dir, "same.txt"), "utf8").trim(), first);
      // Due at two thirds of 6 s, far sooner than the 60 s polling interval.
      await until(
        "a new certificate and a restart",
        () => starts().split("\n").length === 3,
        12_000,
      );
      const [, second] = starts().trim().split("\n");
      assert.notEqual(second, first);
      assert.equal(readFileSync(join(dir, "same.txt"), "utf8").trim(), second);
    } finally {
      agent.kill("SIGTERM");
      await agent.exited;
    }
  });

  it("the agent renews a renewable database lease, then fetches new credentials near its maximum TTL", async () => {
    const dir = tempProject({
      "db.ctmpl":
        '{{ with secret "database/creds/app" }}{{ .Data.username }} renewable={{ .Renewable }} ttl={{ .LeaseDuration }}{{ end }}\n',
      "agent.yaml":
        "interval: 60s\ntemplates:\n  - { source: db.ctmpl, destination: db.txt }\nexec:\n  command: [sh, -c, 'cat db.txt >> starts.log; exec sleep 60']\n",
    });
    const agent = spawnCli(["agent", "-a", "agent.yaml", "--log-format", "json"], {
      cwd: dir,
      env: env(dir),
    });
    try {
      const starts = () => startsIn(dir);
      await until("the first start", () => starts().split("\n").length === 2);
      assert.match(starts(), /^v-\S+ renewable=true ttl=6\n$/);
      await until("a renewal", () => agent.stderr().includes('"event":"lease-renewed"'), 8000);
      assert.equal(starts().split("\n").length, 2, "a renewal keeps the credentials and the child");
      await until(
        "new credentials after the maximum TTL",
        () => starts().split("\n").length === 3,
        15_000,
      );
      const [first, second] = starts().trim().split("\n");
      assert.notEqual(second?.split(" ")[0], first?.split(" ")[0]);
      assert.ok(!agent.stderr().includes(PG_PASSWORD), "no password in the agent's log");
    } finally {
      agent.kill("SIGTERM");
      await agent.exited;
    }
  });
});
