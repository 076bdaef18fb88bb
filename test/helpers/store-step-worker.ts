// Runs one store-mutating operation (store-crash-ops.ts) in its own process,
// killed just before its Nth change on disk (crash-points.ts); prints
// `done STEPS` when it finishes first. Usage: store-step-worker DIR OP N
import { writeSync } from "node:fs";
import { openStore } from "../../src/store/open.js";
import { armCrashPoint, skipFsync } from "./crash-points.js";
import { CRASH_OPS } from "./store-crash-ops.js";

const [dir, name, at] = process.argv.slice(2);
const op = name === undefined ? undefined : CRASH_OPS[name];
if (dir === undefined || op === undefined) throw new Error("usage: store-step-worker DIR OP N");
const store = await openStore({ dir, env: process.env });
// Armed after the open: what an open writes (a pin on first use) is not the operation's.
skipFsync();
const steps = armCrashPoint(Number(at ?? 0));
await op.run(store, process.env);
writeSync(1, `done ${steps()}\n`);
