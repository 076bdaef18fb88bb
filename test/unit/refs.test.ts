import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { StrongboxError } from "../../src/errors.js";
import { providerFor } from "../../src/providers/registry.js";
import { formatRef, parseRef, type Ref } from "../../src/refs/ref.js";

const valid = (text: string) => {
  const ref = parseRef(text, "VAR");
  providerFor(ref.scheme)?.validateRef(ref, "VAR");
  return ref;
};
const rejects = (text: string, pattern: RegExp) =>
  assert.throws(
    () => valid(text),
    (error: unknown) =>
      error instanceof StrongboxError &&
      error.code === "E_REF" &&
      pattern.test(error.message) &&
      (text.endsWith("://") || !error.message.includes(text)),
  );

describe("references", () => {
  it("parses each scheme's form", () => {
    for (const text of [
      "vault://secret/shop/app#DB_PASSWORD?version=3",
      "vault://secret/shop/app?version=3#DB_PASSWORD",
    ]) {
      const vault = valid(text);
      assert.deepEqual(
        [vault.path, vault.key, vault.params.version],
        ["secret/shop/app", "DB_PASSWORD", "3"],
      );
      assert.equal(formatRef(vault), "vault://secret/shop/app#DB_PASSWORD?version=3");
    }
    assert.throws(() => parseRef("vault://a/b?version=1#K?version=2"), /not both/);
    assert.equal(valid("env://DATABASE_URL").path, "DATABASE_URL");
    assert.equal(valid("store://db/password").path, "db/password");
    assert.equal(valid("file:///run/secrets/db").path, "/run/secrets/db");
    assert.equal(valid("file://secrets/db").path, "secrets/db");
  });

  it("decodes percent-escapes and formats canonically", () => {
    const ref = parseRef("vault://secret/my%20app#KEY%23HASH");
    assert.equal(ref.path, "secret/my app");
    assert.equal(ref.key, "KEY#HASH");
    assert.equal(formatRef(ref), "vault://secret/my%20app#KEY%23HASH");
  });

  it("names the variable, and never echoes the text, for malformed refs", () => {
    rejects("vault://secret#KEY", /VAR: malformed reference: vault:\/\/ needs a mount and a path/);
    rejects("vault://kv/other", /needs the key after #/);
    rejects("vault://secret/../app#K", /needs a mount and a path/);
    rejects("env://not a name", /env:\/\/ takes one variable name/);
    rejects("env://A#B", /takes no #key/);
    rejects("store://../x", /store names/);
    rejects("store://x?version=0", /positive integer/);
    rejects("store://x?v=1", /unknown parameter "v"/);
    rejects("vault://secret/app?version=1&version=2#K", /repeated/);
    rejects("vault://secret/%E0%A4%A#K", /malformed %-escape/);
    rejects("store://", /path .* is empty/);
    rejects("not-a-ref", /must start with a scheme/);
  });

  it("round-trips: parse(format(ref)) equals ref for arbitrary parts", () => {
    const part = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 });
    const ref = fc.record({
      scheme: fc.constantFrom("vault", "store", "env", "file", "x-custom"),
      path: part,
      key: fc.option(fc.string({ unit: "grapheme", maxLength: 10 }), { nil: undefined }),
      params: fc.dictionary(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/),
        fc.string({ unit: "grapheme", maxLength: 8 }),
        { maxKeys: 3 },
      ),
    });
    fc.assert(
      fc.property(ref, (input) => {
        const { key, ...rest } = input;
        const clean: Ref =
          key === undefined
            ? { ...rest, params: { ...rest.params } }
            : { ...rest, key, params: { ...rest.params } };
        const parsed = parseRef(formatRef(clean));
        assert.deepEqual({ ...parsed, params: { ...parsed.params } }, clean);
        assert.equal(formatRef(parsed), formatRef(clean));
      }),
      { numRuns: 500 },
    );
  });

  it("never crashes on arbitrary text: it parses or throws E_REF", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (text) => {
        try {
          parseRef(`vault://${text}`);
        } catch (error) {
          assert.ok(error instanceof StrongboxError && error.code === "E_REF");
        }
      }),
      { numRuns: 1000 },
    );
  });
});
