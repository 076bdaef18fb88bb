import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { providerConnectionVariables } from "../../src/providers/registry.js";
import { validateVaultConfig } from "../../src/providers/vault/config.js";
import { isCredentialVariable } from "../../src/security/credentials.js";
import type { AuthContext } from "../../src/vault/auth/common.js";
import { AUTH_METHODS } from "../../src/vault/auth/methods.js";
import { AUTH_METHOD_NAMES, authenticate } from "../../src/vault/auth.js";
import type { VaultHttp } from "../../src/vault/http.js";
import { tempProject } from "../helpers/cli.js";

/** A Vault that refuses every login (nothing here reaches a network). */
const refusing = {
  connection: { address: "https://vault.invalid:8200" },
  send: async () => ({ status: 400, headers: {}, body: { errors: ["refused by the test"] } }),
} as unknown as VaultHttp;

/**
 * Every variable `method.login` reads, found by letting it run: an
 * environment that records each name asked for and answers each with a
 * plausible value (a file path for paths, an unroutable URL for URLs), run
 * again until no new name is asked for.
 */
async function namesRead(method: (typeof AUTH_METHODS)[number], dir: string): Promise<Set<string>> {
  const file = join(dir, "credential");
  writeFileSync(file, "header.eyJzdWIiOiJ4In0.signature\n");
  const values = new Map<string, string>();
  const read = new Set<string>();
  for (let round = 0; round < 20; round += 1) {
    const before = read.size;
    const env = new Proxy(Object.create(null) as Record<string, string>, {
      getOwnPropertyDescriptor(_, name) {
        if (typeof name === "string") read.add(name);
        const value = typeof name === "string" ? values.get(name) : undefined;
        return value === undefined
          ? undefined
          : { value, writable: false, enumerable: true, configurable: true };
      },
      get: (_, name) => (typeof name === "string" ? values.get(name) : undefined),
      has: (_, name) => typeof name === "string" && values.has(name),
    });
    const context: AuthContext = {
      http: refusing,
      env,
      spec: {},
      signal: AbortSignal.timeout(2000),
      origin: (name) => name,
      ambient: true,
    };
    method.present(context);
    await method.login(context).catch(() => undefined);
    for (const name of read)
      if (!values.has(name))
        values.set(
          name,
          /URL$/.test(name)
            ? "https://127.0.0.1:9/token"
            : /FILE|PATH|CERT|KEY|HOME/.test(name)
              ? file
              : "x",
        );
    if (read.size === before) break;
  }
  return read;
}

describe("Vault auth methods: one table, one rule for what they read", () => {
  it("every variable any method reads is a credential by the rule, or a connection setting an environment's prefix scopes", async () => {
    const dir = tempProject();
    const connection = new Set(providerConnectionVariables());
    for (const method of AUTH_METHODS) {
      const read = [...(await namesRead(method, dir))].filter((name) => name !== "HOME");
      assert.ok(read.length > 0, `${method.name} reads its credentials from the environment`);
      const loose = read.filter((name) => !isCredentialVariable(name) && !connection.has(name));
      assert.deepEqual(
        loose,
        [],
        `${method.name} reads variables the credential rule does not cover`,
      );
    }
  });

  it("the config accepts exactly the table's methods", () => {
    assert.deepEqual([...AUTH_METHOD_NAMES].sort(), [
      "approle",
      "aws",
      "cert",
      "jwt",
      "kubernetes",
      "token",
      "userpass",
    ]);
    for (const method of AUTH_METHOD_NAMES)
      assert.deepEqual(validateVaultConfig({ auth: { method } }), [], method);
    assert.match(
      validateVaultConfig({ auth: { method: "ldap" } })[0]?.message ?? "",
      /must be one of token, approle, jwt/,
    );
  });

  it("a method's own credentials win over the token helper's ~/.vault-token, for every method", async () => {
    const home = tempProject({ ".vault-token": "stale-helper-token\n" });
    const jwt = join(home, "jwt");
    writeFileSync(jwt, "a.b.c");
    // Each method's credentials, and how its attempt shows (a refused login names its method).
    const given: Record<string, [Record<string, string>, RegExp]> = {
      token: [{ VAULT_TOKEN: "t" }, /^token$/],
      approle: [{ VAULT_ROLE_ID: "r", VAULT_SECRET_ID: "s" }, /^AppRole login failed/],
      jwt: [
        { VAULT_JWT_FILE: jwt },
        /^JWT login \(token from the file VAULT_JWT_FILE names\) failed/,
      ],
      kubernetes: [
        { VAULT_K8S_ROLE: "app", VAULT_K8S_JWT_FILE: jwt },
        /^Kubernetes login \(service-account token from VAULT_K8S_JWT_FILE\) failed/,
      ],
      aws: [
        { VAULT_AWS_ROLE: "app", AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" },
        /^AWS IAM login \(keys from AWS_ACCESS_KEY_ID\) failed/,
      ],
      userpass: [{ VAULT_USERNAME: "u", VAULT_PASSWORD: "p" }, /^userpass login failed/],
      cert: [
        { VAULT_CLIENT_CERT: jwt, VAULT_CLIENT_KEY: jwt },
        /^TLS certificate login \(certificate from VAULT_CLIENT_CERT\) failed/,
      ],
    };
    assert.deepEqual(Object.keys(given).sort(), [...AUTH_METHOD_NAMES].sort());
    for (const [name, [env, shows]] of Object.entries(given)) {
      const chosen = await authenticate(refusing, { HOME: home, ...env }).then(
        (session) => session.method,
        (error: Error) => error.message,
      );
      assert.match(chosen, shows, name);
    }
    const helper = await authenticate(refusing, { HOME: home });
    assert.equal(helper.source, "token from ~/.vault-token");
  });
});
