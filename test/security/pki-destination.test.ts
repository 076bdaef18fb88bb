// Red team follow-up (item 4): pkiCert reads the certificate its destination holds. That read
// goes through the read guard (project + the named output, real path, no links), after the
// output path is checked, and what it reads is secret: masked by --dry. Every spelling of a
// destination that leads to another service's key pair is tried; none prints it.
import assert from "node:assert/strict";
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

/** A certificate from the server's PKI role, its key and CA, as pkiCert writes them: one PEM bundle. */
function bundle(bao: Bao, name: string): { pem: string; keyLine: string } {
  const issued = JSON.parse(
    bao.cli([
      "write",
      "-format=json",
      "pki/issue/web",
      `common_name=${name}.example.com`,
      "ttl=48h",
    ]),
  ) as { data: { certificate: string; private_key: string; issuing_ca: string } };
  const { certificate, private_key: key, issuing_ca: ca } = issued.data;
  // A line from the middle of the key's base64: what a leak would contain.
  return { pem: `${certificate}\n${key}\n${ca}\n`, keyLine: key.split("\n")[2] as string };
}

describe("pkiCert's kept certificate is read through the read guard", () => {
  const top = tempProject();
  const project = join(top, "p");
  const victimDir = join(top, "h", "secret-tls");
  mkdirSync(victimDir, { recursive: true });
  mkdirSync(project);
  const victim = { pem: "", keyLine: "" };
  writeFileSync(
    join(project, "pki.tmpl"),
    '{{ with pkiCert "pki/issue/web" "common_name=a.example.com" }}{{ .Key }}{{ .Cert }}{{ end }}',
  );
  // A real server (the render asks it where pki/ is mounted); PKI has no role, so only a
  // kept certificate can fill the template (or a fresh one from the role, never another's).
  let bao: Bao;
  const vault: Record<string, string> = {};
  before(async () => {
    bao = await startBao();
    bao.cli(["secrets", "enable", "pki"]);
    bao.cli(["write", "pki/root/generate/internal", "common_name=example.com", "ttl=87600h"]);
    bao.cli([
      "write",
      "pki/roles/web",
      "allowed_domains=example.com",
      "allow_subdomains=true",
      "max_ttl=72h",
    ]);
    Object.assign(vault, { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
    Object.assign(victim, bundle(bao, "victim"));
    writeFileSync(join(victimDir, "bundle.pem"), victim.pem, { mode: 0o600 });
    symlinkSync("../h/secret-tls", join(project, "tls"));
    symlinkSync("../h/secret-tls/bundle.pem", join(project, "linked.pem"));
    linkSync(join(victimDir, "bundle.pem"), join(project, "hard.pem"));
    mkdirSync(join(project, "sub"));
    symlinkSync("../tls", join(project, "sub", "tls2"));
  });
  after(async () => bao?.stop());
  const env = vault;
  const destinations = [
    "tls/bundle.pem",
    "linked.pem",
    "hard.pem",
    "sub/tls2/bundle.pem",
    "./tls/../tls/bundle.pem",
  ];
  for (const destination of destinations)
    for (const flags of [
      ["--dry"],
      ["--dry", "--reveal"],
      ["--dry", "--force"],
      ["--dry", "--reveal", "--force"],
    ])
      it(`attacks: -o ${destination} ${flags.join(" ")} never prints the key it points at`, async () => {
        const result = await runCli(["render", "-i", "pki.tmpl", "-o", destination, ...flags], {
          cwd: project,
          env,
        });
        assert.ok(
          !(result.stdout + result.stderr).includes(victim.keyLine),
          `the victim's key was printed (exit ${result.code})`,
        );
      });

  it("control: a certificate the project's own output holds is kept, and --dry masks its key", async () => {
    const own = bundle(bao, "own");
    writeFileSync(join(project, "own.pem"), own.pem, { mode: 0o600 });
    const shown = await runCli(["render", "-i", "pki.tmpl", "-o", "own.pem", "--dry", "--reveal"], {
      cwd: project,
      env,
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(shown.stdout.includes(own.keyLine), "the kept certificate is used");
    const masked = await runCli(["render", "-i", "pki.tmpl", "-o", "own.pem", "--dry"], {
      cwd: project,
      env,
    });
    assert.equal(masked.code, 0, masked.stderr);
    assert.ok(!masked.stdout.includes(own.keyLine), "--dry masks the kept key");
  });
});
