// `init --from` on seed 000's own layers (issue 26, journey 3): the
// .env.example's [VAULT] markers become production's Vault source, knobs
// whose names merely contain a credential word stay plain, and a Pydantic
// settings class (config.py) is read statically into a schema.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { checkSchema } from "../../src/config/check-schema.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { SEED_CONFIG_PY, SEED_ENV_EXAMPLE } from "../helpers/seed-000.js";

const written = (dir: string) =>
  parse(readFileSync(join(dir, "strongbox.config.yaml"), "utf8")) as ConfigSpec;

describe("init --from on seed 000's layout", () => {
  it(".env.example: [VAULT] markers honoured, ACCESS_TOKEN_EXPIRE_MINUTES and PRIMARY_MODEL plain, check --layers agrees", async () => {
    const dir = tempProject({ ".env.example": SEED_ENV_EXAMPLE });
    const init = await runCli(["init", "--from", ".env.example", "--yes"], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    const config = written(dir);
    assert.deepEqual(checkSchema(config), []);
    const vars = config.variables;
    const marked = [
      "DATABASE_URL",
      "REDIS_URL",
      "S3_ENDPOINT",
      "S3_ACCESS_KEY",
      "S3_SECRET_KEY",
      "S3_BUCKET",
      "OPENROUTER_API_KEY",
      "SECRET_KEY",
    ];
    for (const [name, spec] of Object.entries(vars))
      assert.deepEqual(
        spec.ref,
        marked.includes(name)
          ? { production: `vault://secret/{project}/{env}/app#${name}` }
          : undefined,
        name,
      );
    for (const name of [
      "ACCESS_TOKEN_EXPIRE_MINUTES",
      "PRIMARY_MODEL",
      "FALLBACK_MODELS",
      "JWT_ALGORITHM",
    ])
      assert.notEqual(vars[name]?.secret, true, name);
    assert.equal(vars.ACCESS_TOKEN_EXPIRE_MINUTES?.default, 1440);
    assert.equal(vars.PRIMARY_MODEL?.default, "google/gemini-2.0-flash-exp:free");
    for (const name of ["DATABASE_URL", "S3_SECRET_KEY", "OPENROUTER_API_KEY", "SECRET_KEY"])
      assert.equal(vars[name]?.secret, true, name);
    assert.match(
      init.stderr,
      /secret: DATABASE_URL, S3_ACCESS_KEY, S3_SECRET_KEY, OPENROUTER_API_KEY, SECRET_KEY;/,
    );
    const layers = await runCli(["check", "--layers"], { cwd: dir });
    assert.equal(layers.code, 0, layers.stderr);
  });

  it("config.py: a schema from the BaseSettings class, which check --layers then finds in agreement", async () => {
    const dir = tempProject({ "config.py": SEED_CONFIG_PY });
    const init = await runCli(["init", "--from", "config.py", "--yes"], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    const text = readFileSync(join(dir, "strongbox.config.yaml"), "utf8");
    assert.ok(!text.includes("postgres:postgres"), "a secret's default is never copied");
    const config = written(dir);
    assert.deepEqual(checkSchema(config), []);
    const vars = config.variables;
    assert.deepEqual(Object.keys(vars).length, 16);
    assert.equal(vars.DATABASE_URL?.secret, true);
    assert.equal(vars.DATABASE_URL?.default, undefined);
    assert.equal(vars.OPENROUTER_API_KEY?.required, false);
    assert.equal(vars.REDIS_URL?.required, false);
    assert.equal(vars.SECRET_KEY?.required, undefined);
    assert.equal(vars.DEBUG?.type, "boolean");
    assert.equal(vars.DEBUG?.default, false);
    assert.equal(vars.ACCESS_TOKEN_EXPIRE_MINUTES?.type, "int");
    assert.equal(vars.ACCESS_TOKEN_EXPIRE_MINUTES?.default, 1440);
    assert.equal(vars.ACCESS_TOKEN_EXPIRE_MINUTES?.secret, undefined);
    assert.deepEqual(vars.JWT_ALGORITHM, {
      type: "enum",
      values: ["HS256", "HS512"],
      default: "HS256",
    });
    assert.equal(vars.NEXT_PUBLIC_APP_URL?.default, "http://localhost:3000");
    const layers = await runCli(["check", "--layers"], { cwd: dir });
    assert.equal(layers.code, 0, layers.stderr);
    assert.match(layers.stderr, /ok: the schema, config\.py, \(no \.env\.example\)/);
  });

  it("a config.py that is not Pydantic settings is no layer; --code naming one is an error", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "project: shop\nvariables:\n  DB_PASSWORD: { secret: true, ref: { production: 'vault://secret/{project}/{env}/app#DB_PASSWORD' } }\n",
      "config.py": "DEBUG = False\nclass Config(object):\n    SECRET: str = 'x'\n",
    });
    const layers = await runCli(["check", "--layers"], { cwd: dir });
    assert.equal(layers.code, 0, layers.stderr);
    const named = await runCli(["check", "--layers", "--code", "config.py"], { cwd: dir });
    assert.equal(named.code, 2, named.stderr);
    assert.match(named.stderr, /config\.py has no class deriving from BaseSettings/);
  });

  it("a Python file without a settings class is a usage error naming it", async () => {
    const dir = tempProject({ "main.py": "print('hello')\n" });
    const init = await runCli(["init", "--from", "main.py", "--yes"], { cwd: dir });
    assert.equal(init.code, 2, init.stderr);
    assert.match(init.stderr, /main\.py has no class deriving from BaseSettings/);
  });
});
