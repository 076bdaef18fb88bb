// Secret refs in data with AWS Secrets Manager as the backend (moto), issue 14.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsSecretsRefs } from "../../src/data/backends.js";
import { secretRefs } from "../../src/data/secret-refs.js";
import { type Moto, startMoto } from "../helpers/moto.js";

describe("secret refs in AWS Secrets Manager (moto)", () => {
  let moto: Moto;
  const settings = () => moto.sdk;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => moto.stop());

  it("put, get, rotate and delete through aws-sm: refs, with the metadata as tags; pure mode accepts it", async () => {
    const refs = secretRefs({
      backend: awsSecretsRefs({ ...settings(), prefix: "prod/" }),
      path: "wireguard/servers/{id}/private-key",
      pure: true,
      metadata: (id) => ({ service: "wireguard", row: id }),
    });
    const ref = await refs.put("server-1", "aws-canary-1");
    assert.equal(ref, "aws-sm:wireguard/servers/server-1/private-key");
    assert.equal(await refs.get(ref, "server-1"), "aws-canary-1");
    assert.equal(await refs.rotate(ref, "server-1", "aws-canary-2"), ref);
    assert.equal(await refs.get(ref, "server-1"), "aws-canary-2");
    const client = new SecretsManagerClient(settings());
    const described = await client.send(
      new DescribeSecretCommand({ SecretId: "prod/wireguard/servers/server-1/private-key" }),
    );
    assert.deepEqual(
      Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key, tag.Value])),
      { "managed-by": "strongbox", service: "wireguard", row: "server-1" },
    );
    client.destroy();
    await assert.rejects(refs.get("aws-sm:prod/other/db-password", "server-1"), {
      code: "E_DATA_REF",
    });
    await refs.delete(ref, "server-1");
    await assert.rejects(refs.get(ref, "server-1"), { code: "E_MISSING" });
  });

  it("attack: a row id that is an ARN (or a partial one) cannot reach another row's secret, with or without a prefix", async () => {
    for (const [template, prefix] of [
      ["{id}", undefined],
      ["{id}/key", undefined],
      ["{id}", "app/"],
    ] as const) {
      const refs = secretRefs({
        backend: awsSecretsRefs({ ...settings(), ...(prefix === undefined ? {} : { prefix }) }),
        path: template,
      });
      const victim = `victim-${template.length}-${prefix ?? "none"}`.replace("/", "-");
      const victimRef = await refs.put(victim, "VICTIM-PRIVATE-KEY");
      const name = `${prefix ?? ""}${template.replace("{id}", victim)}`;
      const client = new SecretsManagerClient(settings());
      const arn = (await client.send(new DescribeSecretCommand({ SecretId: name }))).ARN ?? "";
      client.destroy();
      assert.match(arn, /^arn:aws:secretsmanager:/);
      // The full ARN, the ARN without its random suffix (a partial ARN), and the ARN's tail.
      for (const id of [
        arn,
        arn.replace(/-[A-Za-z0-9]{6}$/, ""),
        arn.split(":").slice(-2).join(":"),
      ]) {
        await assert.rejects(refs.put(id, "ATTACKER-VALUE"), { code: "E_DATA_REF" }, id);
        await assert.rejects(refs.get(`aws-sm:${template.replace("{id}", id)}`, id), {
          code: "E_DATA_REF",
        });
      }
      assert.equal(await refs.get(victimRef, victim), "VICTIM-PRIVATE-KEY", template);
    }
  });
});
