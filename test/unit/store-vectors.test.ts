import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { open, seal } from "../../src/store/crypto.js";
import { openStore } from "../../src/store/open.js";
import { ROOT, tempProject } from "../helpers/cli.js";
import { makeVectorStore, VECTOR_MASTER_KEY, VECTOR_VALUES } from "../vectors/make-vector-store.js";

const COMMITTED = join(ROOT, "test/vectors/store-v1");
/** The same store as written before the version manifest existed: it must still open. */
const PRE_MANIFEST = join(ROOT, "test/vectors/store-v1-pre-manifest");
const hex = (text: string) => Buffer.from(text, "hex");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe("store format vectors", () => {
  it("AES-256-GCM as the store uses it matches the GCM specification's test case 16", () => {
    const key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const iv = hex("cafebabefacedbaddecaf888");
    const aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const plain = hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    const expected =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" +
      "76fc6ece0f4e1768cddf8853bb2d551b";
    assert.equal(seal(key, iv, plain, aad).toString("hex"), expected);
    assert.deepEqual(open(key, iv, hex(expected), aad), plain);
    const cut = hex(expected).subarray(0, -1);
    assert.equal(open(key, iv, cut, aad), undefined, "a truncated tag never yields plaintext");
  });

  it("the deterministic generator reproduces the committed vector store byte for byte", async () => {
    const dir = join(tempProject(), "store");
    await makeVectorStore(dir);
    assert.deepEqual(files(dir), files(COMMITTED));
    for (const file of files(COMMITTED)) {
      assert.ok(
        readFileSync(join(dir, file)).equals(readFileSync(join(COMMITTED, file))),
        `${file} differs: the format changed; bump its version and regenerate with npm run vectors`,
      );
    }
  });

  for (const [label, committed] of [
    ["the committed vector store", COMMITTED],
    ["a store written before the manifest existed", PRE_MANIFEST],
  ] as const)
    it(`a decoder opens ${label} and reads every expected value`, async () => {
      await readsEveryValue(committed);
    });
});

async function readsEveryValue(committed: string): Promise<void> {
  {
    const dir = join(tempProject(), "store");
    cpSync(committed, dir, { recursive: true });
    const store = await openStore({
      dir,
      env: { STRONGBOX_MASTER_KEY: VECTOR_MASTER_KEY },
      now: () => new Date("2026-06-01T00:00:00Z"),
    });
    for (const [name, expected] of Object.entries(VECTOR_VALUES)) {
      const found = store.get(name);
      if (expected === null) {
        assert.equal(found, undefined, `${name} is a tombstone`);
        continue;
      }
      assert.equal(found?.version, expected.version, name);
      assert.equal(found?.value.toString("hex"), expected.hex, name);
    }
    assert.equal(store.get("DB_PASSWORD", 1)?.value.toString(), "Tr0ub4dor&3");
    assert.equal(store.get("api/token", 1)?.value.toString(), "tok_0123456789");
    assert.deepEqual(
      [...store.keyUsage()],
      [
        [1, 6],
        [2, 1],
      ],
    );
  }
}
