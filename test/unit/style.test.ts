// Colour and symbols (issue 13): colour only on a terminal unless forced, never
// with NO_COLOR; ASCII stand-ins where the locale is not UTF-8.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { asciiOnly, decorate, useColour } from "../../src/cli/style.js";
import { runCli, tempProject } from "../helpers/cli.js";

/** The escape that starts every colour sequence. */
const ESC = String.fromCharCode(27);

describe("output style", () => {
  it("colour: a terminal yes, a pipe no, NO_COLOR and TERM=dumb off, FORCE_COLOR on", () => {
    assert.equal(useColour({}, { isTTY: true }), true);
    assert.equal(useColour({}, { isTTY: false }), false);
    assert.equal(useColour({ NO_COLOR: "" }, { isTTY: true }), false);
    assert.equal(useColour({ TERM: "dumb" }, { isTTY: true }), false);
    assert.equal(useColour({ FORCE_COLOR: "1" }, {}), true);
    assert.equal(useColour({ FORCE_COLOR: "0" }, { isTTY: false }), false);
  });

  it("ASCII only for an explicit non-UTF-8 locale", () => {
    assert.equal(asciiOnly({}), false);
    assert.equal(asciiOnly({ LANG: "en_US.UTF-8" }), false);
    assert.equal(asciiOnly({ LANG: "C" }), true);
    assert.equal(asciiOnly({ LANG: "en_US.UTF-8", LC_ALL: "POSIX" }), true);
    assert.equal(
      decorate("  ✗ A is missing (E_MISSING)", { colour: false, ascii: true }),
      "  x A is missing (E_MISSING)",
    );
  });

  it("colours marks, errors, warnings and hints, and nothing else", () => {
    const text = "strongbox: error: broken (E_X)\n  ✗ A: bad\n      hint: fix it\n✓ fine";
    const painted = decorate(text, { colour: true, ascii: false });
    for (const part of [
      `strongbox: ${ESC}[31merror:${ESC}[39m broken`,
      `  ${ESC}[31m✗${ESC}[39m A: bad`,
      `${ESC}[2mhint:${ESC}[22m fix it`,
      `${ESC}[32m✓${ESC}[39m fine`,
    ])
      assert.ok(painted.includes(part), JSON.stringify(painted));
    assert.equal(
      painted
        .split(ESC)
        .map((piece, i) => (i === 0 ? piece : piece.replace(/^\[\d+m/, "")))
        .join(""),
      text,
    );
  });

  it("the CLI: plain in a pipe, coloured with FORCE_COLOR, ASCII with LANG=C", async () => {
    const dir = tempProject({ "strongbox.config.yaml": "variables:\n  A: { type: port }\n" });
    const plain = await runCli(["check"], { cwd: dir });
    assert.ok(!plain.stderr.includes(ESC));
    assert.match(plain.stderr, /✗ A is missing/);
    const forced = await runCli(["check"], { cwd: dir, env: { FORCE_COLOR: "1" } });
    assert.ok(forced.stderr.includes(`${ESC}[31m✗${ESC}[39m A is missing`), forced.stderr);
    const ascii = await runCli(["check"], { cwd: dir, env: { LANG: "C" } });
    assert.match(ascii.stderr, /^ {2}x A is missing/m);
    assert.doesNotMatch(ascii.stderr, /✗/);
  });
});
