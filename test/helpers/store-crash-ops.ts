// Every store-mutating operation, for the crash-point sweep
// (test/integration/store-crash-points.test.ts): the worker runs one of them
// killed at a given step (store-step-worker.ts), the test checks the store
// it leaves. `store` names the fixture the operation runs on.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StrongboxError } from "../../src/errors.js";
import { fileNameOf } from "../../src/store/secret-file.js";
import type { Store } from "../../src/store/store.js";

export type Fixture = "key" | "recipients";

export interface CrashOp {
  /** The Store method it exercises (the test checks every mutating method has one). */
  readonly method: string;
  readonly fixture: Fixture;
  /** Changes the fixture's copy before the run (in the test process, not killed). */
  readonly prepare?: (store: Store, dir: string) => void;
  readonly run: (store: Store, env: NodeJS.ProcessEnv) => unknown;
}

/** A git merge conflict in `name`'s file: ours is the file before its last version, theirs after. */
function conflict(store: Store, dir: string, name: string): void {
  const path = join(dir, "secrets", fileNameOf(name));
  const ours = readFileSync(path, "utf8");
  store.set(name, Buffer.from(`${name}-theirs`));
  const theirs = readFileSync(path, "utf8");
  writeFileSync(path, `<<<<<<< HEAD\n${ours}=======\n${theirs}>>>>>>> theirs\n`);
}

export const CRASH_OPS: Readonly<Record<string, CrashOp>> = {
  "set (new name)": {
    method: "set",
    fixture: "key",
    run: (s) => s.set("fresh", Buffer.from("f1")),
  },
  "set (new version)": {
    method: "set",
    fixture: "key",
    run: (s) => s.set("alpha", Buffer.from("a4")),
  },
  setMany: {
    method: "setMany",
    fixture: "key",
    run: (s) =>
      s.setMany([
        { name: "beta", value: Buffer.from("b2") },
        { name: "fresh", value: Buffer.from("f1") },
      ]),
  },
  remove: { method: "remove", fixture: "key", run: (s) => s.remove("beta") },
  "remove --purge": {
    method: "remove",
    fixture: "key",
    run: (s) => s.remove("alpha", { purge: true }),
  },
  destroyVersions: {
    method: "destroyVersions",
    fixture: "key",
    run: (s) => s.destroyVersions("alpha", [1, 2]),
  },
  rollback: { method: "rollback", fixture: "key", run: (s) => s.rollback("alpha", 1) },
  resolve: {
    method: "resolve",
    fixture: "key",
    prepare: (store, dir) => conflict(store, dir, "gamma"),
    run: (s) => s.resolve("gamma", "theirs"),
  },
  rotateKey: { method: "rotateKey", fixture: "key", run: (s) => s.rotateKey() },
  rewrap: { method: "rewrap", fixture: "key", run: (s) => s.rewrap() },
  rekey: { method: "rekey", fixture: "key", run: (s) => s.rekey() },
  "set (recipients store)": {
    method: "set",
    fixture: "recipients",
    run: (s) => s.set("alpha", Buffer.from("a4")),
  },
  addRecipient: {
    method: "addRecipient",
    fixture: "recipients",
    run: (s, env) => s.addRecipient(env.CRASH_CAROL ?? ""),
  },
  removeRecipient: {
    method: "removeRecipient",
    fixture: "recipients",
    run: (s, env) => s.removeRecipient(env.CRASH_BOB ?? ""),
  },
  rekeyRecipients: {
    method: "rekeyRecipients",
    fixture: "recipients",
    run: (s) => s.rekeyRecipients(),
  },
};

/** Store methods that change nothing on disk. */
export const READ_ONLY_METHODS = [
  "constructor",
  "get",
  "history",
  "list",
  "keyUsage",
  "recipients",
  "fingerprint",
];

/** The secrets every fixture starts with: several versions, a tombstone, two data keys. */
export function fillFixture(store: Store): void {
  for (const value of ["a1", "a2", "a3"]) store.set("alpha", Buffer.from(value));
  store.set("beta", Buffer.from("b1"));
  store.rotateKey();
  store.set("gamma", Buffer.from("g1"));
  store.set("epsilon", Buffer.from("e1"));
  store.remove("epsilon");
}

/**
 * Everything the store holds, readable by a person: `name@version` → value,
 * "(deleted)" for a tombstone, or "!CODE" for a secret that does not read.
 */
export function dumpStore(store: Store): Map<string, string> {
  // Which key opens the store and who can: a key operation's change, old or new after a kill.
  const out = new Map<string, string>([
    ["#fingerprint", store.fingerprint()],
    [
      "#recipients",
      store
        .recipients()
        .map((stanza) => stanza.recipient)
        .join(","),
    ],
  ]);
  for (const { name } of store.list()) {
    try {
      for (const entry of store.history(name)) {
        const key = `${name}@${entry.version}`;
        if (entry.state === "deleted") out.set(key, "(deleted)");
        else out.set(key, store.get(name, entry.version)?.value.toString() ?? "(none)");
      }
    } catch (error) {
      if (!(error instanceof StrongboxError)) throw error;
      out.set(name, `!${error.code}`);
    }
  }
  return out;
}
