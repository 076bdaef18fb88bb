// Issue 25 (start-up): the redactor and the registry compute a secret's masking forms on
// first use, not when it is registered. Generated over every form the redactor masks and
// every first use (a stream's first chunk, as `run` pipes a child's output; a redactor's
// first `redact`; the registry's first message; its first `holdsSecret`): the very first
// text is masked in every form, so laziness lets nothing through.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { describe, it } from "node:test";
import { createRedactor, encodedForms, MIN_MASK_LENGTH } from "../../src/redact/redactor.js";
import {
  clearRegistry,
  holdsSecret,
  redactMessage,
  registeredRedactor,
  registerSecret,
} from "../../src/redact/registry.js";
import { createRedactingStream } from "../../src/redact/stream.js";

const VALUES = [
  "pa ss/wörd+=42'x",
  "-----BEGIN KEY-----\nMIIBsecretlineABCDEF\n-----END KEY-----",
  "postgres://app:s3cr3t-pw@db.internal:5432/app?sslmode=require",
];

/** Every form of every value, each as the first output of a fresh redactor. */
function cases(): Array<{ value: string; form: string }> {
  return VALUES.flatMap((value) =>
    encodedForms(value)
      .filter((form) => form.length >= MIN_MASK_LENGTH)
      .map((form) => ({ value, form })),
  );
}

const FIRST_USES: ReadonlyArray<
  readonly [string, (value: string, output: string) => Promise<string>]
> = [
  [
    "the first chunk of a child's output piped through the registered redactor (run)",
    async (value, output) => {
      clearRegistry();
      registerSecret("SECRET", value);
      // `run` makes the redactor when it resolves and the stream when it spawns, before
      // the child writes anything: the first chunk is the first use.
      const stream = createRedactingStream(registeredRedactor());
      return text(Readable.from([Buffer.from(output)]).pipe(stream));
    },
  ],
  [
    "the first chunk, cut in two, of a redactor's stream",
    async (value, output) => {
      const stream = createRedactingStream(createRedactor([{ name: "SECRET", value }]));
      const half = Math.floor(output.length / 2);
      return text(
        Readable.from([Buffer.from(output.slice(0, half)), Buffer.from(output.slice(half))]).pipe(
          stream,
        ),
      );
    },
  ],
  [
    "a redactor's first redact",
    async (value, output) => createRedactor([{ name: "SECRET", value }]).redact(output),
  ],
  [
    "the registry's first message",
    async (value, output) => {
      clearRegistry();
      registerSecret("SECRET", value);
      return redactMessage(output);
    },
  ],
];

describe("masking forms computed on first use (issue 25)", () => {
  for (const [use, first] of FIRST_USES)
    it(`${use}: every form of a secret registered before any output is masked`, async () => {
      for (const { value, form } of cases()) {
        const out = await first(value, `start ${form} end\n`);
        assert.ok(!out.includes(form), `${JSON.stringify(form)} got through: ${out}`);
        assert.match(out, /<redacted:SECRET>/);
      }
    });

  it("the registry's first holdsSecret sees every form of a value registered before it", () => {
    for (const { value, form } of cases()) {
      clearRegistry();
      registerSecret("SECRET", value);
      assert.equal(holdsSecret(`kv/${form}`), true, form);
    }
  });

  it("a value registered after the registry was first asked is masked at the next message", () => {
    clearRegistry();
    registerSecret("FIRST", "first-value-123");
    assert.equal(redactMessage("nothing"), "nothing");
    registerSecret("LATER", "later-value-456");
    const encoded = Buffer.from("later-value-456").toString("base64");
    assert.equal(redactMessage(`a ${encoded} b`), "a <redacted:LATER> b");
    assert.equal(holdsSecret("later-value-456"), true);
    clearRegistry();
  });

  it("a stream that carries nothing ends without computing a form, and one that does masks", async () => {
    let reads = 0;
    const real = createRedactor([{ name: "SECRET", value: "quiet-secret-99" }]);
    const counting = {
      tooShort: real.tooShort,
      redact: real.redact,
      get patterns() {
        reads++;
        return real.patterns;
      },
    };
    assert.equal(await text(Readable.from([]).pipe(createRedactingStream(counting))), "");
    assert.equal(reads, 0);
    const out = await text(
      Readable.from([Buffer.from("x quiet-secret-99 y")]).pipe(createRedactingStream(counting)),
    );
    assert.equal(out, "x <redacted:SECRET> y");
  });
});
