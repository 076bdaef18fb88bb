// The TLS files a Vault connection names (issue 26): VAULT_CACERT naming a
// missing file gave a bare "the vault provider failed (E_PROVIDER)". Every
// variable that names a TLS file, under both spellings, with every fault
// (missing, a directory where a file goes and back, unreadable, not PEM) is
// one paragraph naming the variable and the file; the good forms connect
// over real TLS.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

const CONFIG =
  "project: shop\nvariables:\n  API_KEY: { secret: true, ref: 'vault://secret/shop/app#API_KEY' }\n";
const CANARY = "tls-files-canary-7f3a";

describe("Vault TLS files named by variables", () => {
  let bao: Bao;
  let dir: string;
  let files: Record<string, string>;
  let socket: Server;
  // Paths that are no regular file (red team, issue 26: a FIFO hung, /dev/zero burned CPU), each
  // also through a symlink: a read must refuse them, never block or run on.
  let special: { path: string; says: RegExp }[];
  before(async () => {
    bao = await startBao({ tls: true });
    bao.cli(["kv", "put", "-mount=secret", "shop/app", `API_KEY=${CANARY}`]);
    dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const cas = join(dir, "cas");
    mkdirSync(cas);
    copyFileSync(bao.caCert as string, join(cas, "dev-ca.pem"));
    writeFileSync(join(cas, "README"), "not a certificate\n");
    writeFileSync(join(dir, "ca.der"), Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02]));
    files = { cas, der: join(dir, "ca.der"), missing: join(dir, "no-such-ca.pem") };
    execFileSync("mkfifo", [join(dir, "fifo.pem")]);
    socket = createServer();
    await new Promise<void>((resolve) => socket.listen(join(dir, "sock.pem"), resolve));
    writeFileSync(
      join(dir, "big.pem"),
      `-----BEGIN CERTIFICATE-----\n${"A".repeat(1024 * 1024)}\n`,
    );
    const notRegular = /is not a regular file \(a FIFO, device or socket\)/;
    const targets = [
      { path: join(dir, "fifo.pem"), says: notRegular },
      { path: "/dev/zero", says: notRegular },
      { path: "/dev/null", says: notRegular },
      { path: join(dir, "sock.pem"), says: notRegular },
      { path: join(dir, "big.pem"), says: /is larger than 1 MiB/ },
    ];
    special = targets.flatMap((target, i) => {
      const link = join(dir, `link-${i}.pem`);
      symlinkSync(target.path, link);
      return [target, { path: link, says: target.says }];
    });
    // A CA directory holding only such entries: skipped, never read to the end.
    const odd = join(dir, "odd-cas");
    mkdirSync(odd);
    for (const [i, target] of targets.entries()) symlinkSync(target.path, join(odd, `${i}.pem`));
    files.odd = odd;
  });
  after(async () => {
    socket?.close();
    await bao.stop();
  });

  const check = (env: Record<string, string>) =>
    runCli(
      [
        "run",
        "--",
        "node",
        "-e",
        "process.stdout.write(require('node:crypto').createHash('sha256').update(process.env.API_KEY ?? '').digest('hex'))",
      ],
      {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken, ...env },
      },
    );

  it("the CA as a file (VAULT_CACERT, BAO_CACERT) or in a directory (VAULT_CAPATH, BAO_CAPATH) connects", async () => {
    for (const [name, path] of [
      ["VAULT_CACERT", bao.caCert as string],
      ["BAO_CACERT", bao.caCert as string],
      ["VAULT_CAPATH", files.cas as string],
      ["BAO_CAPATH", files.cas as string],
    ] as const) {
      const result = await check({ [name]: path });
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.equal(result.stdout.trim(), createHash("sha256").update(CANARY).digest("hex"));
    }
  });

  it("every TLS file variable with every fault: one paragraph naming the variable and the file, no stack", async () => {
    const faults = (kind: "file" | "dir") =>
      kind === "file"
        ? [
            { path: files.missing as string, says: /does not exist/ },
            { path: files.cas as string, says: /is a directory, not a file/ },
            { path: "/proc/self/clear_refs", says: /cannot be read/ },
            { path: files.der as string, says: /is not a PEM (certificate|private key)/ },
            ...special,
          ]
        : [
            { path: files.missing as string, says: /does not exist/ },
            { path: bao.caCert as string, says: /is a file, not a directory/ },
            { path: dir, says: /holds no readable PEM certificate/ },
            { path: files.odd as string, says: /holds no readable PEM certificate/ },
          ];
    const variables = ["CACERT", "CAPATH", "CLIENT_CERT", "CLIENT_KEY"].flatMap((suffix) =>
      ["VAULT_", "BAO_"].map((prefix) => ({
        name: `${prefix}${suffix}`,
        kind: suffix === "CAPATH" ? ("dir" as const) : ("file" as const),
      })),
    );
    let cases = 0;
    for (const { name, kind } of variables)
      for (const fault of faults(kind)) {
        // The good CA stays set beside a faulty client file: the fault alone fails.
        const env = name.includes("CLIENT")
          ? { VAULT_CACERT: bao.caCert as string, [name]: fault.path }
          : { [name]: fault.path };
        const result = await check(env);
        const label = `${name}=${fault.path}`;
        assert.notEqual(result.code, 0, label);
        // A client key variable is a credential: a value naming nothing is masked (it may be a
        // pasted key, src/exec/credential-values.ts); a path that exists is shown.
        const masked = name.endsWith("CLIENT_KEY") && fault.path === files.missing;
        assert.ok(
          result.stderr.includes(
            `${name} names ${masked ? `<redacted:${name}>` : fault.path}, which `,
          ),
          `${label}: ${result.stderr}`,
        );
        assert.match(result.stderr, fault.says, label);
        assert.match(result.stderr, /\(E_CONFIG\)/, label);
        assert.match(result.stderr, new RegExp(`hint: .*${name}`), label);
        assert.doesNotMatch(result.stderr, /E_PROVIDER|provider failed|\n\s+at /, label);
        assert.ok(!`${result.stdout}${result.stderr}`.includes(CANARY), label);
        cases++;
      }
    assert.equal(cases, 3 * 2 * (4 + special.length) + 2 * 4);
  });
});
