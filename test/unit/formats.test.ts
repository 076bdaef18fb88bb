import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDotenv } from "../../src/dotenv/parse.js";
import { StrongboxError } from "../../src/errors.js";
import {
  dotenvQuote,
  formatPairs,
  githubMasks,
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

describe("more output formats", () => {
  it("yaml reads back exactly with a YAML parser", async () => {
    const { parse } = await import("yaml");
    assert.deepEqual(parse(formatPairs(tricky, "yaml")), Object.fromEntries(tricky));
  });

  it("systemd quotes for EnvironmentFile, reads back with our parser (no expansion), refuses line breaks", () => {
    const single = tricky.filter(([, value]) => !value.includes("\n"));
    const parsed = parseDotenv(formatPairs(single, "systemd"));
    assert.deepEqual(parsed.issues, []);
    assert.deepEqual(
      parsed.entries.map((entry) => [entry.key, entry.value]),
      single,
    );
    assert.throws(() => formatPairs(tricky, "systemd"), /NEWLINE: cannot write in systemd format/);
  });

  it("github: heredocs for the env file, and masks for every line of every secret apart", () => {
    const pairs = [
      ["TOKEN", "tok-1"],
      ["PEM", "line1\nline2"],
      ["PLAIN", "visible"],
    ] as const;
    assert.equal(
      formatPairs(pairs, "github", { delimiter: () => "EOF_X" }),
      "TOKEN<<EOF_X\ntok-1\nEOF_X\nPEM<<EOF_X\nline1\nline2\nEOF_X\nPLAIN<<EOF_X\nvisible\nEOF_X\n",
    );
    assert.equal(
      githubMasks(pairs, new Set(["TOKEN", "PEM"])),
      "::add-mask::tok-1\n::add-mask::line1%0Aline2\n::add-mask::line1\n::add-mask::line2\n",
    );
    const tricked = formatPairs([["V", "a\nEOF_X\nb"]], "github", { delimiter: () => "EOF_X" });
    assert.doesNotMatch(
      tricked,
      /^V<<EOF_X$/m,
      "a value containing the delimiter gets another one",
    );
  });

  it("kubernetes writes a Secret manifest whose data decodes to the values", async () => {
    const { parse } = await import("yaml");
    const manifest = parse(formatPairs(tricky, "kubernetes", { name: "shop-secrets" }));
    assert.equal(manifest.kind, "Secret");
    assert.equal(manifest.metadata.name, "shop-secrets");
    assert.deepEqual(
      Object.entries(manifest.data as Record<string, string>).map(([key, value]) => [
        key,
        Buffer.from(value, "base64").toString("utf8"),
      ]),
      tricky,
    );
    assert.throws(
      () => formatPairs(tricky, "kubernetes", { name: "Bad_Name" }),
      /not a valid Kubernetes object name/,
    );
  });

  it("direnv writes shell export lines", () => {
    assert.equal(formatPairs([["A", "it's"]], "direnv"), "export A='it'\\''s'\n");
  });
});
