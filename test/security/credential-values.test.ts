// Red team (issue 28 pass): a credential pasted where a path belongs (a PEM key in
// VAULT_CLIENT_KEY, a JWT in VAULT_JWT_FILE) was quoted whole by the error saying
// the "path" does not exist. The rule: every credential variable's value is
// registered with the one redactor (src/exec/credential-values.ts), unless it
// names something that exists; generated over every credential name.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { registerCredentialValues } from "../../src/exec/credential-values.js";
import "../../src/providers/registry.js";
import { clearRegistry, redactMessage } from "../../src/redact/registry.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { credentialNameVariants } from "../helpers/credential-names.js";

const pem = generateKeyPairSync("ec", { namedCurve: "P-256" })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"sub":"canary-subject-7f3a"}').toString("base64url")}.c2lnbmF0dXJlLWNhbmFyeS1ieXRlcw`;

describe("a credential variable's value is never quoted (red team, issue 28)", () => {
  it("every credential name, every spelling: its value is masked in any message", () => {
    const names = credentialNameVariants();
    assert.ok(names.length > 500, `only ${names.length} names generated`);
    for (const [i, name] of names.entries()) {
      clearRegistry();
      const value = `canary-${i}-not-a-path-9c1e2d`;
      registerCredentialValues({ [name]: value });
      assert.ok(
        !redactMessage(`cannot read token file ${value}, check ${name}`).includes(value),
        `${name}'s value is printed`,
      );
    }
    clearRegistry();
  });

  it("a value naming an existing file stays readable (a path the user needs to see)", () => {
    const dir = tempProject({ "ci.jwt": "x" });
    clearRegistry();
    registerCredentialValues({
      VAULT_JWT_FILE: join(dir, "ci.jwt"),
      NOT_A_CREDENTIAL: "plain-9c1e",
    });
    const message = `the file ${join(dir, "ci.jwt")} says plain-9c1e`;
    assert.equal(redactMessage(message), message);
    clearRegistry();
  });

  const pasted: Array<[string, string, Record<string, string>]> = [
    ["VAULT_CLIENT_KEY", pem, { VAULT_ADDR: "https://127.0.0.1:9", VAULT_CLIENT_CERT: "c.pem" }],
    ["PRODUCTION_VAULT_CLIENT_KEY", pem, { VAULT_ADDR: "https://127.0.0.1:9" }],
    ["VAULT_JWT_FILE", jwt, { VAULT_ADDR: "http://127.0.0.1:9", VAULT_JWT_ROLE: "ci" }],
    ["BAO_JWT_FILE", jwt, { VAULT_ADDR: "http://127.0.0.1:9", VAULT_JWT_ROLE: "ci" }],
    ["VAULT_TOKEN_FILE", "hvs.CANARYTOKENVALUE123456", { VAULT_ADDR: "http://127.0.0.1:9" }],
    [
      "VAULT_SECRET_ID_FILE",
      "8f1e2d3c-canary-secret-id-4b5a",
      { VAULT_ADDR: "http://127.0.0.1:9", VAULT_ROLE_ID: "r1" },
    ],
  ];
  for (const [name, value, env] of pasted)
    it(`run and vault doctor never print a credential pasted into ${name}`, async () => {
      const dir = tempProject({
        "strongbox.config.yaml":
          "vault: { allowInsecure: true }\nenvironments:\n  production: {}\nvariables:\n  DB_PASSWORD: { secret: true, ref: 'vault://secret/app#DB_PASSWORD' }\n",
      });
      writeFileSync(join(dir, "c.pem"), "not a cert\n");
      const lines = value
        .split("\n")
        .filter((line) => line.length >= 12 && !line.startsWith("-----"));
      for (const args of [
        ["run", "--env", "production", "--", "true"],
        ["vault", "doctor", "--env", "production", "--json"],
      ]) {
        const result = await runCli(args, { cwd: dir, env: { ...env, [name]: value } });
        if (args[0] === "run") {
          // It failed where the credential is read (the message names it), not earlier.
          assert.notEqual(result.code, 0, result.stderr);
          assert.match(result.stderr, new RegExp(`${name}|${name.replace(/^PRODUCTION_/, "")}`));
        }
        for (const part of [value, ...lines])
          assert.ok(
            !`${result.stdout}${result.stderr}`.includes(part),
            `${args.join(" ")} printed ${name}'s value: ${result.stderr}${result.stdout}`,
          );
      }
    });
});
