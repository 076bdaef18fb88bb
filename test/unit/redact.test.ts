import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createRedactor } from "../../src/redact/redactor.js";
import { createRedactingStream } from "../../src/redact/stream.js";

async function throughStream(
  secrets: { name: string; value: string }[],
  chunks: string[],
): Promise<string> {
  const source = Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
  return text(source.pipe(createRedactingStream(createRedactor(secrets))));
}

describe("redactor", () => {
  const redactor = createRedactor([
    { name: "TOKEN", value: "tok-12345" },
    { name: "PEM", value: "-----BEGIN-----\nMIIBsecretline\n-----END-----" },
    { name: "PIN", value: "42" },
  ]);

  it("masks values and their encoded forms", () => {
    const encoded = [
      "tok-12345",
      Buffer.from("tok-12345").toString("base64"),
      encodeURIComponent("a b tok-12345".slice(4)),
      "MIIBsecretline",
    ];
    for (const form of encoded) {
      const out = redactor.redact(`before ${form} after`);
      assert.ok(!out.includes(form), form);
      assert.match(out, /^before <redacted:(TOKEN|PEM)> after$/);
    }
  });

  it("does not mask secrets too short to mask safely, and says which", () => {
    assert.equal(redactor.redact("answer 42"), "answer 42");
    assert.deepEqual(redactor.tooShort, ["PIN"]);
  });

  it("masks a secret split across any chunk boundary", async () => {
    const secret = "split-secret-value";
    for (let cut = 1; cut < secret.length; cut++) {
      const out = await throughStream(
        [{ name: "S", value: secret }],
        [`x ${secret.slice(0, cut)}`, `${secret.slice(cut)} y`],
      );
      assert.equal(out, "x <redacted:S> y", `cut at ${cut}`);
    }
  });

  it("prefers the longer of two overlapping secrets", async () => {
    const secrets = [
      { name: "SHORT", value: "abcd" },
      { name: "LONG", value: "abcdefgh" },
    ];
    assert.equal(
      await throughStream(secrets, ["1 abcd", "efgh 2 abcd 3"]),
      "1 <redacted:LONG> 2 <redacted:SHORT> 3",
    );
  });

  it("leaves text without secrets byte-for-byte intact, however it is chunked", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: "grapheme", maxLength: 30 }), { maxLength: 6 }),
        async (chunks) => {
          fc.pre(!chunks.join("").includes("zz-secret"));
          assert.equal(
            await throughStream([{ name: "S", value: "zz-secret" }], chunks),
            chunks.join(""),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("never lets a secret through, however the stream is chunked", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        fc.array(fc.nat(60), { maxLength: 5 }),
        async (pre, post, cuts) => {
          const whole = `${pre}zz-secret${post}`;
          const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks = [0, ...points]
            .map((p, i, all) => whole.slice(p, all[i + 1] ?? whole.length))
            .filter(Boolean);
          const out = await throughStream([{ name: "S", value: "zz-secret" }], chunks);
          assert.ok(!out.includes("zz-secret"));
        },
      ),
      { numRuns: 300 },
    );
  });
});
