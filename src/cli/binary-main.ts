/**
 * The entry of the single executable.
 *
 * Compiled by Bun (scripts/build-binary.mjs), it simply runs the CLI: Bun's
 * bytecode spares the parse and compile a start would otherwise pay.
 *
 * Built by Node into a V8 startup snapshot (the fallback where Bun is not
 * available), the code below runs once, when the binary is built, and what it
 * leaves (the bundle evaluated, the most used commands initialised) is restored
 * at each start instead of being evaluated again; the deserialised main
 * function is what runs per invocation.
 */
import * as v8 from "node:v8";
// Bun's crypto lacks ChaCha20-Poly1305, which age's stanzas use: noble's stands in there.
import "../store/recipients/chacha-fallback.js";
import { COMMANDS } from "./command-table.js";
import { runProcess } from "./run-main.js";

// Bun's node:v8 has no startup snapshots: a namespace import reads the member without a
// link error, and its absence means "run now".
const snapshot = (v8 as Partial<typeof v8>).startupSnapshot;
// Truthiness, not `=== true`: Node 20 returns 1 while it builds one.
if (snapshot?.isBuildingSnapshot()) {
  // Initialised inside the snapshot, so a start does not pay for them.
  for (const name of ["run", "check", "export", "get"]) void COMMANDS[name]?.load();
  snapshot.setDeserializeMainFunction(runProcess);
} else {
  runProcess();
}
