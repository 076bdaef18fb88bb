// Field-level envelope encryption (issue 14): the format against vectors computed by an
// independent implementation of docs/envelope-format.md, and the attacks on it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { contextBytes, type FieldCipher, fieldCipher } from "../../src/envelope/field-cipher.js";
import { formatEnvelope, parseEnvelope } from "../../src/envelope/format.js";
import { localKeys } from "../../src/envelope/local-keys.js";
import type { KeyService } from "../../src/keys/key-service.js";
import { ROOT } from "../helpers/cli.js";
import { tempStore } from "../helpers/store.js";

interface Vector {
  tenant: string;
  context: string;
  plaintext: string;
  keyId: string;
  keyVersion: number;
  masterKey: string;
  contextBytes: string;
  envelope: string;
}
const VECTORS = (
  JSON.parse(readFileSync(join(ROOT, "test/vectors/envelope-v1.json"), "utf8")) as {
    vectors: Vector[];
  }
).vectors;

/** The real local service, with its calls counted. */
function counted(service: KeyService) {
  const calls = { newDataKey: 0, openDataKey: 0, rewrapDataKey: 0, latestVersion: 0 };
  const wrapped: KeyService = {
    ...service,
    service: service.service,
    async newDataKey(name) {
      calls.newDataKey++;
      return service.newDataKey(name);
    },
    async openDataKey(name, key, version) {
      calls.openDataKey++;
      return service.openDataKey(name, key, version);
    },
    async rewrapDataKey(name, key, version) {
      calls.rewrapDataKey++;
      return service.rewrapDataKey(name, key, version);
    },
    async latestVersion(name) {
      calls.latestVersion++;
      return service.latestVersion(name);
    },
  };
  return { service: wrapped, calls };
}

async function setup(keyFor: (tenant: string) => string = (t) => `local:mek-${t}`) {
  const local = localKeys(await tempStore());
  for (const tenant of ["a", "b"]) local.rotate(`mek-${tenant}`);
  local.rotate("shared");
  const { service, calls } = counted(local);
  return { local, calls, cipher: fieldCipher({ services: [service], keyFor }) };
}

const at = (context: string) => ({ context });

