// The JSON Schema shipped for strongbox.config.yaml (issue 13): every example
// config in the fixtures and the docs validates, a typo does not, and its fields
// are exactly the ones the schema check knows.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { checkSchema, SCHEMA_FIELDS } from "../../src/config/check-schema.js";
import { environmentConfigs, providerConfigs } from "../../src/providers/registry.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { ROOT } from "../helpers/cli.js";

const schema = JSON.parse(readFileSync(join(ROOT, "schema/strongbox.config.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function files(dir: string, match: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path, match);
    return match(entry.name) ? [path] : [];
  });
}

/** Every YAML block in the docs that is a whole config (it has `variables:`). */
function docConfigs(): Array<{ where: string; text: string }> {
  const docs = [
    join(ROOT, "README.md"),
    ...files(join(ROOT, "docs"), (name) => name.endsWith(".md")),
  ];
  return docs.flatMap((path) =>
    [...readFileSync(path, "utf8").matchAll(/```ya?ml\n([\s\S]*?)```/g)]
      .filter((match) => /^variables:/m.test(match[1] ?? ""))
      .map((match) => ({ where: `${path.slice(ROOT.length)}`, text: match[1] ?? "" })),
  );
}

describe("the JSON Schema for strongbox.config.yaml", () => {
  const examples = [
    ...files(join(ROOT, "test/fixtures"), (name) => name === "strongbox.config.yaml").map(
      (path) => ({
        where: path.slice(ROOT.length),
        text: readFileSync(path, "utf8"),
      }),
    ),
    ...docConfigs(),
  ];

  it("has examples to check", () => assert.ok(examples.length >= 3, `${examples.length}`));

  for (const example of examples)
    it(`accepts ${example.where}`, () => {
      const config = parse(example.text) as ConfigSpec;
      assert.ok(validate(config), JSON.stringify(validate.errors));
      assert.deepEqual(checkSchema(config), [], "and the schema check agrees");
    });

  it("refuses what the schema check refuses: a typo, a wrong type, a list for secrets", () => {
    const bad: unknown[] = [
      { variables: { PORT: { tpye: "port" } } },
      { variables: { PORT: { type: "integer" } } },
      { variabels: {} },
      { variables: {}, environments: { production: { secrets: ["env"] } } },
      { variables: {}, audit: { sink: "kafka" } },
    ];
    for (const config of bad) {
      assert.equal(validate(config), false, JSON.stringify(config));
      assert.notDeepEqual(checkSchema(config as ConfigSpec), [], JSON.stringify(config));
    }
  });

  it("names exactly the fields the schema check knows", () => {
    const keys = (node: { properties?: Record<string, unknown> }) =>
      Object.keys(node.properties ?? {}).sort();
    const variable = schema.properties.variables.additionalProperties;
    const environment = schema.properties.environments.additionalProperties;
    assert.deepEqual(
      keys(schema),
      [...SCHEMA_FIELDS.top, ...providerConfigs().map((section) => section.key)].sort(),
    );
    assert.deepEqual(
      keys(variable),
      [
        ...new Set([...SCHEMA_FIELDS.variable, ...Object.values(SCHEMA_FIELDS.typed).flat()]),
      ].sort(),
    );
    // An environment may give its own provider settings (environments.production.vault).
    assert.deepEqual(
      keys(environment),
      [...SCHEMA_FIELDS.environment, ...environmentConfigs().map((section) => section.key)].sort(),
    );
    assert.deepEqual(keys(schema.properties.audit), [...SCHEMA_FIELDS.audit].sort());
  });
});
