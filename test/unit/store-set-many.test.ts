// Issue 27, item 6: `set A=1 B=2` stores several secrets as one change, all or none.
// Each refusal is generated at every position of the batch (first, middle, last):
// the store's files must be byte-for-byte as they were, and no temp file is left.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { AuditEvent, AuditSink } from "../../src/audit/event.js";
import { StrongboxError } from "../../src/errors.js";
import { writeFilesAtomic } from "../../src/fs/atomic-write.js";
import { initStore, openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/store.js";
import { tempProject } from "../helpers/cli.js";

function digest(dir: string): string {
  const hash = createHash("sha256");
  const walk = (at: string) => {
    for (const name of readdirSync(at, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(at, name.name);
      hash.update(`${path}\0`);
      if (name.isDirectory()) walk(path);
      else if (name.name !== "lock") hash.update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest("hex");
}

async function storeWith(
  sink: AuditSink,
): Promise<{ store: Store; dir: string; env: Record<string, string> }> {
  const home = tempProject();
  const dir = join(home, ".strongbox");
  const options = { dir, env: { HOME: home }, audit: sink };
  initStore(options);
  const store = await openStore(options);
  store.set("EXISTING", Buffer.from("old-canary"));
  store.set("Twin", Buffer.from("twin-canary"));
  return { store, dir, env: options.env };
}

function recordingSink(): AuditSink & { batches: AuditEvent[][]; failing: boolean } {
  const sink = {
    batches: [] as AuditEvent[][],
    failing: false,
    write(events: readonly AuditEvent[]) {
      if (sink.failing) throw new StrongboxError("E_AUDIT", "the audit log cannot be written");
      sink.batches.push([...events]);
    },
  };
  return sink;
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return error instanceof StrongboxError ? error.code : `not ours: ${(error as Error).message}`;
  }
  return "no error";
};

/** One bad entry, each a different reason the batch must be refused. */
const BAD: Array<[string, { name: string; value: Buffer }, string]> = [
  ["an invalid name", { name: "../escape", value: Buffer.from("v") }, "E_STORE_NAME"],
  ["a value over 1 MiB", { name: "BIG", value: Buffer.alloc(1024 * 1024 + 1) }, "E_INVALID"],
  ["a name given twice", { name: "EXISTING", value: Buffer.from("again") }, "E_USAGE"],
  ["a case twin of an existing secret", { name: "TWIN", value: Buffer.from("v") }, "E_STORE_NAME"],
];

describe("Store.setMany: several secrets, one change, all or none (issue 27.6)", () => {
  it("stores every secret with one batch of audit records, written before the files", async () => {
    const sink = recordingSink();
    const { store, dir, env } = await storeWith(sink);
    sink.batches.length = 0;
    const stored = store.setMany([
      { name: "EXISTING", value: Buffer.from("new-canary") },
      { name: "FRESH", value: Buffer.from("fresh-canary") },
      { name: "nested/NAME", value: Buffer.from("nested-canary") },
    ]);
    assert.deepEqual(stored, [
      { name: "EXISTING", version: 2 },
      { name: "FRESH", version: 1 },
      { name: "nested/NAME", version: 1 },
    ]);
    assert.equal(sink.batches.length, 1, "one batch");
    assert.deepEqual(
      sink.batches[0]?.map((event) => [event.action, event.secret, event.version]),
      [
        ["write", "EXISTING", 2],
        ["write", "FRESH", 1],
        ["write", "nested/NAME", 1],
      ],
    );
    assert.ok(!JSON.stringify(sink.batches).includes("canary"), "no value in a record");
    assert.equal(store.get("EXISTING")?.value.toString(), "new-canary");
    assert.equal(store.get("nested/NAME")?.value.toString(), "nested-canary");
    // A fresh open reads them through the manifest's marks (a mark behind its file would be fine, ahead would not).
    const reopened = await openStore({ dir, env, audit: sink });
    assert.equal(reopened.get("FRESH")?.value.toString(), "fresh-canary");
  });

  for (const [what, bad, code] of BAD)
    for (const position of [0, 1, 2]) {
      it(`${what} at position ${position}: refused with ${code}, nothing written, nothing recorded`, async () => {
        const sink = recordingSink();
        const { store, dir } = await storeWith(sink);
        sink.batches.length = 0;
        const good = [
          { name: "EXISTING", value: Buffer.from("new-canary") },
          { name: "FRESH", value: Buffer.from("fresh-canary") },
        ];
        const entries: Array<{ name: string; value: Uint8Array }> = [...good];
        entries.splice(position, 0, bad);
        const before = digest(dir);
        assert.equal(
          codeOf(() => store.setMany(entries)),
          code,
        );
        assert.equal(digest(dir), before, "the store's files are as they were");
        assert.equal(sink.batches.length, 0, "nothing recorded");
        assert.equal(store.get("EXISTING")?.value.toString(), "old-canary");
        assert.equal(store.get("FRESH"), undefined);
      });
    }

  it("a failing audit refuses the whole batch with the store unchanged", async () => {
    const sink = recordingSink();
    const { store, dir } = await storeWith(sink);
    const before = digest(dir);
    sink.failing = true;
    assert.equal(
      codeOf(() =>
        store.setMany([
          { name: "EXISTING", value: Buffer.from("x") },
          { name: "FRESH", value: Buffer.from("y") },
        ]),
      ),
      "E_AUDIT",
    );
    assert.equal(digest(dir), before);
  });
});

describe("writeFilesAtomic: every file staged before any is replaced", () => {
  it("a failure while staging any file leaves every target as it was and no temp file", () => {
    for (let failing = 0; failing < 3; failing++) {
      const dir = tempProject();
      const targets = [0, 1, 2].map((index) => join(dir, `file-${index}`));
      for (const target of targets) writeFileSync(target, "old");
      // A target whose directory does not exist cannot be staged.
      const files = targets.map((target, index) =>
        index === failing
          ? ([join(dir, "missing-dir", "file"), Buffer.from("new")] as const)
          : ([target, Buffer.from("new")] as const),
      );
      assert.throws(() => writeFilesAtomic(files), /E_IO|cannot write/);
      for (const target of targets) assert.equal(readFileSync(target, "utf8"), "old");
      assert.deepEqual(readdirSync(dir).sort(), ["file-0", "file-1", "file-2"]);
    }
  });

  it("writes every file when nothing fails", () => {
    const dir = tempProject();
    mkdirSync(join(dir, "sub"));
    writeFilesAtomic([
      [join(dir, "a"), Buffer.from("1")],
      [join(dir, "sub", "b"), Buffer.from("2")],
    ]);
    assert.equal(readFileSync(join(dir, "a"), "utf8"), "1");
    assert.equal(readFileSync(join(dir, "sub", "b"), "utf8"), "2");
    assert.ok(!existsSync(join(dir, "missing")));
  });
});
