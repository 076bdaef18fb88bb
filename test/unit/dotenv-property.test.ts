import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseDotenv } from "../../src/dotenv/parse.js";
import { formatPairs, parseDockerEnvFile } from "../../src/format/formats.js";

const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);
const value = fc.string({ unit: "grapheme", maxLength: 60 });
const pairs = fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 8 });

describe(".env parser properties", () => {
  it("parse(format(pairs)) returns the same pairs, with and without expansion", () => {
    fc.assert(
      fc.property(pairs, fc.boolean(), (input, expand) => {
        const text = formatPairs(input, "dotenv");
        const result = parseDotenv(text, expand ? { lookup: () => "INJECTED" } : {});
        assert.deepEqual(result.issues, []);
        assert.deepEqual(
          result.entries.map((entry) => [entry.key, entry.value]),
          input.map(([k, v]) => [k, v]),
        );
      }),
      { numRuns: 500 },
    );
  });

  it("docker env files round-trip any single-line value verbatim", () => {
    const singleLine = value.filter((text) => !/[\r\n]/.test(text));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, singleLine), { selector: ([k]) => k, maxLength: 8 }),
        (input) => {
          assert.deepEqual(parseDockerEnvFile(formatPairs(input, "docker")), input);
        },
      ),
    );
  });

  it("never throws on arbitrary input and never reports a value", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const result = parseDotenv(text, { lookup: (name) => name });
        for (const item of result.issues) assert.match(item.message, /^\.env:\d+: /);
      }),
      { numRuns: 1000 },
    );
  });
});
