// Issue 9, item 16: Project Wycheproof's known-answer vectors, from outside the project
// (copied unchanged from C2SP/wycheproof with its LICENSE), through the store's own primitives.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { hkdf, hmac, macEquals, open, seal } from "../../src/store/crypto.js";
import { ROOT } from "../helpers/cli.js";

interface Group<T> {
  readonly keySize: number;
  readonly ivSize?: number;
  readonly tagSize?: number;
  readonly tests: readonly (T & { tcId: number; result: "valid" | "invalid" | "acceptable" })[];
}
const load = <T>(file: string): Group<T>[] =>
  JSON.parse(readFileSync(join(ROOT, "test/vectors/wycheproof", file), "utf8")).testGroups;
const hex = (text: string) => Buffer.from(text, "hex");

describe("Wycheproof vectors through the store's primitives", () => {
  it("AES-256-GCM with 96-bit nonces and 128-bit tags (the store's parameters): every valid case seals and opens, every invalid one is refused", () => {
    const groups = load<{
      key: string;
      iv: string;
      aad: string;
      msg: string;
      ct: string;
      tag: string;
    }>("aes_gcm_test.json").filter(
      (group) => group.keySize === 256 && group.ivSize === 96 && group.tagSize === 128,
    );
    let valid = 0;
    let invalid = 0;
    for (const group of groups)
      for (const test of group.tests) {
        const sealed = Buffer.concat([hex(test.ct), hex(test.tag)]);
        const opened = open(hex(test.key), hex(test.iv), sealed, hex(test.aad));
        if (test.result === "valid") {
          valid++;
          assert.equal(
            seal(hex(test.key), hex(test.iv), hex(test.msg), hex(test.aad)).toString("hex"),
            sealed.toString("hex"),
            `tc ${test.tcId}`,
          );
          assert.equal(opened?.toString("hex"), test.msg, `tc ${test.tcId}`);
        } else if (test.result === "invalid") {
          invalid++;
          assert.equal(opened, undefined, `tc ${test.tcId} must be refused`);
        }
      }
    assert.ok(valid >= 35 && invalid >= 20, `${valid} valid, ${invalid} invalid cases run`);
  });

  it("AES-GCM with other key or nonce sizes is refused outright, valid or not", () => {
    const others = load<{ key: string; iv: string; aad: string; ct: string; tag: string }>(
      "aes_gcm_test.json",
    ).filter((group) => group.keySize !== 256 || group.ivSize !== 96);
    let count = 0;
    for (const group of others)
      for (const test of group.tests) {
        count++;
        assert.equal(
          open(
            hex(test.key),
            hex(test.iv),
            Buffer.concat([hex(test.ct), hex(test.tag)]),
            hex(test.aad),
          ),
          undefined,
        );
      }
    assert.ok(count > 200);
  });

  it("HKDF-SHA-256: every valid case derives the expected output, every invalid one fails", () => {
    let count = 0;
    for (const group of load<{
      ikm: string;
      salt: string;
      info: string;
      size: number;
      okm: string;
    }>("hkdf_sha256_test.json"))
      for (const test of group.tests) {
        count++;
        if (test.result === "valid")
          assert.equal(
            hkdf(hex(test.ikm), hex(test.salt), hex(test.info), test.size).toString("hex"),
            test.okm,
            `tc ${test.tcId}`,
          );
        else
          assert.throws(
            () => hkdf(hex(test.ikm), hex(test.salt), hex(test.info), test.size),
            `tc ${test.tcId}`,
          );
      }
    assert.equal(count, 86);
  });

  it("HMAC-SHA-256, full and truncated tags compared in constant time: valid accepted, invalid refused", () => {
    let count = 0;
    for (const group of load<{ key: string; msg: string; tag: string }>("hmac_sha256_test.json"))
      for (const test of group.tests) {
        count++;
        const computed = hmac(hex(test.key), hex(test.msg)).subarray(0, (group.tagSize ?? 256) / 8);
        assert.equal(
          macEquals(computed, hex(test.tag)),
          test.result === "valid",
          `tc ${test.tcId}`,
        );
      }
    assert.equal(count, 174);
  });
});
