import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import dotenv from "dotenv";
import { parseDotenv } from "../../src/dotenv/parse.js";
import { ROOT } from "../helpers/cli.js";

const CORPUS = join(ROOT, "test/fixtures/dotenv-corpus");

/**
 * Where we deliberately differ from the dotenv package, and why (also in
 * docs/dotenv.md). Each entry pins both sides, so a change on either side fails.
 */
const DIFFERENCES: Record<
  string,
  { ours: string | undefined; theirs: string | undefined; why: string }
> = {
  "escapes.env:TAB": {
    ours: "a\tb",
    theirs: "a\\tb",
    why: "we process \\t in double quotes, like a shell",
  },
  "escapes.env:QUOTE": {
    ours: 'say "hi"',
    theirs: 'say \\"hi\\"',
    why: 'an escaped \\" is a quote, not two characters',
  },
  "escapes.env:BACKSLASH": { ours: "c:\\path", theirs: "c:\\\\path", why: "\\\\ is one backslash" },
  "hashes.env:HASH_NO_SPACE": {
    ours: "abc#def",
    theirs: "abc",
    why: "# starts a comment only after whitespace, so unquoted passwords keep their #",
  },
  "hashes.env:PASSWORD": {
    ours: "p@ss#w0rd!",
    theirs: "p@ss",
    why: "same rule: dotenv silently truncates this password",
  },
  "names.env:__proto__": {
    ours: "polluted",
    theirs: undefined,
    why: "any valid key is kept, in a null-prototype map",
  },
};

function ours(text: string): Record<string, string> {
  const result = parseDotenv(text);
  assert.deepEqual(result.issues, []);
  const out: Record<string, string> = Object.create(null);
  for (const entry of result.entries) out[entry.key] = entry.value;
  return out;
}

describe("differential: our .env parser against the dotenv package", () => {
  const files = readdirSync(CORPUS).filter((name) => name.endsWith(".env"));
  it("has a corpus to compare", () => assert.ok(files.length >= 8));
  for (const file of files) {
    it(`agrees on ${file} except where documented`, () => {
      const text = readFileSync(join(CORPUS, file), "utf8");
      const mine = ours(text);
      const theirs: Record<string, string> = dotenv.parse(text);
      const keys = new Set([...Object.keys(mine), ...Object.keys(theirs)]);
      for (const key of keys) {
        const known = DIFFERENCES[`${file}:${key}`];
        if (known === undefined) {
          assert.equal(mine[key], theirs[key], `${file}:${key}`);
        } else {
          assert.equal(mine[key], known.ours, `${file}:${key} (ours)`);
          assert.equal(
            Object.hasOwn(theirs, key) ? theirs[key] : undefined,
            known.theirs,
            `${file}:${key} (dotenv)`,
          );
        }
      }
    });
  }

  it("reports what dotenv silently accepts: a line without =, text after a quote, an open quote", () => {
    for (const text of ["NOEQUALS\n", 'A="x" trailing\n', 'A="never closed\nB=2\n']) {
      assert.equal(parseDotenv(text).issues.length, 1, text);
      assert.ok(Object.keys(dotenv.parse(text)).length <= 2);
    }
  });
});
