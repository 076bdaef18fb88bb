// Issue 27 item 5: environment aliases. One rule (canonicalEnvironment);
// the cases are generated from the alias table, every way of naming an
// environment, and every use of the name (selection, scope).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkSchema } from "../../src/config/check-schema.js";
import {
  canonicalEnvironment,
  DEFAULT_ENVIRONMENT_ALIASES,
} from "../../src/environments/aliases.js";
import { environmentScope } from "../../src/environments/scope.js";
import { selectEnvironment } from "../../src/environments/select.js";
import { StrongboxError } from "../../src/errors.js";
import type { ConfigSpec } from "../../src/schema/types.js";

const ALL_TARGETS = ["local", "development", "staging", "production"];

/** A config declaring `names`, each with a credential prefix of its own (to tell scopes apart). */
function declaring(names: readonly string[], extra: Partial<ConfigSpec> = {}): ConfigSpec {
  return {
    variables: {},
    environments: Object.fromEntries(
      names.map((name) => [name, { credentialPrefix: `${name.toUpperCase()}_` }]),
    ),
    ...extra,
  } as ConfigSpec;
}

/** Every way a user names the environment: --env, STRONGBOX_ENV, the config's environmentVariable. */
function everyNaming(config: ConfigSpec, name: string): Array<[string, string]> {
  const withVariable = { ...config, environmentVariable: "APP_ENV" };
  return [
    ["--env", selectEnvironment(config, name, {}).name],
    ["STRONGBOX_ENV", selectEnvironment(config, undefined, { STRONGBOX_ENV: name }).name],
    ["APP_ENV", selectEnvironment(withVariable, undefined, { APP_ENV: name }).name],
  ];
}

describe("environment aliases", () => {
  for (const [alias, targets] of Object.entries(DEFAULT_ENVIRONMENT_ALIASES)) {
    it(`${alias}: its first declared target, however it is named, in selection and scope`, () => {
      for (const [index, expected] of targets.entries()) {
        // The targets before this one undeclared, so this one is the first declared.
        const config = declaring(ALL_TARGETS.filter((t) => !targets.slice(0, index).includes(t)));
        for (const [how, name] of everyNaming(config, alias))
          assert.equal(name, expected, `${alias} by ${how}`);
        const scope = environmentScope(config, alias, {
          [`${String(expected).toUpperCase()}_VAULT_TOKEN`]: "t",
        });
        assert.equal(scope.credentials?.prefix, `${String(expected).toUpperCase()}_`, alias);
      }
    });

    it(`${alias}: a declared environment of that name (or a glob matching it) means itself`, () => {
      for (const config of [
        declaring([...ALL_TARGETS, alias]),
        declaring([...ALL_TARGETS, `${alias.slice(0, 2)}*`]),
        declaring([...ALL_TARGETS, "*"]),
      ])
        for (const [how, name] of everyNaming(config, alias)) assert.equal(name, alias, how);
    });

    it(`${alias}: with no target declared it is an unknown environment with a did-you-mean`, () => {
      const config = declaring(["qa"]);
      assert.equal(canonicalEnvironment(config, alias), alias);
      assert.throws(
        () => selectEnvironment(config, alias, {}),
        (error: unknown) => error instanceof StrongboxError && error.code === "E_UNKNOWN_ENV",
      );
    });
  }

  it("with no environments declared, the built-in ones are the targets", () => {
    const config = { variables: {} } as ConfigSpec;
    assert.equal(selectEnvironment(config, "prod", {}).name, "production");
    assert.equal(selectEnvironment(config, "stg", {}).name, "staging");
    assert.equal(selectEnvironment(config, "dev", {}).name, "local");
    assert.equal(canonicalEnvironment(undefined, "prd"), "production");
  });

  it("the config's environmentAliases add to the built-in ones and override them", () => {
    const config = declaring(["local", "development", "qa", "production"], {
      environmentAliases: { test: "qa", dev: "qa" },
    });
    assert.deepEqual(checkSchema(config), []);
    for (const [alias, target] of [
      ["test", "qa"],
      ["dev", "qa"],
      ["prod", "production"],
    ])
      for (const [how, name] of everyNaming(config, alias as string))
        assert.equal(name, target, `${alias} by ${how}`);
  });

  it("a misspelt name suggests the alias or environment it is close to", () => {
    const config = declaring(["local", "production"], {
      environmentAliases: { live: "production" },
    });
    for (const [typo, near] of [
      ["lvie", "live"],
      ["productoin", "production"],
    ]) {
      try {
        selectEnvironment(config, typo, {});
        assert.fail(typo);
      } catch (error) {
        assert.match((error as StrongboxError).hint ?? "", new RegExp(`did you mean "${near}"`));
      }
    }
  });

  it("environmentAliases is checked: a declared name, an undeclared target, a non-string", () => {
    const config = declaring(["local", "production"], {
      environmentAliases: { local: "production", x: "nope", y: 3 } as unknown as Record<
        string,
        string
      >,
    });
    const messages = checkSchema(config).map((issue) => issue.message);
    assert.ok(
      messages.some((m) => /environmentAliases\.local: "local" is itself a declared/.test(m)),
    );
    assert.ok(messages.some((m) => /environmentAliases\.x: "nope" is not a declared/.test(m)));
    assert.ok(messages.some((m) => /environmentAliases\.y must be an environment name/.test(m)));
  });
});
