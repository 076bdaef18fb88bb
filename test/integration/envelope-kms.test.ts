// Field encryption with master keys in AWS KMS, against moto (issue 14).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { fieldCipher } from "../../src/envelope/field-cipher.js";
import { parseEnvelope } from "../../src/envelope/format.js";
import { kmsKeys } from "../../src/keys/aws-kms.js";
import { type Moto, startMoto } from "../helpers/moto.js";

describe("field encryption with AWS KMS keys (moto)", () => {
  let moto: Moto;
  const keys: Record<string, string> = {};
  const settings = () => moto.sdk;
  before(async () => {
    moto = await startMoto();
    const client = new KMSClient(settings());
    for (const product of ["42", "43"])
      keys[product] = (
        await client.send(new CreateKeyCommand({ Description: `tracker MEK ${product}` }))
      ).KeyMetadata?.KeyId as string;
    client.destroy();
  });
  after(async () => moto.stop());

  it("one GenerateDataKey for many values, one Decrypt for many reads; another product's value is refused", async () => {
    let generated = 0;
    let decrypted = 0;
    const service = kmsKeys(settings());
    const counted = {
      ...service,
      newDataKey: (...args: Parameters<typeof service.newDataKey>) => {
        generated++;
        return service.newDataKey(...args);
      },
      openDataKey: (...args: Parameters<typeof service.openDataKey>) => {
        decrypted++;
        return service.openDataKey(...args);
      },
    };
    const keyFor = (product: string) => `aws-kms:${keys[product]}`;
    const cipher = fieldCipher({ services: [counted], keyFor });
    const texts = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        cipher.encrypt("42", `ssn-canary-${i}`, { context: `people.ssn:${i}` }),
      ),
    );
    assert.equal(generated, 1);
    assert.equal(parseEnvelope(texts[0] as string).keyVersion, 0);
    const reader = fieldCipher({ services: [counted], keyFor });
    for (const [i, text] of texts.entries())
      assert.equal(
        await reader.decrypt("42", text, { context: `people.ssn:${i}` }),
        `ssn-canary-${i}`,
      );
    assert.equal(decrypted, 1);
    await assert.rejects(reader.decrypt("43", texts[0] as string, { context: "people.ssn:0" }), {
      code: "E_ENVELOPE",
    });
  });

  it("attacks: a wrapped key moved under another KMS key id does not open (the encryption context names the key)", async () => {
    const shared = fieldCipher({
      services: [kmsKeys(settings())],
      keyFor: () => `aws-kms:${keys["42"]}`,
      acceptKeys: () => [`aws-kms:${keys["43"]}`],
    });
    const text = await shared.encrypt("t", "x", { context: "t.c:1" });
    const envelope = parseEnvelope(text);
    // The same wrapped key, claimed to be under product 43's key.
    const moved = text.replace(
      Buffer.from(envelope.keyId).toString("base64url"),
      Buffer.from(`aws-kms:${keys["43"]}`).toString("base64url"),
    );
    const fresh = fieldCipher({
      services: [kmsKeys(settings())],
      keyFor: () => `aws-kms:${keys["42"]}`,
      acceptKeys: () => [`aws-kms:${keys["43"]}`],
    });
    await assert.rejects(fresh.decrypt("t", moved, { context: "t.c:1" }), { code: "E_ENVELOPE" });
    assert.equal(await fresh.decrypt("t", text, { context: "t.c:1" }), "x");
  });

  it("an unknown key is a provider error naming the key, not a damaged value", async () => {
    const cipher = fieldCipher({
      services: [kmsKeys(settings())],
      keyFor: () => "aws-kms:alias/no-such-key",
    });
    await assert.rejects(
      cipher.encrypt("t", "x", { context: "t.c:1" }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, "E_PROVIDER");
        assert.match(error.message, /alias\/no-such-key/);
        return true;
      },
    );
  });
});
