// A default that is a URL is a literal like any other (issue 26, journey 3):
// when Vault is stopped or absent, outside pure mode, every variable with a
// default falls back to it, whatever scheme the default's text has. Only a
// default that is itself a reference (`store://…`) is not a fallback.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { freePort, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

/** Defaults of every shape a setting has: URLs of many schemes, and plain values. */
const DEFAULTS: Record<string, string | number | boolean> = {
  S3_ENDPOINT: "http://localhost:9000",
  API_BASE: "https://api.example.com/v1",
  DATABASE_URL: "postgresql://postgres:postgres@localhost:5432/app",
  REDIS_URL: "redis://localhost:6379/0",
  AMQP_URL: "amqp://guest:guest@localhost:5672",
  MONGO_URL: "mongodb+srv://cluster.example.test/db",
  MAILTO: "mailto:ops@example.com",
  S3_BUCKET: "statements",
  WORKERS: 4,
  DEBUG: false,
};

const config = () =>
  stringify({
    project: "shop",
    variables: Object.fromEntries(
      Object.entries(DEFAULTS).map(([name, value]) => [
        name,
        {
          ...(typeof value === "number" ? { type: "int" } : {}),
          ...(typeof value === "boolean" ? { type: "boolean" } : {}),
          default: value,
          ref: `vault://secret/{project}/{env}/app#${name}`,
        },
      ]),
    ),
  });

describe("a URL default falls back when Vault is down", () => {
  it("stopped Vault and absent Vault: every default is used, with a warning each; exit 0", async () => {
    const bao = await startBao();
    const stopped = bao.addr;
    await bao.stop();
    const absent = `http://127.0.0.1:${await freePort()}`;
    for (const addr of [stopped, absent]) {
      const dir = tempProject({ "strongbox.config.yaml": config() });
      const result = await runCli(["check", "--json"], {
        cwd: dir,
        env: { VAULT_ADDR: addr, VAULT_TOKEN: "unused" },
      });
      assert.equal(result.code, 0, `${addr}: ${result.stdout}${result.stderr}`);
      assert.equal(JSON.parse(result.stdout).variables, Object.keys(DEFAULTS).length);
      for (const name of Object.keys(DEFAULTS))
        assert.match(
          result.stderr,
          new RegExp(
            `${name}: Vault could not be reached \\(E_VAULT_UNREACHABLE\\); using the schema default`,
          ),
        );
    }
  });

  it("a reference in a .env file falls back to a URL default; a default that is a reference does not stand in", async () => {
    const addr = `http://127.0.0.1:${await freePort()}`;
    const dir = tempProject({
      "strongbox.config.yaml":
        "project: shop\nvariables:\n  S3_ENDPOINT: { type: url, default: 'http://localhost:9000' }\n  OTHER: { default: 'store://OTHER', ref: 'vault://secret/shop/app#OTHER' }\n",
      ".env": "S3_ENDPOINT=vault://secret/shop/app#S3_ENDPOINT\n",
    });
    const result = await runCli(["check"], {
      cwd: dir,
      env: { VAULT_ADDR: addr, VAULT_TOKEN: "x" },
    });
    assert.match(
      result.stderr,
      /S3_ENDPOINT: Vault could not be reached .*using the schema default/,
    );
    assert.doesNotMatch(result.stderr, /OTHER: Vault could not be reached .*using/);
    assert.equal(result.code, 10, result.stderr);
  });
});
