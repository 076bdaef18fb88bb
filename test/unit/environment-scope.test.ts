import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkSchema } from "../../src/config/check-schema.js";
import { environmentScope } from "../../src/environments/scope.js";
import { vaultClientFor } from "../../src/project/vault-client.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { isCredentialVariable, withoutCredentials } from "../../src/security/credentials.js";
import { authenticate } from "../../src/vault/auth.js";
import { VaultHttp } from "../../src/vault/http.js";

const config = {
  vault: { address: "https://vault.example:8200", auth: { method: "approle", mount: "approle" } },
  environments: {
    local: {},
    staging: { credentialPrefix: "STAGING_" },
    production: {
      credentialPrefix: "PRODUCTION_",
      vault: { address: "https://vault.prod.example:8200", auth: { mount: "approle-prod" } },
    },
    "pr-*": { credentialPrefix: "PREVIEW_" },
  },
  variables: {},
} as unknown as ConfigSpec;

const ambient = {
  PATH: "/usr/bin",
  DATABASE_URL: "postgres://app",
  VAULT_ADDR: "https://ambient.example:8200",
  VAULT_TOKEN: "ambient-token",
  AWS_ACCESS_KEY_ID: "AKIAAMBIENT",
  STRONGBOX_PASSPHRASE: "ambient-passphrase",
};

