// A store writer for the crash tests: writes until killed, and acknowledges on
// stdout only after each operation has returned (so the data is on disk).
import { writeSync } from "node:fs";
import { openStore } from "../../src/store/open.js";

const [dir, worker, mode] = process.argv.slice(2);
if (dir === undefined || worker === undefined)
  throw new Error("usage: store-worker DIR WORKER [writes|keys]");
const open = () => openStore({ dir, env: process.env, lockTimeoutMs: 60_000 });
let store = await open();
const ack = (line: string) => writeSync(1, `${line}\n`);
const recipients = store.recipients().some((stanza) => stanza.wrapped !== undefined);

for (let i = 0; ; i++) {
  try {
    if (mode === "keys" && i % 3 === 0) {
      const op = ["rotate", "rewrap", "rekey"][(i / 3) % 3];
      if (op === "rotate") store.rotateKey();
      else if (op === "rewrap") store.rewrap();
      else if (recipients) await store.rekeyRecipients();
      else store.rekey();
      ack(`op ${op}`);
      continue;
    }
    const name = i % 2 === 0 ? `shared-${i % 4}` : `own-${worker}-${i % 4}`;
    const value = `${worker}:${i}:${"x".repeat(i % 50)}`;
    const version = store.set(name, Buffer.from(value));
    ack(`ack ${name} ${version} ${value}`);
  } catch (error) {
    // A recipients store re-keyed by another worker is opened again, as a restarted
    // process would; anything else is a failure of the test.
    if (!(recipients && /re-keyed by another process/.test((error as Error).message))) throw error;
    store = await open();
  }
}
