// Regenerates test/vectors/recipients-v1/store from the seeded generator (the age
// stanzas differ each time; the master key and the values do not). Run only when the
// recipients format changes on purpose.
import { rmSync } from "node:fs";
import { makeRecipientVectorStore } from "../dist/test/vectors/make-recipient-vectors.js";

const dir = new URL("../test/vectors/recipients-v1/store", import.meta.url).pathname;
rmSync(dir, { recursive: true, force: true });
const key = await makeRecipientVectorStore(dir);
console.log(`wrote ${dir}; master key ${key}`);
