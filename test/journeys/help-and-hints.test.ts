// Issue 26's smaller text items: help that says what the code does, and hints
// that point at the fix that works. Each list a help or hint names is derived
// from the records it describes (formats, providers, a command's options), so
// the tests walk those records rather than naming today's entries.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { COMMANDS } from "../../src/cli/command-table.js";
import { FORMATS } from "../../src/format/formats.js";
import { knownSchemes } from "../../src/providers/registry.js";
import { startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

describe("help says what the code does", () => {
  it("the top-level help's export line names every format export knows", async () => {
    const help = await runCli(["--help"], { cwd: tempProject() });
    const line = help.stdout.split("\n").find((text) => /^\s+export\s/.test(text)) ?? "";
    for (const format of FORMATS) assert.match(line, new RegExp(`\\b${format}\\b`), line);
  });

  it("export --help describes dotenv's quoting as export writes it", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  PLAIN: {}\n  SPACED: {}\n  QUOTE: {}\n",
      ".env": "PLAIN=abc\nSPACED='a b'\nQUOTE=\"it's\"\n",
    });
    const out = await runCli(["export", "--format", "dotenv"], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^PLAIN=abc$/m); // bare: not every value is quoted
    assert.match(out.stdout, /^SPACED='a b'$/m);
    assert.match(out.stdout, /^QUOTE="it's"$/m);
    const help = (await runCli(["export", "--help"], { cwd: dir })).stdout;
    const dotenv = help.slice(help.indexOf("  dotenv"), help.indexOf("  json"));
    assert.doesNotMatch(dotenv, /KEY='value'/);
    assert.match(dotenv, /quoted only when it needs it/);
  });

  it("no command's help lists an option twice", async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const usage = (await entry.load()).usage;
      const flags = [...usage.matchAll(/^ {2}(?:(-[A-Za-z]), )? {0,4}(--[a-z][\w-]*)/gm)].flatMap(
        (match) => [match[1], match[2]].filter((flag): flag is string => flag !== undefined),
      );
      const twice = flags.filter((flag, index) => flags.indexOf(flag) !== index);
      assert.deepEqual(twice, [], `strongbox ${name} --help lists ${twice.join(", ")} twice`);
    }
  });
});

describe("hints point at the fix that works", () => {
  it("an unknown reference scheme lists every provider's scheme", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  A: { ref: 'nope://x' }\n",
    });
    const out = await runCli(["check"], { cwd: dir });
    assert.equal(out.code, 3, out.stderr);
    const hint = /known schemes: ([^\n]*)/.exec(out.stderr)?.[1] ?? "";
    for (const scheme of knownSchemes()) assert.match(hint, new RegExp(`\\b${scheme}\\b`), hint);
  });

  it("an empty or non-mapping YAML config gets YAML advice, not TypeScript's", async () => {
    for (const text of ["", "# only a comment\n", "[]\n", "hello\n", "project: shop\n"]) {
      const dir = tempProject({ "strongbox.config.yaml": text });
      const out = await runCli(["check"], { cwd: dir });
      assert.equal(out.code, 3, `${JSON.stringify(text)}: ${out.stderr}`);
      assert.match(out.stderr, /`variables:` map/, JSON.stringify(text));
      assert.doesNotMatch(out.stderr, /export default|export defineConfig/, JSON.stringify(text));
    }
  });

  it("a template naming a variable with a typo suggests the declared one", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  DATABASE_URL: { default: 'postgres://db/app' }\n",
      "app.tmpl": 'DB={{ strongbox "DATABSE_URL" }}\n',
    });
    const out = await runCli(["render", "-i", "app.tmpl", "--dry"], { cwd: dir });
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /did you mean `DATABASE_URL`\?/);
  });

  it("check --layers suggests the declared name for a typo in the template or in .env.example", async () => {
    const config =
      "project: shop\nvariables:\n  DATABASE_URL: { type: url, secret: true, ref: { production: 'vault://secret/{project}/{env}/app#DATABASE_URL' } }\n";
    const dir = tempProject({ "strongbox.config.yaml": config });
    for (const layer of ["ctmpl", "example"])
      assert.equal((await runCli(["generate", layer], { cwd: dir })).code, 0);
    for (const [file, rule] of [
      ["secrets.ctmpl", "template-orphan"],
      [".env.example", "example-orphan"],
    ] as const) {
      const path = join(dir, file);
      writeFileSync(path, readFileSync(path, "utf8").replaceAll("DATABASE_URL", "DATABSE_URL"));
      const out = await runCli(["check", "--layers"], { cwd: dir });
      assert.equal(out.code, 4, out.stderr);
      assert.match(
        out.stderr,
        new RegExp(`DATABSE_URL[^\\n]*\\(${rule}\\)\\n {6}hint: did you mean DATABASE_URL\\?`),
        out.stderr,
      );
    }
  });

  it("the problem count matches the lines: problems sharing a cause say they are listed once", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  A: { secret: true, ref: 'vault://secret/app#A' }\n  B: { secret: true, ref: 'vault://secret/app#B' }\n  C: { secret: true, ref: 'vault://secret/app#C' }\n",
    });
    const out = await runCli(["check"], {
      cwd: dir,
      env: { VAULT_ADDR: "http://127.0.0.1:9", VAULT_TOKEN: "s.test" },
    });
    const count = Number(/has (\d+) problems?/.exec(out.stderr)?.[1]);
    const lines = out.stderr.split("\n").filter((line) => line.startsWith("  ✗")).length;
    assert.equal(count, 3, out.stderr);
    assert.equal(lines, 1, out.stderr);
    assert.match(
      out.stderr,
      /has 3 problems \(one cause, listed once with the variables it concerns\)/,
    );
  });

  it("a store only a Transit key opens, without Vault credentials, says how to use that key (not keygen first)", async () => {
    const bao = await startBao();
    try {
      bao.cli(["secrets", "enable", "transit"]);
      bao.cli(["write", "-f", "transit/keys/deploy"]);
      const dir = tempProject({ "strongbox.config.yaml": "variables:\n  A: {}\n" });
      const vault = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
      const init = await runCli(["init", "--recipient", "deploy=transit:transit/deploy"], {
        cwd: dir,
        env: vault,
      });
      assert.equal(init.code, 0, init.stderr);
      for (const env of [{}, vault]) {
        const out = await runCli(["list"], { cwd: dir, env });
        assert.equal(out.code, 7, out.stderr);
        const hint = /strongbox: hint: ([^\n]*)/.exec(out.stderr)?.[1] ?? "";
        assert.match(hint, /^run where transit:transit\/deploy opens/, hint);
        assert.match(hint, /VAULT_ADDR/);
        assert.match(hint, /STRONGBOX_REMOTE_RECIPIENTS=transit:transit\/deploy/);
      }
    } finally {
      await bao.stop();
    }
  });
});
