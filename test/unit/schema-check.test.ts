import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { checkSchema } from "../../src/config/check-schema.js";
import type { ConfigSpec } from "../../src/schema/types.js";

const messages = (config: unknown) =>
  checkSchema(config as ConfigSpec).map((item) => `${item.code} ${item.message}`);

describe("schema checks", () => {
  it("accepts a sound schema, including a Standard Schema validator", () => {
    assert.deepEqual(
      messages({
        project: "shop",
        variables: {
          PORT: { type: "port", default: 3000 },
          EMAIL: { schema: z.string().email() },
          TOKEN: {
            secret: true,
            ref: { production: "vault://secret/{project}/{env}/app#TOKEN", "*": "store://TOKEN" },
          },
        },
        environments: { local: {}, production: { secrets: { from: ["vault"] } } },
      }),
      [],
    );
  });

  it("reports every problem at once, each naming its variable", () => {
    const found = messages({
      variables: {
        BOTH: { secret: true, public: true },
        PORT: { type: "port", default: 70000 },
        LEVEL: { type: "enum", values: [] },
        TYPO: { type: "strng" },
        EXTRA: { type: "int", descripton: "typo" },
        BAD_REF: { ref: "vault://secret#K" },
        ODD_SCHEME: { ref: "s3://bucket/key" },
        "9BAD": {},
        PAT: { pattern: "(" },
      },
    });
    const expected = [
      /^E_SCHEMA BOTH: a variable cannot be both `secret` and `public`/,
      /^E_SCHEMA PORT: the default is not a port number/,
      /^E_SCHEMA LEVEL: an enum needs a non-empty `values` list/,
      /^E_SCHEMA TYPO: unknown type "strng"/,
      /^E_SCHEMA EXTRA: unknown field "descripton" for type int/,
      /^E_REF BAD_REF: malformed reference/,
      /^E_REF ODD_SCHEME: unknown reference scheme "s3:\/\/"/,
      /^E_SCHEMA 9BAD: variable names are letters/,
      /^E_SCHEMA PAT: `pattern` is not a valid regular expression/,
    ];
    assert.equal(found.length, expected.length, found.join("\n"));
    for (const pattern of expected)
      assert.ok(
        found.some((line) => pattern.test(line)),
        `${pattern} in\n${found.join("\n")}`,
      );
  });

  it("never quotes a default in its messages", () => {
    const found = messages({
      variables: { SECRET_PORT: { type: "port", secret: true, default: "canary-default-value" } },
    });
    assert.equal(found.length, 1);
    assert.ok(!found[0]?.includes("canary"));
  });

  it("refuses secret defaults in production, unknown sources and duplicate names", () => {
    const found = messages({
      variables: { A: { aliases: ["SHARED"] }, B: { env: "SHARED" } },
      environments: {
        production: { allowSecretDefaults: true },
        ci: { secrets: { from: ["vault", "s3"] }, colour: "red" },
      },
      defaultEnvironment: "dev",
    });
    assert.deepEqual(found.sort(), [
      "E_SCHEMA B: the name SHARED is also used by A",
      'E_SCHEMA defaultEnvironment "dev" is not declared in environments',
      'E_SCHEMA environments.ci: unknown field "colour"',
      'E_SCHEMA environments.ci: unknown secret source "s3"',
      "E_SCHEMA environments.production: secrets may never fall back to defaults in production",
    ]);
  });

  it("reports a config without variables", () => {
    assert.match(messages({})[0] ?? "", /has no `variables` map/);
  });
});

describe("checking once", () => {
  it("a config opened and then resolved is checked once, not twice", async () => {
    const { resolveConfig } = await import("../../src/resolve/drive.js");
    let listed = 0;
    // Listing the top-level keys is what the check does first (to find typos); count it.
    const config = new Proxy(
      { variables: { PORT: { type: "port", default: 3000 } } } as ConfigSpec,
      {
        ownKeys(target) {
          listed++;
          return Reflect.ownKeys(target);
        },
      },
    );
    assert.deepEqual(checkSchema(config), []);
    const resolution = await resolveConfig(config, { processEnv: {} });
    assert.equal(resolution.ok, true);
    assert.equal(listed, 1);
    // The remembered answer is shared, so it cannot be changed by a caller.
    assert.ok(Object.isFrozen(checkSchema(config)));
  });
});
