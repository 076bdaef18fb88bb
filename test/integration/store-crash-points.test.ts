import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { initRecipientStore, initStore, openStore } from "../../src/store/open.js";
import { newAgeIdentity } from "../../src/store/recipients/age.js";
import { Store } from "../../src/store/store.js";
import { ROOT, tempProject } from "../helpers/cli.js";
import { withoutFsync } from "../helpers/crash-points.js";
import {
  CRASH_OPS,
  type CrashOp,
  dumpStore,
  type Fixture,
  fillFixture,
  READ_ONLY_METHODS,
} from "../helpers/store-crash-ops.js";

// The invariant: after a kill at ANY point of a store-mutating operation, the
// store opens (never a false E_STORE_ROLLBACK, E_STORE_TAMPERED or wrong key),
// every secret reads as it was before the operation or as the operation
// leaves it, nothing else, and the store takes the next change. The kill
// points are generated: each operation runs once to count its changes on
// disk, then once killed before each of them (test/helpers/crash-points.ts),
// so the result does not depend on timing or on the machine's load.

const WORKER = join(ROOT, "dist/test/helpers/store-step-worker.js");

interface Place {
  /** Where the store's HOME lives while an operation runs (pins and key files name it). */
  readonly home: string;
  readonly dir: string;
  readonly env: Record<string, string>;
  /** A copy of `home` to start each run from. */
  readonly template: string;
}

async function makeFixture(kind: Fixture): Promise<Place> {
  const root = tempProject();
  const home = join(root, "home");
  const dir = join(home, "store");
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: home };
  if (kind === "key") initStore({ dir, env });
  else {
    const [alice, bob, carol] = [
      await newAgeIdentity(),
      await newAgeIdentity(),
      await newAgeIdentity(),
    ];
    await initRecipientStore({
      dir,
      env,
      recipients: [{ recipient: alice.recipient }, { recipient: bob.recipient }],
    });
    Object.assign(env, {
      STRONGBOX_IDENTITY: alice.secret,
      CRASH_BOB: bob.recipient,
      CRASH_CAROL: carol.recipient,
    });
  }
  fillFixture(await openStore({ dir, env }));
  const template = join(root, "template");
  cpSync(home, template, { recursive: true });
  return { home, dir, env, template };
}

function restore(place: Place, from: string): void {
  rmSync(place.home, { recursive: true, force: true });
  cpSync(from, place.home, { recursive: true });
}

function runWorker(
  place: Place,
  name: string,
  at: number,
): { done?: number; signal: string | null } {
  const result = spawnSync(process.execPath, [WORKER, place.dir, name, String(at)], {
    env: place.env,
    encoding: "utf8",
    timeout: 60_000,
  });
  const done = /^done (\d+)$/m.exec(result.stdout);
  if (done === null && result.signal !== "SIGKILL")
    assert.fail(`${name} at step ${at} failed: ${result.stderr.slice(-2000)}`);
  return done === null ? { signal: result.signal } : { done: Number(done[1]), signal: null };
}

async function dumpOf(place: Place): Promise<Map<string, string>> {
  return dumpStore(await openStore({ dir: place.dir, env: place.env }));
}

/** Each secret version is as it was before, or as the finished operation left it. */
function assertOldOrNew(
  actual: ReadonlyMap<string, string>,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  where: string,
): void {
  // A new master key is random on each run: its fingerprint is only "the old one" or "another".
  const old = before.get("#fingerprint");
  const seen = (map: ReadonlyMap<string, string>, key: string) =>
    key === "#fingerprint" ? (map.get(key) === old ? "old key" : "new key") : map.get(key);
  for (const key of new Set([...before.keys(), ...after.keys(), ...actual.keys()])) {
    if (key.startsWith("probe")) continue;
    const allowed = [seen(before, key), seen(after, key)];
    assert.ok(
      allowed.includes(seen(actual, key)),
      `${where}: ${key} is ${seen(actual, key) ?? "missing"}, expected ${allowed.map(String).join(" or ")}`,
    );
  }
}

/** Sweeps every kill point of one operation; returns how many it checked. */
async function sweep(place: Place, name: string, op: CrashOp): Promise<number> {
  restore(place, place.template);
  op.prepare?.(await openStore({ dir: place.dir, env: place.env }), place.dir);
  const start = join(place.template, "..", "start");
  rmSync(start, { recursive: true, force: true });
  cpSync(place.home, start, { recursive: true });
  const before = await dumpOf(place);
  const steps = runWorker(place, name, 0).done;
  assert.ok(steps !== undefined && steps > 0, `${name} changes something on disk`);
  const after = await dumpOf(place);
  for (let at = 1; at <= steps + 1; at++) {
    restore(place, start);
    const result = runWorker(place, name, at);
    assert.equal(
      result.done === undefined,
      at <= steps,
      `${name} is killed at step ${at} of ${steps}`,
    );
    const where = `${name} killed before step ${at} of ${steps}`;
    assertOldOrNew(await dumpOf(place), before, after, where);
    // The store takes the next change (a set, and a key operation, which finishes an
    // interrupted rekey), and still holds every secret as before or after.
    const store = await openStore({ dir: place.dir, env: place.env });
    store.set("probe", Buffer.from("p"));
    store.rotateKey();
    assertOldOrNew(await dumpOf(place), before, after, `${where}, then written to`);
  }
  return steps;
}

describe("store crash points (every step of every mutating operation, SIGKILL)", () => {
  it("every Store method that writes has an operation in the sweep", () => {
    const methods = Object.entries(Object.getOwnPropertyDescriptors(Store.prototype))
      .filter(([, descriptor]) => typeof descriptor.value === "function")
      .map(([name]) => name)
      .filter((name) => !READ_ONLY_METHODS.includes(name));
    assert.deepEqual(
      [...new Set(Object.values(CRASH_OPS).map((op) => op.method))].sort(),
      methods.sort(),
    );
  });

  for (const kind of ["key", "recipients"] as const) {
    it(`a kill before any change on disk leaves a ${kind} store that opens with nothing lost`, () =>
      withoutFsync(async () => {
        const place = await makeFixture(kind);
        const counts: string[] = [];
        for (const [name, op] of Object.entries(CRASH_OPS)) {
          if (op.fixture !== kind) continue;
          counts.push(`${name} ${await sweep(place, name, op)}`);
        }
        process.stderr.write(`store crash points (${kind} store): ${counts.join(", ")}\n`);
      }));
  }
});
