// Regenerates test/vectors/store-v1 from the deterministic generator.
// Run only when the store format changes on purpose (bump its version).
import { rmSync } from "node:fs";
import { makeVectorStore } from "../dist/test/vectors/make-vector-store.js";

const dir = new URL("../test/vectors/store-v1", import.meta.url).pathname;
rmSync(dir, { recursive: true, force: true });
await makeVectorStore(dir);
console.log(`wrote ${dir}`);
