// Issue 24, item 9: one audited path for store changes. A store file (keyring,
// secret file, manifest, the files init lays down) is written only by the writer
// that store/audited-change.ts hands out after the change's record is written. This
// test reads the source: any other module of src/store that writes a file, and any
// module elsewhere that writes a file and names the store's files, fails it. The
// modules allowed to write other files are listed with what they write; a stale
// entry fails too. test/e2e/store-mutations-audited.test.ts checks the behaviour.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/cli.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The file with comments removed: a word in prose is no call. */
const code = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "")
    .replace(/\s\/\/ .*$/gm, "");

/** Every way Node (or our helpers, fs/lock.ts's included) writes, moves, removes or creates a file or directory. */
const WRITES =
  /\b(lockFile|sweepLeftovers|writeFileAtomic|writeFileSync|appendFileSync|writeSync|writev?Sync|renameSync|unlinkSync|rmSync|rmdirSync|copyFileSync|cpSync|truncateSync|ftruncateSync|symlinkSync|linkSync|mkdirSync|mkdtempSync|ensurePrivateDir|syncDirectory|createWriteStream|openSync|writeFile|appendFile|rename|unlink|rm|mkdir|copyFile|truncate)\s*\(|from "(node:)?fs\/promises"/;

/** What names a store's files. */
const STORE_NAMES =
  /keyring\.sbx|manifest\.sbx|\bKEYRING\b|\bMANIFEST\b|\bfileNameOf\b|\.sbx\b|["'`]secrets["'`/]|auditedChange|StoreWriter/;

/** The one module that writes store files. */
const AUDITED = "store/audited-change.ts";

/** Modules of src/store that write files that are not the store's, and what they write. */
const STORE_MODULES_WRITING_ELSEWHERE: Record<string, string> = {
  "store/store-lock.ts":
    "the lock file and the temp files of killed writers, through fs/lock.ts (never store state)",
  "store/pin-file.ts": "the user's pins in ~/.local/state/strongbox/known-stores.json",
};

/** Modules outside src/store that write files and name store files, and why that is no store write. */
const ELSEWHERE_NAMING_THE_STORE: Record<string, string> = {
  "diff/store-revision.ts": "a temporary copy of a past revision (git show) in a temp directory",
};

describe("architecture: one audited path for store changes", () => {
  const src = join(ROOT, "src");
  const files = sources(src).map((path) => ({
    path: relative(src, path),
    text: code(readFileSync(path, "utf8")),
  }));

  it("the checks are live: they see a store write", () => {
    assert.ok(WRITES.test("writeFileAtomic(join(dir, KEYRING), bytes);"));
    assert.ok(WRITES.test("await rename(temp, target)"));
    assert.ok(WRITES.test('import { writeFile } from "node:fs/promises";'));
    assert.ok(STORE_NAMES.test('join(dir, "secrets", name)'));
    assert.ok(STORE_NAMES.test("join(options.dir, MANIFEST)"));
    assert.ok(!WRITES.test(code("// writeFileSync( in a comment")));
  });

  it(`within src/store only ${AUDITED} writes, besides files that are not the store's`, () => {
    const writers = files
      .filter((file) => file.path.startsWith("store/") && WRITES.test(file.text))
      .map((file) => file.path)
      .sort();
    assert.deepEqual(writers, [AUDITED, ...Object.keys(STORE_MODULES_WRITING_ELSEWHERE)].sort());
    for (const path of Object.keys(STORE_MODULES_WRITING_ELSEWHERE))
      assert.ok(
        !/\bKEYRING\b|\bMANIFEST\b|\bfileNameOf\b/.test(
          files.find((f) => f.path === path)?.text ?? "",
        ),
        `${path} names a store file`,
      );
  });

  it("no module outside src/store both writes files and names the store's", () => {
    const offenders = files
      .filter(
        (file) =>
          !file.path.startsWith("store/") && WRITES.test(file.text) && STORE_NAMES.test(file.text),
      )
      .map((file) => file.path)
      .sort();
    assert.deepEqual(offenders, Object.keys(ELSEWHERE_NAMING_THE_STORE).sort());
  });

  it("the audited writer is handed out only after the record: auditedChange writes it first", () => {
    const text = files.find((file) => file.path === AUDITED)?.text ?? "";
    const body = text.slice(text.indexOf("export function auditedChange"));
    const record = body.indexOf("auditStoreEvent(options, event)");
    const writer = body.indexOf("writerFor(");
    assert.ok(record > 0 && writer > record, "the record precedes the writer");
    // Only store code opens an audited change; the CLI and the rest of the library go through Store.
    const callers = files
      .filter((file) => file.path !== AUDITED && /\bauditedChange\(/.test(file.text))
      .map((file) => file.path);
    assert.ok(
      callers.length > 0 && callers.every((path) => path.startsWith("store/")),
      callers.join(),
    );
  });
});
