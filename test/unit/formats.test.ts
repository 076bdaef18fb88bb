import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDotenv } from "../../src/dotenv/parse.js";
import { StrongboxError } from "../../src/errors.js";
import {
  dotenvQuote,
  formatPairs,
  parseDockerEnvFile,
  shellQuote,
} from "../../src/format/formats.js";

const tricky: [string, string][] = [
  ["PLAIN", "abc"],
  ["EMPTY", ""],
  ["SPACES", "  padded  "],
  ["NEWLINE", "line1\nline2"],
  ["QUOTES", `it's "quoted"`],
  ["DOLLAR", "abc$def ${HOME}"],
  ["HASH", "a #b"],
  ["UNICODE", "héllo 🌍"],
  ["BACKSLASH", "c:\\path\\n"],
];

describe("output formats", () => {
  it("dotenv output reads back exactly through our parser, expansion on", () => {
    const parsed = parseDotenv(formatPairs(tricky, "dotenv"), { lookup: () => "WRONG" });
    assert.deepEqual(parsed.issues, []);
    assert.deepEqual(
      parsed.entries.map((entry) => [entry.key, entry.value]),
      tricky,
    );
  });

  it("quotes only what needs quoting", () => {
    assert.equal(dotenvQuote("postgres://u@h:5432/db"), "postgres://u@h:5432/db");
    assert.equal(dotenvQuote("a b"), "'a b'");
    assert.equal(dotenvQuote("it's"), `"it's"`);
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });

  it("json output is one object of strings", () => {
    assert.deepEqual(JSON.parse(formatPairs(tricky, "json")), Object.fromEntries(tricky));
  });

  it("docker output is verbatim and refuses line breaks, naming the variable", () => {
    const single = tricky.filter(([, value]) => !value.includes("\n"));
    assert.deepEqual(parseDockerEnvFile(formatPairs(single, "docker")), single);
    assert.throws(
      () => formatPairs(tricky, "docker"),
      (error: unknown) =>
        error instanceof StrongboxError &&
        error.code === "E_FORMAT" &&
        error.message.startsWith("NEWLINE:") &&
        !error.message.includes("line1"),
    );
  });

  it("refuses names that would inject lines", () => {
    assert.throws(() => formatPairs([["BAD\nKEY", "x"]], "dotenv"), /not a valid variable name/);
  });
});
