// Issue 26 red team, items 1-3: what `passUndeclared: true` may pass to a child, and what an
// undeclared-key warning may print. Each test performs the attack over generated variants.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { knownSchemes } from "../../src/providers/registry.js";
import { type Bao, type RecordingProxy, recordingProxy, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { credentialNameVariants } from "../helpers/credential-names.js";

const TAG = randomBytes(4).toString("hex");
const PASS = "passUndeclared: true\nvariables:\n  PORT: { default: 1 }\n";
/** The child's whole environment, hex-encoded so masking cannot hide what it received. */
const DUMP = [
  "--",
  process.execPath,
  "-e",
  "console.log(Buffer.from(JSON.stringify(process.env)).toString('hex'))",
];
const childEnv = (stdout: string): Record<string, string> =>
  JSON.parse(Buffer.from(stdout.trim(), "hex").toString("utf8"));

// Every credential by the rule: each declared name, under an environment's prefix, and its `_FILE`.
const NAMES = credentialNameVariants();

describe("passUndeclared never passes a credential (red team 26, item 1)", () => {
  it("no credential name in .env reaches the child: neither the ambient canary nor the .env value", async () => {
    assert.ok(NAMES.length > 40, String(NAMES.length));
    const ambient = Object.fromEntries(NAMES.map((n, i) => [n, `ambientcanary${i}x${TAG}`]));
    const dotenv = NAMES.map((n, i) => `${n}=dotenvvalue${i}x${TAG}`).join("\n");
    const dir = tempProject({
      "strongbox.config.yaml": PASS,
      ".env": `${dotenv}\nHARMLESS=ok${TAG}\n`,
    });
    const result = await runCli(["run", "--no-mask", ...DUMP], { cwd: dir, env: ambient });
    assert.equal(result.code, 0, result.stderr);
    const seen = childEnv(result.stdout);
    // The control: an undeclared non-credential is passed, so the test is not empty.
    assert.equal(seen.HARMLESS, `ok${TAG}`);
    const leaked = Object.entries(seen).filter(([, v]) => v.includes(TAG) && v !== `ok${TAG}`);
    assert.deepEqual(leaked, []);
    for (const [i, name] of NAMES.entries())
      assert.match(
        result.stderr,
        new RegExp(`${name} \\(\\.env line ${i + 1}\\) is a credential Strongbox keeps to itself`),
      );
    assert.doesNotMatch(result.stderr + result.stdout, /canary|dotenvvalue/);
  });

  it("an undeclared key's value comes from .env only, never the process environment", async () => {
    const dir = tempProject({ "strongbox.config.yaml": PASS, ".env": "EXTRA=from-dotenv\n" });
    const result = await runCli(["run", "--no-mask", ...DUMP], {
      cwd: dir,
      env: { EXTRA: `ambient${TAG}` },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(childEnv(result.stdout).EXTRA, "from-dotenv");
  });
});

describe("passUndeclared never follows a reference (red team 26, item 2)", () => {
  let bao: Bao;
  let proxy: RecordingProxy;
  let proxyAddr: string;
  /** Every request path Strongbox sent to the server, through a recording proxy. */
  let seen: string[] = [];
  const SECRET = `rootcanary${TAG}`;
  before(async () => {
    bao = await startBao();
    bao.cli(["kv", "put", "secret/shop/production/admin", `ROOT_PASSWORD=${SECRET}`]);
    proxy = await recordingProxy(bao.addr);
    proxyAddr = proxy.addr;
    seen = proxy.seen;
  });
  after(async () => {
    proxy?.close();
    await bao?.stop();
  });

  it("a ref of every registered scheme as an undeclared value is neither read nor passed", async () => {
    const schemes = knownSchemes();
    assert.ok(schemes.includes("vault"), schemes.join(","));
    const lines = schemes.map(
      (s, i) => `STOLEN_${i}=${s}://secret/shop/production/admin#ROOT_PASSWORD`,
    );
    const dir = tempProject({
      "strongbox.config.yaml": `${PASS}environments:\n  production:\n    files: [.env]\n    secrets: { from: [vault] }\n`,
      ".env": `${lines.join("\n")}\nPLAIN=text${TAG}\n`,
    });
    const result = await runCli(["run", "-e", "production", "--no-mask", ...DUMP], {
      cwd: dir,
      env: { VAULT_ADDR: proxyAddr, VAULT_TOKEN: bao.rootToken },
    });
    const all = result.stdout + result.stderr;
    assert.doesNotMatch(all, new RegExp(SECRET));
    assert.doesNotMatch(all, /unrecorded/);
    if (result.code === 0) {
      const seen = childEnv(result.stdout);
      assert.ok(!JSON.stringify(seen).includes(SECRET));
      for (const [i] of schemes.entries()) assert.equal(seen[`STOLEN_${i}`], undefined);
    }
    for (const [i] of schemes.entries())
      assert.match(
        result.stderr,
        new RegExp(`STOLEN_${i} \\(\\.env line ${i + 1}\\) holds a reference`),
      );
    // The server got no request for the path: nothing was read behind the audit's back.
    assert.deepEqual(
      seen.filter((url) => url.includes("shop")),
      [],
    );
  });
});

/** Secret-looking lines a person may paste into .env on their own: with and without `=`. */
function pastedSecrets(): string[] {
  const bytes = randomBytes(33);
  const b64 = bytes.toString("base64");
  const b64url = bytes.toString("base64url");
  const jwt = [randomBytes(12), randomBytes(20), randomBytes(32)]
    .map((b) => b.toString("base64url"))
    .join(".");
  // Base64 with no `+` or `/` has a variable name's characters: only its shape gives it away.
  const alnum = `b3RoZXJ${randomBytes(24).toString("base64").replace(/[+/=]/g, "A")}`;
  const bases = [b64, `${b64.slice(0, -2)}==`, `${b64.slice(0, -1)}=`, b64url, jwt, alnum];
  return bases.flatMap((token) => [`${token}=`, `${token} = `, `${token}==`, token]);
}

describe("an undeclared-key warning never prints a pasted secret (red team 26, item 3)", () => {
  for (const pass of [false, true])
    it(`generated base64, base64url and JWT-like lines (passUndeclared: ${pass})`, async () => {
      const lines = pastedSecrets();
      const config = `${pass ? "passUndeclared: true\n" : ""}variables:\n  PORT: { default: 1 }\n`;
      for (const line of lines) {
        const dir = tempProject({ "strongbox.config.yaml": config, ".env": `PORT=2\n${line}\n` });
        const token = line.replace(/[ =]+$/, "").replace(/=+$/, "");
        for (const args of [["check"], ["run", ...DUMP]]) {
          const result = await runCli(args, { cwd: dir });
          const all = result.stdout + result.stderr;
          // Any long piece of the token counts as a leak, not only the whole of it.
          for (let at = 0; at + 12 <= token.length; at += 6)
            assert.ok(
              !all.includes(token.slice(at, at + 12)),
              `${args[0]} printed ${line}: ${all}`,
            );
          if (args[0] === "check" && /=/.test(line))
            assert.match(
              result.stderr,
              /\.env line 2 is not a variable assignment|\.env:2: expected KEY=value/,
            );
        }
      }
    });
});
