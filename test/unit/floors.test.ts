// The house rules of src/, held by tests: rooms on declared floors, no cycle
// between rooms, commands through the public library, and functions and files
// small enough to read. See CONTRIBUTING.md ("Where code goes").
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  arrowsAgainstTheOrder,
  commandImports,
  FLOORS,
  floorOf,
  functionSizes,
  importArrows,
  longFiles,
  longFunctions,
  roomCycles,
  roomOf,
  sourceFiles,
  srcOf,
} from "../helpers/architecture.js";
import { ROOT } from "../helpers/cli.js";

const files = sourceFiles(srcOf(ROOT));
const arrows = importArrows(files);

/**
 * Commands that still reach past the public library, each with its reason.
 * This list may only shrink: a test fails when an entry is no longer needed.
 */
const COMMAND_EXCEPTIONS: Record<string, string> = {
  "cli/commands/ui.ts -> ui/pages.ts":
    "the dashboard is a local web page served by the CLI, not a library operation; its pages are not published",
  "cli/commands/ui.ts -> ui/server.ts":
    "the dashboard's loopback server (token, origin checks) belongs to the `ui` command alone",
};

describe("floors", () => {
  it("every room of src/ sits on a declared floor", () => {
    const unplaced = [...new Set(files.map((file) => roomOf(file.path)))].filter(
      (room) => floorOf(room) === undefined,
    );
    assert.deepEqual(unplaced, []);
  });

  it("no import cycle between rooms (type-only imports count)", () => {
    assert.deepEqual(roomCycles(arrows), []);
  });

  it("rooms import only rooms on lower floors", () => {
    const against = arrowsAgainstTheOrder(arrows).map(
      (arrow) => `${arrow.from} -> ${arrow.to}${arrow.typeOnly ? " (type)" : ""}`,
    );
    assert.deepEqual(against, []);
  });

  it("the checks are live: an upward, a sideways and a cyclic arrow are caught", () => {
    const up = { from: "schema/types.ts", to: "store/core.ts", typeOnly: true };
    const side = { from: "audit/x.ts", to: "vault/y.ts", typeOnly: false };
    const back = { from: "store/core.ts", to: "schema/types.ts", typeOnly: false };
    assert.equal(arrowsAgainstTheOrder([up, side]).length, 2);
    assert.deepEqual(roomCycles([up, back]), [["schema", "store"]]);
    assert.ok(FLOORS.flat().includes("cli"));
  });
});

describe("commands through the library", () => {
  const reaching = commandImports(arrows);

  it("src/cli/commands/* import only src/api/*, the entry points, errors and src/cli/*", () => {
    const unlisted = reaching.filter((arrow) => COMMAND_EXCEPTIONS[arrow] === undefined);
    assert.deepEqual(unlisted, []);
  });

  it("the list of exceptions only shrinks: each entry is still needed", () => {
    const stale = Object.keys(COMMAND_EXCEPTIONS).filter((arrow) => !reaching.includes(arrow));
    assert.deepEqual(stale, []);
  });
});

describe("sizes", () => {
  it("at most 10 functions over 60 own lines, none over 80 (nested functions count on their own)", (t) => {
    const long = longFunctions(files);
    for (const size of long)
      t.diagnostic(`${size.ownLines} ${size.file}:${size.line} ${size.name}`);
    assert.ok(long.length <= 10, `${long.length} functions over 60 lines`);
    assert.ok((long[0]?.ownLines ?? 0) <= 80, `the longest has ${long[0]?.ownLines} lines`);
  });

  it("own lines leave out a nested function of 3+ lines, not a one-liner", () => {
    const text = [
      "function outer() {",
      "  const small = () => 1;",
      "  const inner = () => {",
      "    return 2;",
      "  };",
      "  return small() + inner();",
      "}",
      "",
    ].join("\n");
    const sizes = functionSizes({ path: "x.ts", text });
    const outer = sizes.find((size) => size.name === "outer");
    assert.equal(outer?.ownLines, 4);
    assert.equal(sizes.find((size) => size.name === "inner")?.ownLines, 3);
  });

  it("at most 3 files over 400 lines", () => {
    const long = longFiles(files);
    assert.ok(long.length <= 3, long.map((file) => `${file.file} ${file.lines}`).join(", "));
  });
});
