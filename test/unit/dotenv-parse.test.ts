import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDotenv } from "../../src/dotenv/parse.js";

const values = (text: string, lookup?: (name: string) => string | undefined) => {
  const result = parseDotenv(text, lookup === undefined ? {} : { lookup });
  assert.deepEqual(result.issues, []);
  return Object.fromEntries(result.entries.map((entry) => [entry.key, entry.value]));
};

describe(".env parser", () => {
  it("reads plain assignments, trims unquoted values and skips blank and comment lines", () => {
    assert.deepEqual(values("# comment\n\nA=1\n  B =  two words  \nexport C=3\n"), {
      A: "1",
      B: "two words",
      C: "3",
    });
  });

  it("treats # as a comment only at the start of a word in unquoted values", () => {
    assert.deepEqual(values("A=abc # note\nB=abc#def\nC=#x\n"), { A: "abc", B: "abc#def", C: "" });
  });

  it("keeps single-quoted and backtick values literal", () => {
    assert.deepEqual(
      values("A='x # $HOME \\n'\nB=`it's \"ok\"`\n", () => "EXPANDED"),
      {
        A: "x # $HOME \\n",
        B: `it's "ok"`,
      },
    );
  });

  it("processes escapes in double quotes", () => {
    assert.deepEqual(values('A="line1\\nline2\\t\\"q\\" \\\\ \\$HOME"\n'), {
      A: 'line1\nline2\t"q" \\ $HOME',
    });
  });

  it("reads multiline quoted values and comments after the closing quote", () => {
    const text = 'KEY="-----BEGIN-----\nabc\n-----END-----" # pem\nNEXT=1\n';
    assert.deepEqual(values(text), { KEY: "-----BEGIN-----\nabc\n-----END-----", NEXT: "1" });
  });

  it("normalises CRLF line endings", () => {
    assert.deepEqual(values("A=1\r\nB='x'\r\n"), { A: "1", B: "x" });
  });

  it("expands ${VAR}, $VAR and defaults from the lookup first, then earlier keys", () => {
    const env: Record<string, string> = { HOME: "/home/me", EMPTY: "" };
    const parsed = values(
      'HOST=localhost\nURL="http://${HOST}:${PORT:-8080}/$HOME"\nA=${EMPTY:-fallback}\nB=${EMPTY-kept}\nC=${UNSET}x\n',
      (name) => env[name],
    );
    assert.deepEqual(parsed, {
      HOST: "localhost",
      URL: "http://localhost:8080//home/me",
      A: "fallback",
      B: "",
      C: "x",
    });
  });

  it("never re-expands an expanded value", () => {
    assert.deepEqual(
      values("A=${X}\n", (name) => (name === "X" ? "${Y}" : "boom")),
      { A: "${Y}" },
    );
  });

  it("leaves $ alone when expansion is off", () => {
    assert.deepEqual(values("A=abc$def\n"), { A: "abc$def" });
  });

  it("lets the last duplicate win and keeps __proto__ a plain key", () => {
    const result = parseDotenv("A=1\nA=2\n__proto__=x\n");
    assert.deepEqual(
      result.entries.map((entry) => [entry.key, entry.value]),
      [
        ["A", "1"],
        ["A", "2"],
        ["__proto__", "x"],
      ],
    );
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it("reports an unterminated quote with its line, without swallowing later lines or quoting the value", () => {
    const result = parseDotenv('A=1\nB="never closed\nsecret-looking-line\nC=3\n', {
      source: "app.env",
    });
    assert.equal(result.issues.length, 1);
    assert.equal(result.issues[0]?.code, "E_DOTENV_PARSE");
    assert.match(
      result.issues[0]?.message ?? "",
      /^app\.env:2: the quoted value of B is never closed; the lines after it were not read$/,
    );
    assert.deepEqual(
      result.entries.map((entry) => entry.key),
      ["A"],
    );
  });

  it("reports lines without = and text after a closing quote", () => {
    const result = parseDotenv("JUSTAWORD\nA='x' y\n9X=1\n");
    assert.deepEqual(
      result.issues.map((item) => item.message),
      [
        '.env:1: expected KEY=value: the line has a name but no "="',
        ".env:2: unexpected text after the closing quote of A",
        ".env:3: expected KEY=value",
      ],
    );
  });

  it("records the line each entry starts on", () => {
    const result = parseDotenv('\n\nA="a\nb"\nB=2\n');
    assert.deepEqual(
      result.entries.map((entry) => entry.line),
      [3, 5],
    );
  });
});
