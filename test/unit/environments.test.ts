import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkPolicy } from "../../src/environments/policy.js";
import { selectEnvironment } from "../../src/environments/select.js";
import { StrongboxError } from "../../src/errors.js";
import { matchGlob } from "../../src/schema/glob.js";

const config = {
  variables: {},
  environments: {
    local: {},
    "pr-*": { secrets: { from: ["vault", "env"] as const } },
    "*": {},
    production: { secrets: { from: ["vault"] as const } },
  },
};

describe("environment selection", () => {
  it("takes --env, then STRONGBOX_ENV, then the config default, then local", () => {
    assert.equal(
      selectEnvironment(config, "production", { STRONGBOX_ENV: "local" }).name,
      "production",
    );
    assert.equal(selectEnvironment(config, undefined, { STRONGBOX_ENV: "pr-47" }).name, "pr-47");
    assert.equal(
      selectEnvironment({ ...config, defaultEnvironment: "production" }, undefined, {}).name,
      "production",
    );
    assert.equal(selectEnvironment(config, undefined, {}).name, "local");
  });

  it("matches globs, most specific first", () => {
    assert.equal(selectEnvironment(config, "pr-47", {}).declaredAs, "pr-*");
    assert.equal(selectEnvironment(config, "qa", {}).declaredAs, "*");
    assert.ok(
      matchGlob("pr-*", "pr-1") &&
        !matchGlob("pr-*", "xpr-1") &&
        matchGlob("a.b", "a.b") &&
        !matchGlob("a.*", "ab"),
    );
  });

  it("names the declared environments when the name is unknown", () => {
    assert.throws(
      () =>
        selectEnvironment(
          { variables: {}, environments: { local: {}, production: {} } },
          "prod-eu",
          {},
        ),
      (error: unknown) =>
        error instanceof StrongboxError &&
        error.code === "E_UNKNOWN_ENV" &&
        /local, production/.test(error.hint ?? ""),
    );
  });

  it("uses the built-in environments when the config declares none, production in pure Vault mode", () => {
    const production = selectEnvironment({ variables: {} }, "production", {});
    assert.deepEqual(production.secretSources, ["vault"]);
    assert.equal(production.allowSecretDefaults, false);
    assert.equal(selectEnvironment({ variables: {} }, "pr-12", {}).declaredAs, "pr-*");
    assert.equal(selectEnvironment({ variables: {} }, "local", {}).allowSecretDefaults, true);
  });
});

describe("policy", () => {
  const production = selectEnvironment(config, "production", {});
  const local = selectEnvironment(config, "local", {});
  const facts = {
    variable: "DB_PASSWORD",
    secret: true,
    place: "the process environment (DB_PASSWORD)",
    inline: false,
  } as const;

  it("lets plain variables come from anywhere", () => {
    assert.equal(checkPolicy(production, { ...facts, secret: false, source: "env" }), undefined);
  });

  it("keeps production secrets to Vault and says so", () => {
    const denied = checkPolicy(production, { ...facts, source: "env" });
    assert.equal(denied?.code, "E_FORBIDDEN_SOURCE");
    assert.match(
      denied?.message ?? "",
      /may only come from Vault; this one came from the process environment/,
    );
    assert.match(denied?.hint ?? "", /pure Vault mode/);
    assert.equal(checkPolicy(production, { ...facts, source: "vault" }), undefined);
  });

  it("refuses inline secrets and secret defaults unless allowed", () => {
    assert.equal(
      checkPolicy(local, { ...facts, source: "dotenv", inline: true })?.code,
      "E_INLINE_SECRET",
    );
    assert.equal(
      checkPolicy(
        { ...local, allowInlineSecrets: true },
        { ...facts, source: "dotenv", inline: true },
      ),
      undefined,
    );
    assert.equal(
      checkPolicy(production, { ...facts, source: "default" })?.code,
      "E_FORBIDDEN_SOURCE",
    );
    assert.equal(checkPolicy(local, { ...facts, source: "default" }), undefined);
  });
});
