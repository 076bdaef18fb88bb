import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coerceBuiltin } from "../../src/schema/coerce.js";
import type { VariableSpec } from "../../src/schema/types.js";

const ok = (spec: VariableSpec, raw: string) => {
  const result = coerceBuiltin(spec, raw);
  assert.ok(result.ok, `expected ${raw} to pass`);
  return result.value;
};
const bad = (spec: VariableSpec, raw: string) => {
  const result = coerceBuiltin(spec, raw);
  assert.ok(!result.ok, `expected ${raw} to fail`);
  assert.ok(!result.expected.includes(raw) || raw === "", "the message must not quote the value");
  return result.expected;
};

describe("built-in types", () => {
  it("string, with an optional whole-value pattern", () => {
    assert.equal(ok({}, " x "), " x ");
    assert.equal(ok({ pattern: "sk_[a-z]+" }, "sk_abc"), "sk_abc");
    assert.match(bad({ pattern: "sk_[a-z]+" }, "xsk_abc"), /matching/);
  });
  it("url, with allowed protocols", () => {
    assert.equal(ok({ type: "url" }, "https://example.com/x"), "https://example.com/x");
    bad({ type: "url" }, "example.com");
    assert.match(
      bad({ type: "url", protocols: ["https"] }, "http://example.com"),
      /protocol https/,
    );
  });
  it("int, number and port with bounds", () => {
    assert.equal(ok({ type: "int" }, " 42 "), 42);
    bad({ type: "int" }, "4.2");
    bad({ type: "int" }, "9007199254740993");
    assert.equal(ok({ type: "number" }, "-1.5e3"), -1500);
    bad({ type: "number" }, "");
    bad({ type: "number" }, "Infinity");
    assert.match(bad({ type: "int", min: 1, max: 5 }, "6"), /in 1\.\.5/);
    assert.equal(ok({ type: "port" }, "8080"), 8080);
    bad({ type: "port" }, "0");
    bad({ type: "port" }, "65536");
  });
  it("boolean accepts the usual spellings", () => {
    for (const text of ["true", "TRUE", "1", "yes", "on"])
      assert.equal(ok({ type: "boolean" }, text), true);
    for (const text of ["false", "0", "no", "Off"])
      assert.equal(ok({ type: "boolean" }, text), false);
    bad({ type: "boolean" }, "maybe");
  });
  it("enum, json, duration and list", () => {
    assert.equal(ok({ type: "enum", values: ["a", "b"] }, "b"), "b");
    assert.match(bad({ type: "enum", values: ["a", "b"] }, "c"), /one of a, b/);
    assert.deepEqual(ok({ type: "json" }, '{"a":[1]}'), { a: [1] });
    bad({ type: "json" }, "{nope");
    assert.equal(ok({ type: "duration" }, "1h30m"), 5_400_000);
    assert.equal(ok({ type: "duration" }, "250ms"), 250);
    assert.equal(ok({ type: "duration" }, "1500"), 1500);
    bad({ type: "duration" }, "soon");
    assert.deepEqual(ok({ type: "list" }, " a, b ,,c "), ["a", "b", "c"]);
    assert.deepEqual(ok({ type: "list", separator: ";" }, "a,b;c"), ["a,b", "c"]);
  });
});
