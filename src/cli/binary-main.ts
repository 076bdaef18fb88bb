/**
 * The entry of the single executable. Built into a V8 startup snapshot: the
 * code below runs once, when the binary is built, and what it leaves (the
 * bundle evaluated, the most used commands initialised) is restored at each
 * start instead of being evaluated again. The deserialised main function is
 * what runs per invocation.
 */
import { startupSnapshot } from "node:v8";
import { COMMANDS } from "./command-table.js";
import { runProcess } from "./run-main.js";

// Initialised inside the snapshot, so a start does not pay for them.
for (const name of ["run", "check", "export", "get"]) void COMMANDS[name]?.load();

startupSnapshot.setDeserializeMainFunction(runProcess);
