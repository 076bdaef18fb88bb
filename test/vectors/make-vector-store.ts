// Builds the vector store deterministically: a fixed master key, a seeded
// random stream and a fixed clock. `npm run vectors` writes it to
// test/vectors/store-v1; the vector test rebuilds it in memory and compares
// every byte, then opens the committed copy.
import { createHash } from "node:crypto";
import { initStore, openStore } from "../../src/store/open.js";

/** The master key of the vector store (hex). Public on purpose: these are test vectors. */
export const VECTOR_MASTER_KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/** The secrets the vector store holds at its latest versions, as hex. */
export const VECTOR_VALUES: Record<string, { version: number; hex: string } | null> = {
  DB_PASSWORD: { version: 2, hex: Buffer.from("correct horse battery staple").toString("hex") },
  "api/token": null,
  EMPTY: { version: 1, hex: "" },
  BINARY: {
    version: 1,
    hex: Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("hex"),
  },
  UNICODE: { version: 1, hex: Buffer.from("héllo 🌍\nline two").toString("hex") },
  AFTER_ROTATE: { version: 1, hex: Buffer.from("written under data key 2").toString("hex") },
};

/** A deterministic stand-in for randomBytes: SHA-256 in counter mode over a seed. */
export function seededRandom(seed: string): (size: number) => Buffer {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (size) => {
    while (pool.length < size) {
      pool = Buffer.concat([pool, createHash("sha256").update(`${seed}:${counter++}`).digest()]);
    }
    const out = pool.subarray(0, size);
    pool = pool.subarray(size);
    return Buffer.from(out);
  };
}

/** Builds the vector store in `dir` (which must not hold one). */
export async function makeVectorStore(dir: string): Promise<void> {
  const random = seededRandom("strongbox vector store v1");
  let tick = Date.parse("2026-01-01T00:00:00.000Z");
  const now = () => {
    tick += 1000;
    return new Date(tick);
  };
  const env = { STRONGBOX_MASTER_KEY: VECTOR_MASTER_KEY };
  const options = { dir, env, random, now, actor: "vectors@strongbox" };
  // The vectors' key is 00 01 … 1f on purpose, which init refuses from anyone else.
  initStore({
    ...options,
    masterKey: Buffer.from(VECTOR_MASTER_KEY, "hex"),
    acceptPatternedKey: true,
  });
  const store = await openStore(options);
  store.set("DB_PASSWORD", Buffer.from("Tr0ub4dor&3"), {
    description: "the main database password",
    tags: ["db"],
  });
  store.set("DB_PASSWORD", Buffer.from("correct horse battery staple"), { rotateEvery: "90d" });
  store.set("api/token", Buffer.from("tok_0123456789"));
  store.remove("api/token");
  store.set("EMPTY", Buffer.alloc(0));
  store.set("BINARY", Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  store.set("UNICODE", Buffer.from("héllo 🌍\nline two"));
  store.rotateKey();
  store.set("AFTER_ROTATE", Buffer.from("written under data key 2"), {
    expires: "2099-01-01T00:00:00.000Z",
  });
}
