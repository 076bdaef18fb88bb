import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveAwsKeys } from "../../src/aws/keys.js";
import { stsTarget } from "../../src/vault/auth/aws.js";
import { tempProject } from "../helpers/cli.js";

const options = { region: "us-east-1", origin: (name: string) => `PROD_${name}`, ambient: false };

describe("AWS keys for Vault's AWS IAM login: the standard chain, from the environment given", () => {
  it("static keys come first, with the session token, named by the variable the user set", async () => {
    const resolved = await resolveAwsKeys(
      {
        AWS_ACCESS_KEY_ID: "AKIDSTATIC",
        AWS_SECRET_ACCESS_KEY: "static-secret",
        AWS_SESSION_TOKEN: "session",
        AWS_WEB_IDENTITY_TOKEN_FILE: "/nonexistent",
        AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/r",
      },
      options,
    );
    assert.deepEqual(resolved.keys, {
      accessKeyId: "AKIDSTATIC",
      secretAccessKey: "static-secret",
      sessionToken: "session",
    });
    assert.equal(resolved.source, "keys from PROD_AWS_ACCESS_KEY_ID");
  });

  it("a scoped environment never borrows the profile, SSO or metadata around the process", async () => {
    const home = tempProject();
    writeFileSync(
      join(home, "credentials"),
      "[default]\naws_access_key_id = AKIDAMBIENT\naws_secret_access_key = ambient\n",
    );
    const env = {
      HOME: home,
      AWS_PROFILE: "default",
      AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
    };
    await assert.rejects(
      resolveAwsKeys(env, options),
      (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, "E_VAULT_AUTH");
        assert.match(error.hint ?? "", /PROD_AWS_ACCESS_KEY_ID.*PROD_AWS_WEB_IDENTITY_TOKEN_FILE/);
        return true;
      },
    );
    // Where ambient credentials may be used, the same profile is the SDK chain's answer.
    const ambient = await resolveAwsKeys(env, { ...options, ambient: true });
    assert.equal(ambient.keys.accessKeyId, "AKIDAMBIENT");
    assert.equal(ambient.source, "AWS profile default");
  });

  it("signs for the global STS endpoint in us-east-1 unless an endpoint or region is given", () => {
    assert.deepEqual(stsTarget({}), { url: "https://sts.amazonaws.com/", region: "us-east-1" });
    assert.deepEqual(stsTarget({ VAULT_AWS_STS_REGION: "eu-west-1" }), {
      url: "https://sts.eu-west-1.amazonaws.com/",
      region: "eu-west-1",
    });
    assert.deepEqual(
      stsTarget({
        AWS_ENDPOINT_URL: "http://127.0.0.1:9",
        AWS_ENDPOINT_URL_STS: "https://sts.internal",
      }),
      { url: "https://sts.internal/", region: "us-east-1" },
    );
  });
});