describe("field envelopes: the format", () => {
  it("decrypts the specification's vectors, and parses and formats them byte for byte", async () => {
    // Versions 1, 2 and 3 of the vectors' master key (the same bytes each time).
    const mek = Buffer.from(VECTORS[0]?.masterKey as string, "hex");
    // rotate() would write random keys; the vectors need theirs.
    const own = await tempStore();
    for (let version = 1; version <= 3; version++) own.set("mek/tracker-mek-42", mek);
    const cipher = fieldCipher({
      services: [localKeys(own)],
      keyFor: () => "local:tracker-mek-42",
    });
    assert.equal(VECTORS.length, 3);
    for (const vector of VECTORS) {
      assert.equal(
        await cipher.decrypt(vector.tenant, vector.envelope, at(vector.context)),
        vector.plaintext,
      );
      assert.equal(formatEnvelope(parseEnvelope(vector.envelope)), vector.envelope);
      assert.equal(
        contextBytes(vector.keyId, vector.tenant, vector.context).toString("hex"),
        vector.contextBytes,
      );
      assert.deepEqual(cipher.keyOf(vector.envelope), {
        keyId: vector.keyId,
        keyVersion: vector.keyVersion,
      });
    }
  });

  it("round-trips any tenant, context and value; two encryptions of one value differ", async () => {
    const { cipher } = await setup(() => "local:shared");
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.string(),
        fc.uint8Array({ maxLength: 300 }),
        async (tenant, context, value) => {
          const text = await cipher.encrypt(tenant, value, at(context));
          assert.match(
            text,
            /^sbf1\.[A-Za-z0-9_-]+\.1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/,
          );
          assert.deepEqual(
            await cipher.decryptBytes(tenant, text, at(context)),
            Buffer.from(value),
          );
          assert.notEqual(await cipher.encrypt(tenant, value, at(context)), text);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("makes one data key for many values and opens it once for many reads (bounded)", async () => {
    const { cipher, calls, local } = await setup();
    const texts = await Promise.all(
      Array.from({ length: 500 }, (_, i) => cipher.encrypt("a", `value-${i}`, at(`t.c:${i}`))),
    );
    assert.equal(calls.newDataKey, 1, "concurrent encryptions share one new data key");
    const reader = counted(local);
    const fresh = fieldCipher({ services: [reader.service], keyFor: (t) => `local:mek-${t}` });
    for (const [i, text] of texts.entries())
      assert.equal(await fresh.decrypt("a", text, at(`t.c:${i}`)), `value-${i}`);
    assert.equal(reader.calls.openDataKey, 1);
    // Uses and age bound a data key's life.
    const limited = counted(local);
    const short = fieldCipher({
      services: [limited.service],
      keyFor: (t) => `local:mek-${t}`,
      dataKeyUses: 10,
    });
    for (let i = 0; i < 25; i++) await short.encrypt("a", "x", at("t.c:1"));
    assert.equal(limited.calls.newDataKey, 3);
    let clock = 0;
    const aging = counted(local);
    const timed = fieldCipher({
      services: [aging.service],
      keyFor: (t) => `local:mek-${t}`,
      dataKeyMaxAgeMs: 1000,
      now: () => clock,
    });
    await timed.encrypt("a", "x", at("t.c:1"));
    clock = 999;
    await timed.encrypt("a", "x", at("t.c:1"));
    clock = 1000;
    await timed.encrypt("a", "x", at("t.c:1"));
    assert.equal(aging.calls.newDataKey, 2);
    // The cache of opened keys is bounded: three data keys through a cache of two.
    const tiny = counted(local);
    const bounded = fieldCipher({
      services: [tiny.service],
      keyFor: (t) => `local:mek-${t}`,
      cacheSize: 2,
    });
    const three = [];
    for (let i = 0; i < 3; i++) {
      const maker = fieldCipher({ services: [local], keyFor: (t) => `local:mek-${t}` });
      three.push(await maker.encrypt("a", `v${i}`, at("t.c:1")));
    }
    for (const text of [...three, ...three]) await bounded.decrypt("a", text, at("t.c:1"));
    assert.equal(tiny.calls.openDataKey, 6, "each eviction costs a reopen");
  });

  it("after a master key rotation, new values go under the new version: at once once the cipher has seen it, within versionCheckMs otherwise", async () => {
    // Each way a cipher can learn of the new version, and the one where it learns nothing
    // (another process rotated): the bound is then the version check, not the data key's age.
    const ways: Record<
      string,
      (cipher: FieldCipher, newer: string, old: string) => Promise<unknown>
    > = {
      "its latestVersion()": (cipher) => cipher.latestVersion("local:mek-a"),
      "a rewrap (the rewrap job)": (cipher, _newer, old) => cipher.rewrap("a", old),
      "decrypting a value under the new version": (cipher, newer) =>
        cipher.decrypt("a", newer, at("t.c:new")),
    };
    for (const [way, learn] of Object.entries(ways)) {
      const { local } = await setup();
      let clock = 0;
      const { service, calls } = counted(local);
      const cipher = fieldCipher({
        services: [service],
        keyFor: (t) => `local:mek-${t}`,
        now: () => clock,
      });
      const old = await cipher.encrypt("a", "before", at("t.c:0"));
      assert.equal(cipher.keyOf(old).keyVersion, 1);
      assert.equal(local.rotate("mek-a"), 2);
      // A value another process sealed under the new version.
      const newer = await fieldCipher({
        services: [local],
        keyFor: (t) => `local:mek-${t}`,
      }).encrypt("a", "new", at("t.c:new"));
      await learn(cipher, newer, old);
      clock += 1;
      const after = await cipher.encrypt("a", "after", at("t.c:1"));
      assert.equal(cipher.keyOf(after).keyVersion, 2, `${way}: sealed under the old version`);
      assert.equal(calls.newDataKey, 2, way);
    }
    // Learning nothing: within versionCheckMs (default 30 s) the old version may still seal,
    // then one latestVersion call finds the new one; without a rotation the same data key is kept.
    const { local } = await setup();
    let clock = 0;
    const { service, calls } = counted(local);
    const cipher = fieldCipher({
      services: [service],
      keyFor: (t) => `local:mek-${t}`,
      now: () => clock,
    });
    await cipher.encrypt("a", "x", at("t.c:1"));
    clock = 30_000;
    assert.equal(cipher.keyOf(await cipher.encrypt("a", "x", at("t.c:1"))).keyVersion, 1);
    assert.deepEqual([calls.latestVersion, calls.newDataKey], [1, 1], "confirmed, same data key");
    local.rotate("mek-a");
    clock = 59_999;
    assert.equal(cipher.keyOf(await cipher.encrypt("a", "x", at("t.c:1"))).keyVersion, 1);
    clock = 60_000;
    const sealed = await cipher.encrypt("a", "x", at("t.c:1"));
    assert.equal(cipher.keyOf(sealed).keyVersion, 2, "30 s after the last check: the new version");
    assert.deepEqual([calls.latestVersion, calls.newDataKey], [2, 2]);
    // An edited version in a value's header teaches nothing (it does not open).
    const edited = sealed.replace(/\.2\./, ".7.");
    await assert.rejects(cipher.decrypt("a", edited, at("t.c:1")));
    clock += 1; // within the check interval
    assert.equal(cipher.keyOf(await cipher.encrypt("a", "x", at("t.c:1"))).keyVersion, 2);
    // Where latestVersion is refused (a policy without read on the key), a fresh data key is made.
    const denied = counted(local);
    const strict = fieldCipher({
      services: [
        { ...denied.service, latestVersion: async () => Promise.reject(new Error("403")) },
      ],
      keyFor: (t) => `local:mek-${t}`,
      now: () => clock,
    });
    await strict.encrypt("a", "x", at("t.c:1"));
    local.rotate("mek-a");
    clock += 30_000;
    assert.equal(strict.keyOf(await strict.encrypt("a", "x", at("t.c:1"))).keyVersion, 3);
    assert.equal(denied.calls.newDataKey, 2);
  });

  it("rewraps under the latest master key version without touching the ciphertext, once per data key", async () => {
    const { cipher, calls, local } = await setup();
    const texts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => cipher.encrypt("a", `value-${i}`, at(`t.c:${i}`))),
    );
    assert.equal(
      await cipher.rewrap("a", texts[0] as string),
      undefined,
      "already at the latest version",
    );
    assert.equal(local.rotate("mek-a"), 2);
    const moved = await Promise.all(texts.map((text) => cipher.rewrap("a", text)));
    assert.equal(calls.rewrapDataKey, 1);
    for (const [i, text] of moved.entries()) {
      assert.ok(text !== undefined);
      const before = parseEnvelope(texts[i] as string);
      const after = parseEnvelope(text);
      assert.deepEqual(
        [after.keyVersion, after.nonce, after.sealed],
        [2, before.nonce, before.sealed],
      );
      assert.equal(await cipher.decrypt("a", text, at(`t.c:${i}`)), `value-${i}`);
    }
  });
});

describe("field envelopes: attacks", () => {
  it("the parser is total: any string parses to an envelope that formats back to it, or is refused with E_ENVELOPE", () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{0,24}$/);
    const shaped = fc
      .tuple(
        fc.constantFrom("sbf1", "sbf2", ""),
        part,
        fc.stringMatching(/^[0-9]{0,3}$/),
        part,
        part,
        part,
      )
      .map((parts) => parts.join("."));
    fc.assert(
      fc.property(fc.oneof(fc.string(), shaped), (text) => {
        let parsed: ReturnType<typeof parseEnvelope>;
        try {
          parsed = parseEnvelope(text);
        } catch (error) {
          assert.equal((error as { code?: string }).code, "E_ENVELOPE", String(error));
          return;
        }
        assert.equal(formatEnvelope(parsed), text, "one spelling per envelope");
      }),
      { numRuns: 3000 },
    );
  });

  it("a value copied to another row, column or tenant does not decrypt, even under a shared key", async () => {
    const { cipher } = await setup(() => "local:shared");
    const text = await cipher.encrypt("a", "canary-ssn-078-05-1120", at("users.ssn:1"));
    for (const [tenant, where] of [
      ["a", "users.ssn:2"],
      ["a", "users.email:1"],
      ["b", "users.ssn:1"],
    ] as const) {
      await assert.rejects(
        cipher.decrypt(tenant, text, at(where)),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, "E_ENVELOPE");
          assert.ok(!error.message.includes("canary") && !error.message.includes(text));
          return true;
        },
      );
    }
  });

  it("a value under another tenant's key is refused before any key service is asked", async () => {
    const { cipher, calls } = await setup();
    const text = await cipher.encrypt("a", "secret-of-a", at("t.c:1"));
    const opens = calls.openDataKey;
    await assert.rejects(cipher.decrypt("b", text, at("t.c:1")), /not a key of tenant b/);
    assert.equal(calls.openDataKey, opens);
  });

  it("every changed, swapped, truncated or non-canonical part is refused with E_ENVELOPE and no plaintext", async () => {
    const { cipher } = await setup(() => "local:shared");
    const text = await cipher.encrypt("a", "canary-4471", at("t.c:1"));
    const parts = text.split(".");
    const variants: string[] = [];
    for (let part = 1; part < parts.length; part++) {
      const flipped = [...parts];
      const chars = [...(flipped[part] as string)];
      const middle = Math.floor(chars.length / 2);
      chars[middle] = chars[middle] === "A" ? "B" : "A";
      flipped[part] = chars.join("");
      variants.push(flipped.join("."));
    }
    variants.push(
      text.slice(0, -4),
      `${text}.x`,
      text.replace(/^sbf1/, "sbf2"),
      text.replace(/\.1\./, ".01."),
      `${text}=`,
      "vault:wireguard/servers/x",
      "",
      `sbf1.${"A".repeat(3_000_000)}`,
    );
    // A nonce or ciphertext from another value of the same tenant and key.
    const second = (await cipher.encrypt("a", "other", at("t.c:1"))).split(".");
    variants.push([...parts.slice(0, 4), second[4], parts[5]].join("."));
    variants.push([...parts.slice(0, 5), second[5]].join("."));
    for (const variant of variants)
      await assert.rejects(
        cipher.decrypt("a", variant, at("t.c:1")),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, "E_ENVELOPE", `${variant.slice(0, 80)}: ${error.message}`);
          assert.ok(!error.message.includes("canary"));
          return true;
        },
      );
  });

  it("a key version the master key no longer has (retired) cannot be read, and says why", async () => {
    const { cipher, local } = await setup();
    const text = await cipher.encrypt("a", "x", at("t.c:1"));
    const moved = text.replace(/\.1\./, ".9.");
    await assert.rejects(
      cipher.decrypt("a", moved, at("t.c:1")),
      /mek-a version 9 is not in the store/,
    );
    void local;
  });
});
