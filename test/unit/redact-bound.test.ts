// Issue 27 item 10 (start-up): the redactor builds a family of masking forms only once a text
// is long enough to hold one of them (src/redact/forms.ts gives each family a length bound).
// That is safe only if every bound is a true floor and the lazily built list masks every text
// exactly as the whole list does. Both are checked over generated values of every kind (letters,
// percent-encoder symbols, multi-line with CRLF, case forms that change length, astral and lone
// surrogates, control characters, quotes) and lengths (around base64's groups of three, the
// 64-character wrap, the 8-character floor of embedded base64), with texts that embed each form
// at every length from the form's own to a few characters more, and texts just too short.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formFamilies } from "../../src/redact/forms.js";
import {
  createRedactor,
  encodedForms,
  MIN_MASK_LENGTH,
  type SecretToMask,
} from "../../src/redact/redactor.js";

const POOLS = [
  "abcdefXYZ0189",
  "-_.~!*'()/ +=&%?#:@",
  '\n\r\t"\\',
  "éßİĲﬀΣσςǅ日本𝔘😀",
  "\u0000\u0001\u001f\u007f",
  "\ud800\udfff",
];

/** Never in a value nor in any form of one: a border no form can reach across. */
const PAD = "¤";

function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
}

function values(count: number, seed: number): string[] {
  const rnd = random(seed);
  const lengths = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 20, 32, 42, 47, 48, 49, 50, 57, 58, 64, 100];
  return Array.from({ length: count }, () => {
    const length = rnd(4) === 0 ? 1 + rnd(160) : (lengths[rnd(lengths.length)] as number);
    const chars = [...POOLS.filter(() => rnd(2) === 0).join("")];
    if (chars.length === 0) chars.push(...(POOLS[0] as string));
    let value = "";
    for (let i = 0; i < length; i++) value += chars[rnd(chars.length)];
    return value;
  });
}

/** The redactor with every family built (reading `patterns` builds them all): the eager one. */
function eager(secrets: readonly SecretToMask[]) {
  const redactor = createRedactor(secrets);
  void redactor.patterns;
  return redactor;
}

describe("masking forms built per text length (issue 27 item 10)", () => {
  it("no form of a family is shorter than the family's bound, for every kind of value", () => {
    for (const value of values(4000, 11))
      for (const [f, family] of formFamilies(value).entries())
        for (const form of family.forms())
          assert.ok(
            form.length >= family.min,
            `family ${f} of ${JSON.stringify(value)}: ${form.length} < ${family.min}`,
          );
  });

  it("the families hold exactly the forms the redactor masks, in the same order", () => {
    for (const value of values(500, 12)) {
      const all = formFamilies(value).flatMap((family) => family.forms());
      assert.deepEqual(encodedForms(value), [...new Set(all)]);
      assert.ok(!all.some((form) => form.includes(PAD)));
    }
  });

  it("a fresh redactor masks each form in a text of every length near it, as the eager one does", () => {
    const pool = values(240, 13);
    for (let i = 0; i + 2 < pool.length; i += 3) {
      // Three values; a shared form (one value the upper case of another) keeps the first name.
      const secrets = [
        { name: "A", value: pool[i] as string },
        { name: "B", value: pool[i + 1] as string },
        { name: "C", value: (pool[i] as string).toUpperCase() },
      ];
      const whole = eager(secrets);
      for (const { value } of secrets)
        for (const form of encodedForms(value).filter((form) => form.length >= MIN_MASK_LENGTH))
          for (const text of textsAround(form)) {
            const lazy = createRedactor(secrets).redact(text);
            assert.equal(lazy, whole.redact(text), `${JSON.stringify(text)}`);
            // A value under MIN_MASK_LENGTH is not masked at all (the redactor's tooShort).
            if (value.length >= MIN_MASK_LENGTH && text.includes(form))
              assert.ok(!lazy.includes(form), JSON.stringify(text));
          }
    }
  });

  it("one redactor used for a short text, then longer ones, masks each as the eager one", () => {
    const pool = values(120, 14);
    for (let i = 0; i + 1 < pool.length; i += 2) {
      const secrets = [
        { name: "A", value: pool[i] as string },
        { name: "B", value: pool[i + 1] as string },
      ];
      const whole = eager(secrets);
      const lazy = createRedactor(secrets);
      const forms = secrets.flatMap(({ value }) => encodedForms(value));
      const texts = forms.flatMap(textsAround).sort((a, b) => a.length - b.length);
      // Short to long, then long to short: what a family built late must not change.
      for (const text of [...texts, ...texts.reverse()])
        assert.equal(lazy.redact(text), whole.redact(text), JSON.stringify(text));
    }
  });
});

/** `form` alone and padded up to three characters, and its cut-short neighbours. */
function textsAround(form: string): string[] {
  const texts = [form.slice(1), form.slice(0, -1)];
  for (let before = 0; before <= 3; before++)
    for (let after = 0; before + after <= 3; after++)
      texts.push(PAD.repeat(before) + form + PAD.repeat(after));
  return texts;
}
