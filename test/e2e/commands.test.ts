import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { parseDotenv } from "../../src/dotenv/parse.js";
import { CLI, runCli, tempProject } from "../helpers/cli.js";

const CONFIG = `variables:
  NAME: { default: "it's a \\"name\\" with $dollar" }
  MULTI: { required: false }
  TOKEN: { secret: true }
  PORT: { type: port, default: 8080 }
`;
const project = () =>
  tempProject({
    "strongbox.config.yaml": CONFIG,
    ".env": 'TOKEN=sec-ret-value\nMULTI="line1\\nline2 #x"\n',
  });

describe("export", () => {
  it("writes dotenv that our parser reads back exactly", async () => {
    const result = await runCli(["export"], { cwd: project() });
    assert.equal(result.code, 0, result.stderr);
    const back = Object.fromEntries(
      parseDotenv(result.stdout, { lookup: () => "X" }).entries.map((e) => [e.key, e.value]),
    );
    assert.deepEqual(back, {
      NAME: `it's a "name" with $dollar`,
      MULTI: "line1\nline2 #x",
      TOKEN: "sec-ret-value",
      PORT: "8080",
    });
  });

  it("writes shell that a POSIX shell evaluates to the same values", async () => {
    const dir = project();
    const out = execFileSync(
      "sh",
      [
        "-c",
        `eval "$(${process.execPath} ${CLI} export --format shell)"; printf '%s|%s' "$NAME" "$MULTI"`,
      ],
      {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: dir, STRONGBOX_CACHE_DIR: `${dir}/.cache` },
      },
    ).toString();
    assert.equal(out, `it's a "name" with $dollar|line1\nline2 #x`);
  });

  it("writes json, filters secrets, and refuses docker output for a multi-line value", async () => {
    const dir = project();
    assert.deepEqual(
      JSON.parse(
        (await runCli(["export", "--format", "json", "--only-secrets"], { cwd: dir })).stdout,
      ),
      { TOKEN: "sec-ret-value" },
    );
    assert.ok(!(await runCli(["export", "--no-secrets"], { cwd: dir })).stdout.includes("TOKEN"));
    const docker = await runCli(["export", "--format", "docker"], { cwd: dir });
    assert.equal(docker.code, 6);
    assert.match(docker.stderr, /MULTI: cannot write in docker format/);
    const unknown = await runCli(["export", "--format", "xml"], { cwd: dir });
    assert.equal(unknown.code, 2);
  });
});

describe("check", () => {
  it("exits 0 with a summary, or 4 with every problem; --json for machines", async () => {
    const dir = project();
    const ok = await runCli(["check"], { cwd: dir });
    assert.equal(ok.code, 0);
    assert.match(ok.stderr, /ok: 4 variables resolved for environment "local" \(1 secret\)/);
    assert.deepEqual(JSON.parse((await runCli(["check", "--json"], { cwd: dir })).stdout), {
      ok: true,
      issues: [],
      environment: "local",
      variables: 4,
      secrets: 1,
      unset: 0,
    });
    const bad = await runCli(["check", "--json", "-f", "missing.env"], { cwd: dir });
    assert.equal(bad.code, 4);
    const body = JSON.parse(bad.stdout);
    assert.equal(body.ok, false);
    assert.deepEqual(body.error.issues.map((item: { code: string }) => item.code).sort(), [
      "E_IO",
      "E_MISSING",
    ]);
  });

  it("names the declared environments for an unknown one", async () => {
    // (`prod` is production's alias since issue 27: an unknown name is one nothing declares.)
    const result = await runCli(["check", "--env", "nowhere"], { cwd: project() });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /environment "nowhere" is not declared/);
  });
});

describe("explain", () => {
  it("shows winner and shadowed sources, never values", async () => {
    const dir = project();
    const result = await runCli(["explain", "TOKEN", "PORT"], {
      cwd: dir,
      env: { TOKEN: "env-token-value" },
    });
    assert.equal(result.code, 0);
    assert.match(
      result.stdout,
      /TOKEN {2}\[secret, required\]\n {2}✓ from the process environment \(TOKEN\)\n {4}shadows \.env line 1/,
    );
    assert.match(result.stdout, /PORT {2}\[plain, required\]\n {2}✓ from the schema default/);
    assert.ok(
      !result.stdout.includes("env-token-value") && !result.stdout.includes("sec-ret-value"),
    );
    const json = JSON.parse((await runCli(["explain", "--json"], { cwd: dir })).stdout);
    assert.equal(
      json.variables.find((v: { variable: string }) => v.variable === "TOKEN").winner.place,
      ".env line 1",
    );
    assert.ok(!JSON.stringify(json).includes("sec-ret-value"));
  });

  it("rejects names that are not in the schema", async () => {
    const result = await runCli(["explain", "NOPE"], { cwd: project() });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /NOPE is not in the schema/);
  });
});

describe("help and usage", () => {
  it("every command has --help", async () => {
    const dir = project();
    for (const command of ["run", "export", "check", "explain"]) {
      const result = await runCli([command, "--help"], { cwd: dir });
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: strongbox ${command}`));
    }
    assert.match((await runCli(["--help"], { cwd: dir })).stdout, /Commands:\n {2}run/);
  });

  it("unknown commands and options exit 2 with a hint and no stack trace", async () => {
    const dir = project();
    const command = await runCli(["frobnicate"], { cwd: dir });
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command "frobnicate"/);
    const option = await runCli(["check", "--colour"], { cwd: dir });
    assert.equal(option.code, 2);
    assert.match(option.stderr, /check: unknown option --colour/);
    assert.doesNotMatch(option.stderr, /^\s+at /m);
  });
});
