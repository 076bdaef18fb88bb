// Go strings are bytes (issue 25 fuzz failure, seed 833809633): every template string
// function that cuts, joins or maps runes must treat bytes that are not UTF-8 as Go does:
// a repeat or a join can make a whole character of two halves, a case mapping writes each
// invalid byte as U+FFFD, a trim or a split leaves them as they are. The expected outputs
// are Go's own (test/fixtures/go-strings/main.go runs the real Sprig, x/text and strings
// package); Go is not needed to run this test.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PURE_FUNCTIONS } from "../../src/template/functions.js";
import { bytesToText, textToBytes } from "../../src/template/go-bytes.js";
import { SPRIG_FUNCTIONS } from "../../src/template/sprig.js";
import { ROOT } from "../helpers/cli.js";

type Arg = string | number | string[];
interface Vector {
  fn: string;
  /** A function the string result is piped on into. */
  then?: string;
  args: Arg[];
  out: {
    s?: string;
    b?: boolean;
    l?: string[];
    m?: Record<string, string>;
    err?: string;
    panic?: string;
  };
}

const { vectors } = JSON.parse(
  readFileSync(join(ROOT, "test/fixtures/go-string-vectors.json"), "utf8"),
) as { vectors: Vector[] };

const fromHex = (hex: string) => bytesToText(Buffer.from(hex, "hex"));
const toHex = (value: unknown) =>
  typeof value === "string" ? textToBytes(value).toString("hex") : value;

function argument(arg: Arg): unknown {
  if (typeof arg === "number") return arg;
  return typeof arg === "string" ? fromHex(arg) : arg.map(fromHex);
}

/** What our function gives, in the vectors' shape (strings as hex of the bytes written). */
function ours(vector: Vector): Vector["out"] {
  let result: unknown;
  try {
    result = call(vector.fn, vector.args.map(argument));
    if (vector.then !== undefined && typeof result === "string")
      result = call(vector.then, [result]);
  } catch (error) {
    return vector.out.panic === undefined ? { err: (error as Error).message } : { panic: "thrown" };
  }
  if (typeof result === "string") return { s: toHex(result) as string };
  if (typeof result === "boolean") return { b: result };
  if (Array.isArray(result)) return { l: result.map((item) => toHex(item) as string) };
  return {
    m: Object.fromEntries(
      Object.entries(result as Record<string, unknown>).map(([k, v]) => [k, toHex(v) as string]),
    ),
  };
}

function call(name: string, args: unknown[]): unknown {
  const fn = PURE_FUNCTIONS[name] ?? SPRIG_FUNCTIONS[name];
  assert.ok(fn, `${name} is implemented`);
  const result = fn(args);
  // The value model: a string holds each byte that is not UTF-8 as an escape, and only
  // those, whatever function made it (else the next function reads different runes).
  for (const text of typeof result === "string" ? [result] : Object.values(result ?? {}))
    if (typeof text === "string")
      assert.equal(text, bytesToText(textToBytes(text)), `${name}: canonical`);
  return result;
}

function expected(vector: Vector): Vector["out"] {
  return vector.out.panic === undefined ? vector.out : { panic: "thrown" };
}

const byFunction = new Map<string, Vector[]>();
for (const vector of vectors)
  byFunction.set(vector.fn, [...(byFunction.get(vector.fn) ?? []), vector]);

describe("template string functions on Go byte strings, as Go computes them", () => {
  it("the vectors cover every function of the family, invalid UTF-8 in each", () => {
    assert.ok(vectors.length > 5000, `${vectors.length} vectors`);
    for (const [fn, cases] of byFunction)
      assert.ok(
        cases.some((vector) =>
          vector.args.flat().some((a) => typeof a === "string" && /^(?:..)*?[89a-f]/.test(a)),
        ),
        `${fn} meets bytes above 0x7F`,
      );
  });

  for (const [fn, cases] of byFunction)
    it(`${fn}: ${cases.length} byte strings as Go gives them`, () => {
      const wrong = cases.filter((vector) => {
        try {
          assert.deepEqual(ours(vector), expected(vector));
          return false;
        } catch {
          return true;
        }
      });
      assert.deepEqual(
        wrong
          .slice(0, 5)
          .map((vector) => ({ args: vector.args, go: expected(vector), ours: ours(vector) })),
        [],
        `${wrong.length} of ${cases.length} differ from Go`,
      );
    });
});
