import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SMOKE_KINDS } from "../../src/lifecycle/smoke.js";
import { knownSchemes, sourceKinds } from "../../src/providers/registry.js";
import { clearRegistry, redactMessage, registerSecret } from "../../src/redact/registry.js";

/** Strongbox's own words, from the lists that define them. */
const vocabulary = [...SMOKE_KINDS, ...knownSchemes(), ...sourceKinds().map((k) => k.kind)].filter(
  (word) => word.length >= 6,
);

/** Values that hold `word`: as a URL's scheme, user and database, as a fragment, as a word. */
function valuesHolding(word: string): string[] {
  return [
    `${word}://${word}:Pw-${word}9x@127.0.0.1:5432/${word}?sslmode=disable`,
    `${word}ql://${word}x:Zz9-pass@db.internal/${word}db`,
    `x${word}y-7Q`,
    `${word}Q7-long`,
    `my-${word}-pw7`,
  ];
}

describe("the redaction registry never masks Strongbox's vocabulary", () => {
  it("generated: each word × each value holding it, as a JSON string and a table cell", () => {
    assert.ok(vocabulary.includes("postgres"), "the smoke kinds are in the list");
    let checked = 0;
    for (const word of vocabulary)
      for (const value of valuesHolding(word)) {
        clearRegistry();
        registerSecret("DATABASE_URL", value);
        for (const text of [
          JSON.stringify({ variable: "DATABASE_URL", kind: word }, null, 2),
          `DATABASE_URL (critical)  ${word}  pass`,
          `source: ${word}.`,
        ]) {
          assert.equal(redactMessage(text), text, `${word} in ${value}`);
          checked++;
        }
        // The value and any long-enough part of it beyond the word are still masked.
        const masked = redactMessage(`got ${value} and ${value.slice(0, word.length + 4)}`);
        assert.ok(!masked.includes(value), `${value} masked whole`);
        assert.doesNotMatch(
          masked,
          new RegExp(
            `${value.slice(0, word.length + 4).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!>)`,
          ),
        );
      }
    assert.ok(checked > 50);
  });

  it("a URL's scheme is not secret; the rest of the URL is", () => {
    for (const scheme of ["postgresql", "mysqlx", "amqps", "rediss", "mongodb+srv"]) {
      clearRegistry();
      const value = `${scheme}://user7:Secr3t-pw@host.example/dbname`;
      registerSecret("URL", value);
      for (const text of [`expected a ${scheme}:// URL`, `scheme ${scheme}: unsupported`])
        assert.equal(redactMessage(text), text, scheme);
      assert.match(redactMessage(`got ${scheme}://user7:Secr3t`), /<redacted:URL>/);
    }
  });
});
