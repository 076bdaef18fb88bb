import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { initRecipientStore, initStore, openStore } from "../../src/store/open.js";
import { newAgeIdentity } from "../../src/store/recipients/age.js";
import { ROOT, tempProject } from "../helpers/cli.js";

const WORKER = join(ROOT, "dist/test/helpers/store-worker.js");
// Random kills under contention (several writers, a reader, real timing): a smoke test beside
// the generated sweeps, which stop every mutating operation before each of its changes
// (store-crash-points.test.ts) and interleave a writer with each of a reader's reads
// (store-reader-races.test.ts). STRONGBOX_CRASH_ROUNDS=500 makes it a soak test.
const ROUNDS = Number(process.env.STRONGBOX_CRASH_ROUNDS ?? 40);

interface Ack {
  readonly name: string;
  readonly version: number;
  readonly value: string;
}

const operations: string[] = [];

/** Starts `count` writers, lets them run for a random moment, then SIGKILLs them all. */
async function crashRound(
  dir: string,
  env: Record<string, string>,
  modes: string[],
  seed: number,
): Promise<Ack[]> {
  const acks: Ack[] = [];
  const children: ChildProcess[] = modes.map((mode, worker) => {
    const child = spawn(process.execPath, [WORKER, dir, `w${worker}`, mode], {
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        const [kind, name, version, value] = line.split(" ");
        if (kind === "ack" && name && version && value !== undefined)
          acks.push({ name, version: Number(version), value });
        if (kind === "op") operations.push(name ?? "");
      }
    });
    return child;
  });
  // Kill somewhere between "still starting" and "well into writing", varying by
  // round: even rounds count from the spawn (so some kills land during start-up),
  // odd rounds from the first acknowledged write (so a loaded machine, slow to
  // start processes, still sees writers killed mid-write). Meanwhile a reader
  // that takes no lock checks every write acknowledged so far: readers never
  // block on writers and never see a torn file.
  if (seed % 2 === 1) {
    const started = Date.now();
    while (acks.length === 0 && Date.now() - started < 10_000)
      await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const until = Date.now() + 60 + ((seed * 7919) % 180);
  try {
    const reader = await openStore({ dir, env });
    while (Date.now() < until) {
      for (const ack of acks.slice(-20)) {
        assert.equal(
          reader.get(ack.name, ack.version)?.value.toString(),
          ack.value,
          "a concurrent reader sees every acknowledged write",
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    // Even when the reader fails, no writer may outlive the round.
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("close", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
  }
  return acks;
}

async function verify(
  dir: string,
  env: Record<string, string>,
  acks: readonly Ack[],
): Promise<void> {
  const store = await openStore({ dir, env });
  for (const ack of acks) {
    const found = store.get(ack.name, ack.version);
    assert.equal(
      found?.value.toString(),
      ack.value,
      `acknowledged ${ack.name} v${ack.version} must survive`,
    );
  }
  for (const secret of store.list())
    assert.ok(store.get(secret.name) !== undefined || secret.deleted);
}

describe("store crash safety (real processes, SIGKILL)", () => {
  it(`${ROUNDS} rounds of 4 writers (shared and distinct names) killed at random moments lose no acknowledged write`, async () => {
    const home = tempProject();
    const dir = join(home, "store");
    const env = { PATH: process.env.PATH ?? "", HOME: home };
    initStore({ dir, env });
    let total = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acks = await crashRound(dir, env, ["writes", "writes", "writes", "writes"], round);
      total += acks.length;
      await verify(dir, env, acks);
    }
    assert.ok(total > ROUNDS, `the writers made progress (${total} acknowledged writes)`);
    process.stderr.write(
      `store crash test: ${ROUNDS} rounds, ${total} acknowledged writes checked\n`,
    );
  });

  it(`${Math.ceil(ROUNDS / 4)} rounds of rotate-key, rewrap and rekey killed at random: the store always opens and every secret reads`, async () => {
    const home = tempProject();
    const dir = join(home, "store");
    const env = { PATH: process.env.PATH ?? "", HOME: home };
    initStore({ dir, env });
    const all: Ack[] = [];
    let ops = 0;
    for (let round = 0; round < Math.ceil(ROUNDS / 4); round++) {
      const acks = await crashRound(dir, env, ["keys", "writes"], round + 1);
      all.push(...acks);
      ops += acks.length;
      await verify(dir, env, all);
    }
    assert.ok(ops > 0);
    const counts = ["rotate", "rewrap", "rekey"]
      .map((op) => `${operations.filter((o) => o === op).length} ${op}`)
      .join(", ");
    process.stderr.write(
      `store crash test (key operations): ${ops} acknowledged writes checked; ${counts} completed\n`,
    );
  });

  it(`${Math.ceil(ROUNDS / 4)} rounds on a recipients store: writers and a re-keyer (wrapping for two age recipients) killed at random lose nothing`, async () => {
    const home = tempProject();
    const dir = join(home, "store");
    const alice = await newAgeIdentity();
    const bob = await newAgeIdentity();
    await initRecipientStore({
      dir,
      env: { HOME: home },
      recipients: [{ recipient: alice.recipient }, { recipient: bob.recipient }],
    });
    const env = { PATH: process.env.PATH ?? "", HOME: home, STRONGBOX_IDENTITY: alice.secret };
    const all: Ack[] = [];
    for (let round = 0; round < Math.ceil(ROUNDS / 4); round++) {
      all.push(...(await crashRound(dir, env, ["keys", "writes", "writes"], round)));
      await verify(dir, env, all);
    }
    // Bob, who never wrote anything, still opens every version: each rekey wrapped for him.
    await verify(dir, { ...env, STRONGBOX_IDENTITY: bob.secret }, all);
    assert.ok(all.length > 0);
    process.stderr.write(
      `store crash test (recipients): ${all.length} acknowledged writes checked\n`,
    );
  });
});
