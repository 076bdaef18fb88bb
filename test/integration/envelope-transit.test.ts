// Field encryption with master keys in a real OpenBao's Transit engine (issue 14):
// data keys from datakey/plaintext, rewrap after a key rotation, and
// min_decryption_version retiring what was not rewrapped.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fieldCipher } from "../../src/envelope/field-cipher.js";
import { parseEnvelope } from "../../src/envelope/format.js";
import { transitKeys } from "../../src/keys/transit.js";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, startBao } from "../helpers/bao.js";

describe("field encryption with Vault Transit keys", () => {
  let bao: Bao;
  let client: VaultClient;
  before(async () => {
    bao = await startBao();
    bao.cli(["secrets", "enable", "transit"]);
    for (const product of ["42", "43"])
      bao.cli(["write", "-f", `transit/keys/tracker-mek-${product}`]);
    client = VaultClient.fromEnv({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
  });
  after(async () => {
    await client.close();
    await bao.stop();
  });
  const keyFor = (product: string) => `transit:tracker-mek-${product}`;
  const at = (context: string) => ({ context });

  it("encrypts per product, decrypts with a fresh cipher (one Transit decrypt per data key), and refuses another product's value", async () => {
    const cipher = fieldCipher({ services: [transitKeys(client)], keyFor });
    const texts = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        cipher.encrypt("42", `note-${i}`, at(`notes.body:${i}`)),
      ),
    );
    assert.equal(parseEnvelope(texts[0] as string).keyVersion, 1);
    let decrypts = 0;
    const service = transitKeys(client);
    const reader = fieldCipher({
      services: [
        {
          ...service,
          openDataKey: (...args) => {
            decrypts++;
            return service.openDataKey(...args);
          },
        },
      ],
      keyFor,
    });
    for (const [i, text] of texts.entries())
      assert.equal(await reader.decrypt("42", text, at(`notes.body:${i}`)), `note-${i}`);
    assert.equal(decrypts, 1);
    await assert.rejects(reader.decrypt("43", texts[0] as string, at("notes.body:0")), {
      code: "E_ENVELOPE",
    });
  });

  it("MEK rotation: rewrap moves every value to the new version, then min_decryption_version retires the old one", async () => {
    const cipher = fieldCipher({ services: [transitKeys(client)], keyFor });
    const old = await cipher.encrypt("43", "patient-canary-5521", at("records.note:1"));
    bao.cli(["write", "-f", "transit/keys/tracker-mek-43/rotate"]);
    const moved = await cipher.rewrap("43", old);
    assert.ok(moved !== undefined);
    assert.equal(parseEnvelope(moved).keyVersion, 2);
    assert.equal(parseEnvelope(moved).sealed.equals(parseEnvelope(old).sealed), true);
    assert.equal(await cipher.rewrap("43", moved), undefined);
    bao.cli(["write", "transit/keys/tracker-mek-43/config", "min_decryption_version=2"]);
    const fresh = fieldCipher({ services: [transitKeys(client)], keyFor });
    assert.equal(await fresh.decrypt("43", moved, at("records.note:1")), "patient-canary-5521");
    await assert.rejects(
      fresh.decrypt("43", old, at("records.note:1")),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, "E_ENVELOPE");
        assert.match(error.message, /transit:tracker-mek-43 v1 does not open/);
        assert.match(String((error as { hint?: string }).hint), /min_decryption_version/);
        return true;
      },
    );
    // New values go under the new version.
    assert.equal(parseEnvelope(await fresh.encrypt("43", "x", at("records.note:2"))).keyVersion, 2);
  });

  it("a token that may not use the key is denied as such, not reported as a damaged value", async () => {
    bao.cli(["policy", "write", "no-transit", "-"], {
      input: 'path "secret/*" { capabilities = ["read"] }\n',
    });
    const token = bao.cli(["token", "create", "-policy=no-transit", "-field=token"]).trim();
    const denied = VaultClient.fromEnv({ VAULT_ADDR: bao.addr, VAULT_TOKEN: token });
    const cipher = fieldCipher({ services: [transitKeys(denied)], keyFor });
    await assert.rejects(cipher.encrypt("42", "x", at("t.c:1")), { code: "E_VAULT_DENIED" });
    await denied.close();
  });
});
