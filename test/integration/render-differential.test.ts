// Strongbox's renderer against the real `bao agent` (issue 15): each template of the
// corpus is rendered by both from the same seeded `bao server -dev`, and the bytes must
// be identical. The corpus grows with each function and semantic implemented; a
// template whose output differs by one byte fails.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, renderWithBaoAgent, startBao } from "../helpers/bao.js";
import { CLI, cleanEnv, tempProject } from "../helpers/cli.js";
import { BINARY, CORPUS, VALUES } from "./render-corpus.js";

describe("render: byte for byte what `bao agent` renders", () => {
  let bao: Bao;
  let dir: string;
  const names = Object.keys(CORPUS);
  before(async () => {
    bao = await startBao();
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "diff/app",
      ...Object.entries(VALUES).map(([k, v]) => `${k}=${v}`),
    ]);
    bao.cli(["secrets", "enable", "-path=kv", "-version=1", "kv"]);
    bao.cli(["kv", "put", "-mount=kv", "legacy", "old=v1-value"]);
    bao.cli(["secrets", "enable", "transit"]);
    bao.cli(["write", "-f", "transit/keys/diffkey"]);
    bao.cli(["secrets", "enable", "pki"]);
    bao.cli(["write", "pki/root/generate/internal", "common_name=example.com", "ttl=24h"]);
    bao.cli(["write", "pki/roles/web", "allowed_domains=example.com", "allow_subdomains=true"]);
    // What pkiCert finds in its destination: a certificate issued earlier, in another
    // order, with text around the blocks; both renderers must keep it and re-encode it alike.
    const issued = JSON.parse(
      bao.cli(["write", "-format=json", "pki/issue/web", "common_name=app.example.com", "ttl=1h"]),
    ).data as { certificate: string; private_key: string; issuing_ca: string };
    const kept = `${issued.private_key}\nserial and notes\n${issued.issuing_ca}\n${issued.certificate}`;
    dir = tempProject();
    // @DIR@ stands for the directory, where both renderers find the corpus's files.
    writeFileSync(join(dir, "data.txt"), "from a file\nline two\n");
    writeFileSync(join(dir, "binary.bin"), BINARY);
    for (const [i, name] of names.entries()) {
      const template = (CORPUS[name] as string).replaceAll("@DIR@", dir);
      writeFileSync(join(dir, `t${i}.ctmpl`), template);
      if (template.includes("pkiCert")) {
        writeFileSync(join(dir, `agent${i}.out`), kept);
        writeFileSync(join(dir, `ours${i}.out`), kept);
      }
    }
    renderWithBaoAgent(
      bao,
      dir,
      names.map((_, i) => [`t${i}.ctmpl`, `agent${i}.out`] as const),
      { MODE: "prod" },
    );
  });
  after(async () => bao.stop());

  for (const [i, name] of names.entries())
    it(name, () => {
      const env = {
        ...cleanEnv(dir),
        VAULT_ADDR: bao.addr,
        VAULT_TOKEN: bao.rootToken,
        MODE: "prod",
      };
      execFileSync(process.execPath, [CLI, "render", "-i", `t${i}.ctmpl`, "-o", `ours${i}.out`], {
        cwd: dir,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      assert.equal(
        readFileSync(join(dir, `ours${i}.out`)).toString("hex"),
        readFileSync(join(dir, `agent${i}.out`)).toString("hex"),
        `${name}:\nagent: ${JSON.stringify(readFileSync(join(dir, `agent${i}.out`), "utf8"))}\nours:  ${JSON.stringify(readFileSync(join(dir, `ours${i}.out`), "utf8"))}`,
      );
    });
});
