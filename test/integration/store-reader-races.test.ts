import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { initRecipientStore, initStore, openStore } from "../../src/store/open.js";
import { newAgeIdentity } from "../../src/store/recipients/age.js";
import type { Store } from "../../src/store/store.js";
import { ROOT, tempProject } from "../helpers/cli.js";
import { interleave, withoutFsync } from "../helpers/crash-points.js";
import { CRASH_OPS, type CrashOp, fillFixture } from "../helpers/store-crash-ops.js";

// The invariant: a reader takes no lock, so a writer may change the store
// between any two of its reads; whatever the writer does (every mutating
// operation of a key store), a reader opening the store and reading a secret
// sees it as before or as after, never a false alarm (E_STORE_ROLLBACK,
// E_STORE_TAMPERED, E_STORE_WRONG_KEY). The interleavings are generated:
// the writer's whole operation runs before each of the reader's file-system
// calls in turn (test/helpers/crash-points.ts interleave), in this process.

const NAMES = ["alpha", "beta", "fresh"];
const WORKER = join(ROOT, "dist/test/helpers/store-step-worker.js");

/** What a reader that opens the store and reads a few secrets (current version) sees. */
async function readerView(dir: string, env: Record<string, string>): Promise<Map<string, string>> {
  const store = await openStore({ dir, env });
  const view = new Map<string, string>([["#fingerprint", store.fingerprint()]]);
  for (const name of NAMES) view.set(name, store.get(name)?.value.toString() ?? "(none)");
  return view;
}

/** A key store with the fixture's secrets, and a way back to exactly that state. */
async function keyFixture(): Promise<{
  dir: string;
  env: Record<string, string>;
  restore: () => void;
}> {
  const root = tempProject();
  const home = join(root, "home");
  const dir = join(home, "store");
  const env = { PATH: process.env.PATH ?? "", HOME: home };
  initStore({ dir, env });
  fillFixture(await openStore({ dir, env }));
  const template = join(root, "template");
  cpSync(home, template, { recursive: true });
  const restore = () => {
    rmSync(home, { recursive: true, force: true });
    cpSync(template, home, { recursive: true });
  };
  return { dir, env, restore };
}

describe("lock-free readers against every mutating operation, at every read", () => {
  it("a reader interrupted by a whole operation between any two of its reads sees old or new, never an alarm", () =>
    withoutFsync(async () => {
      const { dir, env, restore } = await keyFixture();
      let checked = 0;
      for (const [name, op] of Object.entries(CRASH_OPS)) {
        if (op.fixture !== "key") continue;
        const setUp = async (): Promise<Store> => {
          restore();
          const writer = await openStore({ dir, env });
          op.prepare?.(writer, dir);
          return writer;
        };
        let writer = await setUp();
        const before = await readerView(dir, env);
        await op.run(writer, env);
        const after = await readerView(dir, env);
        for (let at = 1; ; at++) {
          writer = await setUp();
          const current = writer;
          const {
            value: seen,
            calls,
            ran,
          } = await interleave([{ at, run: () => op.run(current, env) }], () =>
            readerView(dir, env),
          );
          if (ran === 0) break;
          checked++;
          for (const [key, value] of seen) {
            // A new master key is random on each run: "the old one" or "another" is all that compares.
            const allowed = [before.get(key), after.get(key)];
            const fine =
              key === "#fingerprint"
                ? value === before.get(key) || before.get(key) !== after.get(key)
                : allowed.includes(value);
            assert.ok(
              fine,
              `${name} before the reader's call ${at} of ${calls}: ${key} reads ${value}, expected ${allowed.join(" or ")}`,
            );
          }
        }
      }
      process.stderr.write(`store reader races: ${checked} interleavings checked\n`);
    }));

  it("a reader open since before a rekey, then a write, each between any two of its reads, reads old or new", () =>
    withoutFsync(async () => {
      // A long-running reader (a server) meets a rekey by another process (it must follow
      // the new integrity key, and reads the manifest again) and a new version written right after (its mark must not be
      // compared with the file read before it).
      const { dir, env, restore } = await keyFixture();
      let checked = 0;
      for (const name of ["rekey"]) {
        const op = CRASH_OPS[name] as CrashOp;
        for (let first = 1; ; first++) {
          let pairs = 0;
          for (let second = first; ; second++) {
            restore();
            const reader = await openStore({ dir, env });
            const keys = await openStore({ dir, env });
            const writer = await openStore({ dir, env });
            const { value, ran, calls } = await interleave(
              [
                { at: first, run: () => op.run(keys, env) },
                { at: second, run: () => writer.set("alpha", Buffer.from("a4")) },
              ],
              async () => reader.get("alpha")?.value.toString(),
            );
            if (ran < 2) break;
            pairs++;
            assert.ok(
              value === "a3" || value === "a4",
              `${name} before the reader's call ${first}, a write before call ${second} of ${calls}: alpha reads ${value}`,
            );
          }
          if (pairs === 0) break;
          checked += pairs;
        }
      }
      process.stderr.write(
        `store reader races (long-running reader): ${checked} interleavings checked\n`,
      );
    }));

  it("a reader opening a recipients store while the same user re-keys it, at every read, opens old or new", () =>
    withoutFsync(async () => {
      // The rekey moves this user's pin after the keyring: a reader holding the keyring
      // from before and the pin from after must not take its own store for a rollback.
      const root = tempProject();
      const home = join(root, "home");
      const dir = join(home, "store");
      const [alice, bob] = [await newAgeIdentity(), await newAgeIdentity()];
      const env = { PATH: process.env.PATH ?? "", HOME: home, STRONGBOX_IDENTITY: alice.secret };
      await initRecipientStore({
        dir,
        env,
        recipients: [{ recipient: alice.recipient }, { recipient: bob.recipient }],
      });
      (await openStore({ dir, env })).set("alpha", Buffer.from("a1"));
      const template = join(root, "template");
      cpSync(home, template, { recursive: true });
      let checked = 0;
      for (let at = 1; ; at++) {
        rmSync(home, { recursive: true, force: true });
        cpSync(template, home, { recursive: true });
        const rekey = () => {
          const result = spawnSync(process.execPath, [WORKER, dir, "rekeyRecipients", "0"], {
            env,
            encoding: "utf8",
          });
          assert.match(result.stdout, /^done /m, result.stderr);
        };
        const { value, ran, calls } = await interleave([{ at, run: rekey }], async () =>
          (await openStore({ dir, env })).get("alpha")?.value.toString(),
        );
        if (ran === 0) break;
        checked++;
        assert.equal(value, "a1", `rekey before the reader's call ${at} of ${calls}`);
      }
      process.stderr.write(
        `store reader races (recipients, same user): ${checked} interleavings checked\n`,
      );
    }));
});