describe("environment scope: each environment's own settings and credentials", () => {
  it("an environment without a prefix reads the process's variables and the top-level settings", () => {
    const scope = environmentScope(config, "local", ambient, { isolated: true });
    assert.equal(scope.processEnv, ambient);
    assert.deepEqual(scope.section("vault"), config.vault);
    assert.equal(scope.credentials, undefined);
  });

  it("an environment's vault: is laid over the top-level one, nested auth merged", () => {
    const scope = environmentScope(config, "production", {});
    assert.deepEqual(scope.section("vault"), {
      address: "https://vault.prod.example:8200",
      auth: { method: "approle", mount: "approle-prod" },
    });
    // Not a provider section: the environment cannot override the audit or variables this way.
    assert.equal(scope.section("variables"), config.variables);
  });

  it("read alone, a prefixed variable wins and, with none given for a provider, the plain ones still count", () => {
    const withOwn = environmentScope(config, "production", {
      ...ambient,
      PRODUCTION_VAULT_TOKEN: "prod-token",
    });
    assert.equal(withOwn.processEnv.VAULT_TOKEN, "prod-token");
    // The provider's variables come as a set: never a prefixed token with the ambient address.
    assert.equal(withOwn.processEnv.VAULT_ADDR, undefined);
    assert.equal(withOwn.credentials?.origin("VAULT_TOKEN"), "PRODUCTION_VAULT_TOKEN");
    assert.equal(withOwn.credentials?.ambient, false, "no token helper once it gave its own");
    // AWS gave nothing prefixed: its plain variables still count.
    assert.equal(withOwn.processEnv.AWS_ACCESS_KEY_ID, "AKIAAMBIENT");

    const deployed = environmentScope(config, "production", ambient);
    assert.equal(deployed.processEnv.VAULT_TOKEN, "ambient-token");
    assert.equal(deployed.processEnv.VAULT_ADDR, "https://ambient.example:8200");
    assert.equal(deployed.credentials?.origin("VAULT_TOKEN"), "VAULT_TOKEN");
    assert.equal(deployed.credentials?.ambient, true);
  });

  it("isolated, only the environment's own variables reach its providers; other variables are untouched", () => {
    const env = {
      ...ambient,
      PRODUCTION_VAULT_TOKEN: "prod-token",
      PRODUCTION_AWS_REGION: "eu-west-1",
      STAGING_VAULT_TOKEN: "staging-token",
    };
    const scope = environmentScope(config, "production", env, { isolated: true });
    assert.equal(scope.processEnv.VAULT_TOKEN, "prod-token");
    assert.equal(scope.processEnv.AWS_REGION, "eu-west-1");
    for (const name of [
      "VAULT_ADDR",
      "AWS_ACCESS_KEY_ID",
      "STRONGBOX_PASSPHRASE",
      "STAGING_VAULT_TOKEN",
    ])
      assert.equal(scope.processEnv[name], undefined, name);
    assert.equal(scope.processEnv.PATH, "/usr/bin");
    assert.equal(scope.processEnv.DATABASE_URL, "postgres://app");
    assert.equal(scope.credentials?.ambient, false);

    const staging = environmentScope(config, "staging", env, { isolated: true });
    assert.equal(staging.processEnv.VAULT_TOKEN, "staging-token");
    assert.equal(staging.processEnv.AWS_REGION, undefined, "production's region is not staging's");
  });

  it("a prefix scopes only credential and connection variables, never the application's own", () => {
    const scope = environmentScope(
      config,
      "production",
      { DATABASE_URL: "postgres://app", PRODUCTION_DATABASE_URL: "postgres://other" },
      { isolated: true },
    );
    assert.equal(scope.processEnv.DATABASE_URL, "postgres://app");
  });

  it("a glob's prefix applies to every environment it matches", () => {
    const scope = environmentScope(config, "pr-47", { PREVIEW_VAULT_TOKEN: "preview" });
    assert.equal(scope.processEnv.VAULT_TOKEN, "preview");
  });

  it("prefixed credentials are credentials: scrubbed from children, refused as values", () => {
    for (const name of [
      "PRODUCTION_VAULT_TOKEN",
      "STAGING_BAO_TOKEN",
      "X_AWS_SECRET_ACCESS_KEY",
      "PROD_STRONGBOX_PASSPHRASE",
    ])
      assert.ok(isCredentialVariable(name), name);
    for (const name of ["VAULT_TOKEN_TTL", "PRODUCTION_VAULT", "DB_PASSWORD", "TOKEN"])
      assert.ok(!isCredentialVariable(name), name);
    assert.deepEqual(Object.keys(withoutCredentials({ PRODUCTION_VAULT_TOKEN: "t", PORT: "1" })), [
      "PORT",
    ]);
  });

  it("the schema check: a prefix must be upper case ending in _, an environment's vault: is checked, no store:", () => {
    const issues = checkSchema({
      variables: {},
      environments: {
        staging: { credentialPrefix: "staging" },
        production: { vault: { adress: "x" } },
        preview: { store: { path: "x" } },
        ok: { credentialPrefix: "OK_", vault: { address: "https://vault" } },
      },
    } as unknown as ConfigSpec).map((found) => found.message);
    assert.deepEqual(issues, [
      "environments.staging: credentialPrefix must be upper-case letters, digits and _, ending in _",
      "environments.production.vault.adress: unknown field",
      'environments.preview: unknown field "store"',
    ]);
  });

  it("Vault errors name the variable as the user set it: PRODUCTION_VAULT_TOKEN_FILE, not VAULT_TOKEN_FILE", async () => {
    const scope = environmentScope(
      config,
      "production",
      { PRODUCTION_VAULT_TOKEN_FILE: "/nonexistent/strongbox-token" },
      { isolated: true },
    );
    const http = new VaultHttp({ address: "http://127.0.0.1:9" });
    await assert.rejects(
      authenticate(http, scope.processEnv, {
        scope: scope.credentials as NonNullable<typeof scope.credentials>,
      }),
      (error: Error & { hint?: string }) =>
        /PRODUCTION_VAULT_TOKEN_FILE points at a readable file/.test(error.hint ?? ""),
    );
    const none = environmentScope(
      config,
      "production",
      { VAULT_TOKEN: "ambient" },
      { isolated: true },
    );
    await assert.rejects(
      authenticate(http, none.processEnv, {
        scope: none.credentials as NonNullable<typeof none.credentials>,
      }),
      (error: Error & { hint?: string }) =>
        /under the environment's credentialPrefix PRODUCTION_/.test(error.message) &&
        /set PRODUCTION_VAULT_TOKEN/.test(error.hint ?? ""),
    );
  });

  it("the address: the prefixed variable, else the environment's configured one; plain VAULT_ADDR only when nothing is prefixed", () => {
    const address = (env: Record<string, string>, isolated = false) =>
      vaultClientFor(config, "production", env, { isolated }).http.connection.address;
    assert.equal(
      address({ PRODUCTION_VAULT_ADDR: "https://pinned.example:8200", VAULT_ADDR: "https://x:1" }),
      "https://pinned.example:8200",
    );
    assert.equal(
      address({ PRODUCTION_VAULT_TOKEN: "t", VAULT_ADDR: "https://ambient.example:8200" }),
      "https://vault.prod.example:8200",
    );
    assert.equal(
      address({ VAULT_ADDR: "https://ambient.example:8200" }),
      "https://ambient.example:8200",
    );
    assert.equal(
      address({ VAULT_ADDR: "https://ambient.example:8200" }, true),
      "https://vault.prod.example:8200",
    );
  });
});
