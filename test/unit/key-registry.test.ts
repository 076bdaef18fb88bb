// One room for key services (issue 25): every service the registry lists is found the same way by
// the store's recipients and by field encryption, generated from the registry rather than named.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  openKeyService,
  RECIPIENT_SERVICE_IDS,
  recipientKeys,
  recipientServiceOf,
} from "../../src/keys/registry.js";
import { recipientType, stanzasOf } from "../../src/store/recipients/stanzas.js";

const usage = (pattern: RegExp) => (error: Error & { code?: string }) =>
  error.code === "E_USAGE" && pattern.test(error.message);

describe("the key service registry", () => {
  it("lists Transit and AWS KMS as store recipient services", () => {
    assert.deepEqual([...RECIPIENT_SERVICE_IDS], ["transit", "aws-kms"]);
  });

  for (const id of RECIPIENT_SERVICE_IDS) {
    it(`${id}: a recipient ${id}:… is its stanza type, a stanza of that type is well formed, and the other prefixes are not it`, () => {
      const recipient = `${id}:transit/some-key`;
      assert.equal(recipientType(recipient), id);
      assert.equal(recipientServiceOf(recipient)?.id, id);
      assert.ok(recipientKeys(id) !== undefined);
      const stanzas = stanzasOf(
        { kind: "recipients", stanzas: [{ type: id, recipient, wrapped: "x" }] } as never,
        "keyring.json",
      );
      assert.equal(stanzas[0]?.type, id);
      // Neighbouring spellings do not reach the service.
      for (const near of [id, `${id.toUpperCase()}:k`, ` ${id}:k`, `${id}-x:k`, `x${id}:k`])
        assert.equal(recipientServiceOf(near), undefined, near);
    });

    it(`${id}: not configured in an empty environment, so a stanza is never asked without settings`, () => {
      assert.equal(recipientKeys(id)?.configured({}), false);
    });
  }

  it("a stanza of a type no service or age form claims is malformed", () => {
    assert.throws(() =>
      stanzasOf(
        {
          kind: "recipients",
          stanzas: [{ type: "gcp-kms", recipient: "gcp-kms:k", wrapped: "x" }],
        } as never,
        "keyring.json",
      ),
    );
  });

  it("a key id's service is chosen by id; a malformed id or unknown service is E_USAGE naming every service", async () => {
    await assert.rejects(openKeyService("transit", { env: {} }), usage(/service:name/));
    await assert.rejects(openKeyService("Transit:k", { env: {} }), usage(/service:name/));
    await assert.rejects(
      openKeyService("gcp-kms:k", { env: {} }),
      usage(/no key service "gcp-kms": use transit: or aws-kms:$/),
    );
    const extra = {
      id: "local",
      open: async () => ({ service: {} as never, close: async () => {} }),
    };
    await assert.rejects(
      openKeyService("nope:k", { env: {} }, [extra]),
      usage(/use transit:, aws-kms: or local:$/),
    );
    const opened = await openKeyService("aws-kms:alias/k", { env: {} });
    assert.equal(opened.service.service, "aws-kms");
    await opened.close();
  });
});
