// `strongbox init --from` (issue 13): a config scaffolded from an existing .env,
// shown for review, written only when confirmed, valid, and never holding a secret.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { checkSchema } from "../../src/config/check-schema.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { CLI, ROOT, runCli, tempProject } from "../helpers/cli.js";
import { onTerminal } from "../helpers/pty.js";

const EXAMPLE = `# HTTP port
PORT=8080
DEBUG=false
# PostgreSQL connection [VAULT]
DATABASE_URL=postgresql://app:scaffold-canary-pw@localhost:5432/app
STRIPE_API_KEY=sk_live_scaffoldCanary0123456789
SESSION_SECRET=
CACHE_TTL=30s
RATIO=0.75
API_URL=https://api.example.com/v1
WORKERS=4
GREETING=hello world
`;

describe("init --from", () => {
  it("without a terminal or --yes: shows the proposal, writes nothing", async () => {
    const dir = tempProject({ ".env.example": EXAMPLE });
    const result = await runCli(["init", "--from", ".env.example"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^# yaml-language-server: \$schema=/);
    assert.match(result.stderr, /nothing written; run with --yes/);
    assert.equal(existsSync(join(dir, "strongbox.config.yaml")), false);
    assert.equal(existsSync(join(dir, ".strongbox")), false);
  });

  it("--yes: types and secret flags guessed, no secret value copied, valid, .gitignore and store made", async () => {
    const dir = tempProject({ ".env.example": EXAMPLE, ".gitignore": "node_modules\n.env\n" });
    const result = await runCli(["init", "--from", ".env.example", "--yes"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(join(dir, "strongbox.config.yaml"), "utf8");
    assert.ok(!text.includes("scaffold-canary") && !text.includes("scaffoldCanary"), text);
    const config = parse(text) as ConfigSpec;
    const shape = Object.fromEntries(
      Object.entries(config.variables).map(([name, spec]) => [
        name,
        `${spec.type ?? "string"}${spec.secret ? " secret" : ""}${spec.default === undefined ? "" : ` =${JSON.stringify(spec.default)}`}`,
      ]),
    );
    assert.deepEqual(shape, {
      PORT: "port =8080",
      DEBUG: "boolean =false",
      DATABASE_URL: "url secret",
      STRIPE_API_KEY: "string secret",
      SESSION_SECRET: "string secret",
      CACHE_TTL: 'duration ="30s"',
      RATIO: "number =0.75",
      API_URL: 'url ="https://api.example.com/v1"',
      WORKERS: "int =4",
      GREETING: 'string ="hello world"',
    });
    assert.equal(config.variables.PORT?.description, "HTTP port");
    assert.equal(config.variables.DATABASE_URL?.description, "PostgreSQL connection");
    const schema = JSON.parse(
      readFileSync(join(ROOT, "schema/strongbox.config.schema.json"), "utf8"),
    );
    assert.ok(new Ajv({ strict: false }).validate(schema, config));
    assert.deepEqual(checkSchema(config), []);
    assert.equal(
      readFileSync(join(dir, ".gitignore"), "utf8"),
      "node_modules\n.env\n.env.*\n!.env.example\n",
    );
    assert.ok(existsSync(join(dir, ".strongbox")), "the store is made too");
    const again = await runCli(["init", "--from", ".env.example", "--yes"], { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /strongbox\.config\.yaml already exists; nothing was written/);
  });

  it("on a terminal: asks, and writes on yes", async () => {
    const dir = tempProject({ ".env.example": "PORT=8080\n" });
    const result = await onTerminal([process.execPath, CLI, "init", "--from", ".env.example"], {
      cwd: dir,
      after: "write strongbox.config.yaml? [y/N]",
      keys: "y\r",
    });
    assert.equal(result.code, 0, result.output);
    assert.ok(existsSync(join(dir, "strongbox.config.yaml")));
  });

  it("a missing file is named", async () => {
    const dir = tempProject();
    const result = await runCli(["init", "--from", ".env.nope"], { cwd: dir });
    assert.equal(result.code, 6);
    assert.match(result.stderr, /init --from: \.env\.nope does not exist/);
  });
});
