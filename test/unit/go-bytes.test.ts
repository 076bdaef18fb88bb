// The renderer's byte strings (issue 15): Go strings are bytes, so a template may hold
// bytes that are not UTF-8; they must reach the output file unchanged.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { byteLength, bytesToText, escapedByte, textToBytes } from "../../src/template/go-bytes.js";

describe("template byte strings", () => {
  it("any bytes survive the round trip, and len counts them", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = bytesToText(bytes);
        assert.deepEqual([...textToBytes(text)], [...bytes]);
        assert.equal(byteLength(text), bytes.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("valid UTF-8 decodes to the same text as Node's decoder, astral characters included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (text) => {
        const bytes = Buffer.from(text, "utf8");
        assert.equal(bytesToText(bytes), text);
        assert.deepEqual(textToBytes(text), bytes);
      }),
    );
  });

  it("each invalid byte is one escape, by Go's rules (overlong, surrogate, cut sequences)", () => {
    const cases: Array<[number[], number]> = [
      [[0xff], 1],
      [[0xc0, 0x80], 2], // overlong NUL
      [[0xed, 0xa0, 0x80], 3], // an encoded surrogate
      [[0xf0, 0x9f, 0x8c], 3], // a cut four-byte sequence
      [[0xf4, 0x90, 0x80, 0x80], 4], // beyond U+10FFFF
    ];
    for (const [bytes, escapes] of cases) {
      const text = bytesToText(Uint8Array.from(bytes));
      assert.equal(
        [...text].filter((c) => escapedByte(c) !== undefined).length,
        escapes,
        String(bytes),
      );
    }
    assert.equal(bytesToText(Uint8Array.from([0xe2, 0x82, 0xac])), "€");
  });

  it("a real surrogate pair is never mistaken for an escape", () => {
    assert.deepEqual(textToBytes("🌍"), Buffer.from("🌍"));
    assert.equal(escapedByte("🌍"), undefined);
  });
});
