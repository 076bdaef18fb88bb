import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type CliResult, runCli, tempProject, withModules } from "../helpers/cli.js";

/**
 * Canary secrets go through every error path; no output may contain one, nor
 * its base64, URL-encoded or JSON-escaped form, nor any line of a multi-line one.
 */
const CANARIES = {
  PLAIN: "canary-plain-7f3a9c",
  PEM: "-----BEGIN CANARY KEY-----\ncanaryPemLine1XYZ\ncanaryPemLine2XYZ\n-----END CANARY KEY-----",
  JSON: '{"canary":"json-9d2e","n":1}',
  NOT_A_PORT: "canary-port-5b1d",
  URLISH: "vault://canary-in-a-ref-0c4f",
  DEFAULT: "canary-default-8e6a",
};

function forms(value: string): string[] {
  const all = [
    value,
    Buffer.from(value).toString("base64"),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
  for (const line of value.split("\n"))
    if (line.length >= 8 && !line.startsWith("-----")) all.push(line);
  return all;
}

function assertClean(label: string, ...texts: string[]): void {
  for (const [name, value] of Object.entries(CANARIES)) {
    for (const form of forms(value)) {
      for (const text of texts)
        assert.ok(
          !text.includes(form),
          `${label}: canary ${name} leaked as ${JSON.stringify(form)} in:\n${text}`,
        );
    }
  }
}

const all = (result: CliResult) => [result.stdout, result.stderr];

const CONFIG = `variables:
  PLAIN: { secret: true }
  PEM: { secret: true }
  JSON_BLOB: { secret: true, type: json }
  SECRET_PORT: { secret: true, type: port }
  URLISH: { secret: true }
  WITH_DEFAULT: { secret: true, default: "${CANARIES.DEFAULT}" }
environments:
  local: { files: [.env] }
  production: { secrets: { from: [vault] } }
audit:
  file: audit.jsonl
`;

describe("no secret value in any output", () => {
  const dotenv = [
    `PLAIN=${CANARIES.PLAIN}`,
    `PEM="${CANARIES.PEM.replaceAll("\n", "\\n")}"`,
    `JSON_BLOB='${CANARIES.JSON}'`,
    `SECRET_PORT=${CANARIES.NOT_A_PORT}`,
    `URLISH=${CANARIES.URLISH}`,
    "",
  ].join("\n");

  it("invalid values, malformed refs and forbidden sources report names only", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG, ".env": dotenv });
    const local = await runCli(["check"], { cwd: dir });
    assert.equal(local.code, 4);
    assert.match(
      local.stderr,
      /SECRET_PORT: expected a port number \(1-65535\) \(from \.env line \d+\)/,
    );
    assert.match(local.stderr, /URLISH: malformed reference/);
    assertClean("check", ...all(local));
    const json = await runCli(["check", "--json"], { cwd: dir });
    assertClean("check --json", ...all(json));
    const production = await runCli(["run", "--env", "production", "--", "true"], {
      cwd: dir,
      env: Object.fromEntries(Object.entries(CANARIES).map(([k, v]) => [k, v])),
    });
    assert.equal(production.code, 4);
    assertClean("run --env production", ...all(production));
    const explain = await runCli(["explain", "--json"], {
      cwd: dir,
      env: { PLAIN: CANARIES.PLAIN },
    });
    assertClean("explain", ...all(explain));
    assertClean("audit log", readFileSync(join(dir, "audit.jsonl"), "utf8"));
  });

  it("inline secrets in committed files and parse errors report names only", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": CONFIG,
      ".env.example": `PLAIN=${CANARIES.PLAIN}\n`,
      "broken.env": `PEM="${CANARIES.PEM}\nPLAIN='${CANARIES.PLAIN}\n`,
    });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    const inline = await runCli(["check", "-f", ".env.example"], { cwd: dir });
    assert.match(
      inline.stderr,
      /PLAIN: the secret is written as a literal in \.env\.example line 1, a committed file \(E_INLINE_SECRET\)/,
    );
    assertClean("inline", ...all(inline));
    const broken = await runCli(["check", "-f", "broken.env"], { cwd: dir });
    assert.match(broken.stderr, /broken\.env:\d+: the quoted value of \w+ is never closed/);
    assertClean("parse error", ...all(broken));
  });

  it("schema errors about secret defaults never quote the default", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `variables:\n  P: { secret: true, type: port, default: "${CANARIES.DEFAULT}" }\n`,
    });
    const result = await runCli(["check"], { cwd: dir });
    assert.equal(result.code, 3);
    assertClean("schema", ...all(result));
  });

  it("a validator that echoes its input is scrubbed", async () => {
    const dir = withModules(
      tempProject({
        "strongbox.config.ts": `export default { variables: { PLAIN: { secret: true, schema: { "~standard": { version: 1, vendor: "echo", validate: (v) => ({ issues: [{ message: "rejected " + v }] }) } } } } };\n`,
      }),
    );
    const result = await runCli(["check"], { cwd: dir, env: { PLAIN: CANARIES.PLAIN } });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /PLAIN: rejected \[redacted\]/);
    assertClean("validator", ...all(result));
  });

  it("a child that prints every secret, plainly and encoded, is masked when piped", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  PLAIN: { secret: true }\n  PEM: { secret: true }\n  JSON_BLOB: { secret: true }\n",
    });
    const script = `for (const k of ["PLAIN","PEM","JSON_BLOB"]) { const v = process.env[k]; console.log(v); console.error(Buffer.from(v).toString("base64")); console.log(encodeURIComponent(v)); }`;
    const result = await runCli(["run", "--", process.execPath, "-e", script], {
      cwd: dir,
      env: { PLAIN: CANARIES.PLAIN, PEM: CANARIES.PEM, JSON_BLOB: CANARIES.JSON },
    });
    assert.equal(result.code, 0);
    assertClean("child output", ...all(result));
  });

  it("every export format keeps values off stderr, and refuses what it cannot carry by name only", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  PLAIN: { secret: true }\n  PEM: { secret: true }\n  JSON_BLOB: { secret: true }\n",
    });
    const env = {
      PLAIN: CANARIES.PLAIN,
      PEM: CANARIES.PEM,
      JSON_BLOB: CANARIES.JSON,
      GITHUB_ENV: join(dir, "github_env"),
    };
    const { FORMATS } = await import("../../src/format/formats.js");
    for (const format of FORMATS) {
      const result = await runCli(["export", "--format", format], { cwd: dir, env });
      assertClean(`export --format ${format} (stderr)`, result.stderr);
      if (result.code !== 0) assert.match(result.stderr, /PEM: cannot write in \w+ format/, format);
    }
  });

  it("every template path masks values in --dry output unless --reveal", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  PLAIN: { secret: true }\n",
      "t.tmpl":
        '{{ env "PLAIN" }} {{ strongbox "PLAIN" }} {{ ref "env://PEM" }} {{ env "JSON_BLOB" | toJSON }}\n',
    });
    const env = { PLAIN: CANARIES.PLAIN, PEM: CANARIES.PEM, JSON_BLOB: CANARIES.JSON };
    const dry = await runCli(["render", "-i", "t.tmpl", "--dry"], { cwd: dir, env });
    assert.equal(dry.code, 0, dry.stderr);
    assertClean("render --dry", ...all(dry));
    const revealed = await runCli(["render", "-i", "t.tmpl", "--dry", "--reveal"], {
      cwd: dir,
      env,
    });
    assert.ok(revealed.stdout.includes(CANARIES.PLAIN), "--reveal shows values");
  });
});
