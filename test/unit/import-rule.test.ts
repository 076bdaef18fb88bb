import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { ROOT, runCli, tempProject } from "../helpers/cli.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("architecture", () => {
  const src = join(ROOT, "src");
  const files = sources(src).map((path) => ({
    path: relative(src, path),
    text: readFileSync(path, "utf8"),
  }));

  it("the library never imports the CLI (cli -> library, never the reverse)", () => {
    const offenders = files.filter(
      (file) => !file.path.startsWith("cli/") && /from "(\.\.?\/)+cli\//.test(file.text),
    );
    assert.deepEqual(
      offenders.map((file) => file.path),
      [],
    );
  });

  it("the library never exits the process or writes to the console", () => {
    const offenders = files.filter(
      (file) =>
        !file.path.startsWith("cli/") &&
        /process\.exit|console\.(log|error|warn|info)\(/.test(file.text),
    );
    assert.deepEqual(
      offenders.map((file) => file.path),
      [],
    );
  });

  it("schema/ is the bottom layer: it imports nothing of Strongbox's but errors", () => {
    const offenders = files
      .filter((file) => file.path.startsWith("schema/"))
      .flatMap((file) =>
        [...file.text.matchAll(/from "(\.\.\/[^"]+)"/g)]
          .map((match) => match[1] as string)
          .filter((target) => target !== "../errors.js")
          .map((target) => `${file.path} -> ${target}`),
      );
    assert.deepEqual(offenders, []);
  });

  it("shared code never branches on a provider's scheme", () => {
    const offenders = files.filter(
      (file) =>
        !file.path.startsWith("providers/") &&
        /scheme === "(vault|store|env|file)"/.test(file.text),
    );
    assert.deepEqual(
      offenders.map((file) => file.path),
      [],
    );
  });
});

describe("documentation of errors", () => {
  it("docs/errors.md names every error code, with the exit status the CLI uses", async () => {
    const { EXIT_CODES } = await import("../../src/cli/exit-codes.js");
    const doc = readFileSync(join(ROOT, "docs/errors.md"), "utf8");
    const vault = readFileSync(join(ROOT, "docs/vault.md"), "utf8");
    const missing = Object.entries(EXIT_CODES).filter(([code, exit]) => {
      const table = code.startsWith("E_VAULT") ? vault : doc;
      const row = table.split("\n").find((line) => line.startsWith(`| \`${code}\``));
      return row === undefined || !row.includes(`| ${exit}`);
    });
    assert.deepEqual(missing, []);
  });

  it("`strongbox --help` lists every error code under its exit status", async () => {
    const { EXIT_CODES } = await import("../../src/cli/exit-codes.js");
    const help = await runCli(["--help"], { cwd: tempProject() });
    assert.equal(help.code, 0);
    for (const [code, status] of Object.entries(EXIT_CODES)) {
      const block = help.stdout
        .split(/\n(?= {2}\d)/)
        .find((part) => new RegExp(` ${code}(\\s|$)`).test(part));
      assert.ok(block?.trimStart().startsWith(`${status} `), `${code} under ${status}`);
    }
  });
});

describe("the provider seam", () => {
  const src = join(ROOT, "src");
  const shared = sources(src)
    .map((path) => ({ path: relative(src, path), text: readFileSync(path, "utf8") }))
    .filter(
      (file) =>
        /^(environments|schema|resolve)\//.test(file.path) || file.path === "project/load.ts",
    );
  /** The file with comments removed: words in prose are fine, literals in code are not. */
  const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

  it("policy, environments, the schema check and the resolver name no provider's kind or scheme", () => {
    const offenders = shared.filter((file) =>
      /"(vault|store|file)"|["`'](env|file|store|vault)(:\/\/)/.test(code(file.text)),
    );
    assert.deepEqual(
      offenders.map((file) => file.path),
      [],
    );
  });

  it('no code outside a provider\'s folder spells a registered scheme (`"vault://"`-style literals)', async () => {
    const { knownSchemes } = await import("../../src/providers/registry.js");
    const spelled = new RegExp(`["'\`](${knownSchemes().join("|")}):\\/\\/`);
    const offenders = sources(src)
      .filter((path) => !relative(src, path).startsWith("providers/"))
      .filter((path) => spelled.test(code(readFileSync(path, "utf8"))))
      .map((path) => relative(src, path));
    assert.deepEqual(offenders, []);
    // The check is live: it catches the literal the Vault-only operations used to test for.
    assert.ok(spelled.test('text.startsWith("vault://")'));
    assert.ok(spelled.test("`azure-kv://${vault}`"));
  });

  it("no closed union of source kinds: a new provider needs no edit to shared types", async () => {
    const { sourceKinds } = await import("../../src/providers/registry.js");
    // The process environment and .env files are also the resolver's own candidate stages
    // ("env" | "dotenv" | "ref" | …), which name where a candidate came from, not a provider.
    const kinds = sourceKinds()
      .map((info) => info.kind)
      .filter((kind) => kind !== "env" && kind !== "dotenv");
    const quoted = `"(${kinds.join("|")})"`;
    const union = new RegExp(`${quoted}\\s*\\||\\|\\s*${quoted}`);
    const offenders = sources(src)
      .filter((path) => !relative(src, path).startsWith("providers/"))
      .filter((path) => union.test(readFileSync(path, "utf8")))
      .map((path) => relative(src, path));
    assert.deepEqual(offenders, []);
    assert.ok(union.test('type Kind = "vault" | "aws-sm"'), "the check is live");
  });
});

describe("exit statuses", () => {
  it("commands turn verdicts into statuses through the exit-code table, never a literal", () => {
    const commands = join(ROOT, "src/cli/commands");
    const offenders = sources(commands).filter((path) =>
      /\?\s*0\s*:\s*[1-9]|return\s+\d+\s*;/.test(readFileSync(path, "utf8")),
    );
    assert.deepEqual(offenders, []);
  });
});
