// A team store keeps its place and its role (root store, or environment NAME's store): a store
// copied or moved into another's place is not that store, however well its key checks; a pin
// displaced from its place keeps the keys its store moved on from; the root's endorsement of an
// environment store follows the store's rekeys; and an environment whose store is gone does not
// fall back to the root store. Each attack is generated over the places and what the victim pinned.
import assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StrongboxError } from "../../src/errors.js";
import { projectStore } from "../../src/project/store.js";
import { environmentStore, storeDirectory } from "../../src/providers/store/directory.js";
import { initRecipientStore, openStore } from "../../src/store/open.js";
import { knownStoresFile } from "../../src/store/pin-file.js";
import { newAgeIdentity } from "../../src/store/recipients/age.js";
import { tempProject } from "../helpers/cli.js";

type Env = Record<string, string>;
// The production-like environment is called `live` here: `prod` is an alias of production (issue 27).
type Place = "root" | "staging" | "prod";
const PLACES: readonly Place[] = ["root", "staging", "prod"];
/** What makes a store (an environment store's place also holds .gitignore and the like). */
const STORE_FILES = ["keyring.sbx", "manifest.sbx", "secrets"];

const code = (expected: RegExp | string, pattern?: RegExp) => (error: unknown) =>
  error instanceof StrongboxError &&
  (typeof expected === "string" ? error.code === expected : expected.test(error.code)) &&
  (pattern === undefined || pattern.test(`${error.message} ${error.hint ?? ""}`));

/**
 * Alice (root, staging, prod), mallory (root and staging; prod too with `malloryInProd`),
 * deploy (prod only). Prod is made by alice (the root endorses it) or by deploy (nobody
 * endorses it). Each store holds X with its own value.
 */
async function world(options: { malloryInProd?: boolean; prodMaker?: "alice" | "deploy" } = {}) {
  const project = tempProject();
  const root = join(project, ".strongbox");
  const ids = {
    alice: await newAgeIdentity(),
    mallory: await newAgeIdentity(),
    deploy: await newAgeIdentity(),
  };
  type Who = keyof typeof ids;
  const homes = new Map<Who, string>();
  const as = (who: Who): Env => {
    if (!homes.has(who)) homes.set(who, tempProject());
    return { HOME: homes.get(who) as string, STRONGBOX_IDENTITY: ids[who].secret };
  };
  const make = async (dir: string, maker: Who, members: Who[]) => {
    await initRecipientStore({
      dir,
      env: as(maker),
      recipients: members.map((name) => ({ recipient: ids[name].recipient, name })),
    });
  };
  const dirs: Record<Place, string> = {
    root,
    staging: environmentStore(root, "staging"),
    prod: environmentStore(root, "live"),
  };
  await make(root, "alice", ["alice", "mallory"]);
  await make(dirs.staging, "alice", ["alice", "mallory"]);
  const maker = options.prodMaker ?? "alice";
  await make(dirs.prod, maker, [
    ...new Set<Who>([
      maker,
      "alice",
      "deploy",
      ...(options.malloryInProd ? ["mallory" as const] : []),
    ]),
  ]);
  for (const place of PLACES)
    (
      await openStore({
        dir: dirs[place],
        env: as(maker === "deploy" && place === "prod" ? "deploy" : "alice"),
      })
    ).set("X", Buffer.from(`value-of-${place}`));
  /** Alice on a new machine: her identity, a HOME with no pins. */
  const victim = (): Env => ({ HOME: tempProject(), STRONGBOX_IDENTITY: ids.alice.secret });
  return { project, root, dirs, as, ids, victim };
}

function endorsedLineage(root: string, name: string): string | undefined {
  const text = readFileSync(join(root, "keyring.sbx"), "utf8");
  return JSON.parse(text.slice(0, text.lastIndexOf("\nmac "))).environments?.[name]?.lineage;
}

type Pins = Record<string, { lineage: string; dir: string; ancestors?: string[] }>;
function pins(env: Env): Pins {
  const file = knownStoresFile(env);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).stores : {};
}

/** A store's own files, copied aside (an environment store's envs/ is not part of the root's). */
function snapshot(dir: string): string {
  const copy = join(tempProject(), "copy");
  mkdirSync(copy);
  for (const name of STORE_FILES) cpSync(join(dir, name), join(copy, name), { recursive: true });
  return copy;
}

/** Puts the store files of `from` in `to`'s place, as someone who can push does (`rm -rf; cp -a`). */
function putInPlace(from: string, to: string): void {
  for (const name of STORE_FILES) rmSync(join(to, name), { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  for (const name of STORE_FILES) cpSync(join(from, name), join(to, name), { recursive: true });
}

describe("a pinned store copied into another store's place is refused, and no pin is lost", () => {
  const pinnedSets = ["both", "the copied one", "the one replaced", "neither"] as const;
  type Pinned = (typeof pinnedSets)[number];

  /** One victim, one move; returns what the victim got, for the test to judge per pinned set. */
  async function attempt(how: "copied" | "symlinked", from: Place, to: Place, pinned: Pinned) {
    const w = await world();
    const victim = w.victim();
    const opened: Place[] =
      pinned === "both"
        ? [from, to]
        : pinned === "the copied one"
          ? [from]
          : pinned === "the one replaced"
            ? [to]
            : [];
    for (const place of opened) await openStore({ dir: w.dirs[place], env: victim });
    const before = pins(victim);
    const original = snapshot(w.dirs[to]);
    if (how === "copied") putInPlace(snapshot(w.dirs[from]), w.dirs[to]);
    else {
      rmSync(w.dirs[to], { recursive: true });
      symlinkSync(w.dirs[from], w.dirs[to]);
    }
    const notices: string[] = [];
    const open = () => openStore({ dir: w.dirs[to], env: victim, notice: (m) => notices.push(m) });
    const context = `${how} ${from} -> ${to}, pinned ${pinned}`;
    // The root store's very first open on a new machine is trust on first use (documented).
    if (to === "root" && pinned === "neither") {
      await open();
      assert.ok(
        notices.some((m) => /first use/.test(m)),
        context,
      );
      return;
    }
    const refused = code(/^E_(STORE_UNTRUSTED|STORE_TAMPERED|UNSAFE_PATH)$/);
    await assert.rejects(open(), refused, context);
    await assert.rejects(open(), refused, context); // still, the second time
    const after = pins(victim);
    for (const [id, entry] of Object.entries(before)) assert.deepEqual(after[id], entry, context);
    rmSync(w.dirs[to], { recursive: true, force: true });
    putInPlace(original, w.dirs[to]);
    const store = await openStore({ dir: w.dirs[to], env: victim });
    assert.equal(store.get("X")?.value.toString(), `value-of-${to}`, context);
  }

  for (const how of ["copied", "symlinked"] as const)
    for (const from of PLACES)
      for (const to of PLACES) {
        // A symlink in the root's place would take its envs/ along: only environment places.
        if (from === to || (how === "symlinked" && to === "root")) continue;
        it(`attack: ${from}'s store ${how} into ${to}'s place, for a victim who pinned both, either or neither: refused, every pin kept, ${to} opens again once restored${to === "root" ? " (a root never opened is taken with a first-use notice)" : ""}`, async () => {
          for (const pinned of pinnedSets) await attempt(how, from, to, pinned);
        });
      }

  it("the same store moved (git mv of the whole store) or opened in a second checkout keeps working", async () => {
    const w = await world();
    const victim = w.victim();
    for (const place of PLACES) await openStore({ dir: w.dirs[place], env: victim });
    const clone = join(tempProject(), "clone");
    cpSync(w.project, clone, { recursive: true });
    for (const place of PLACES) {
      const dir = w.dirs[place].replace(w.project, clone);
      assert.equal(
        (await openStore({ dir, env: victim })).get("X")?.value.toString(),
        `value-of-${place}`,
      );
      await openStore({ dir: w.dirs[place], env: victim });
    }
    const moved = join(w.project, "moved");
    renameSync(w.root, moved);
    await openStore({ dir: environmentStore(moved, "live"), env: victim });
    await openStore({ dir: moved, env: victim });
  });
});

describe("a displaced pin keeps its store's history: the pre-removal copy stays refused", () => {
  /** Ways someone who can push makes the victim's production pin go away, before putting the old copy back. */
  const displacements: Record<
    string,
    (w: Awaited<ReturnType<typeof world>>, victim: Env) => Promise<void>
  > = {
    "staging put in prod's place and opened": async (w, victim) => {
      putInPlace(snapshot(w.dirs.staging), w.dirs.prod);
      await assert.rejects(openStore({ dir: w.dirs.prod, env: victim }));
    },
    "the root put in prod's place and opened": async (w, victim) => {
      putInPlace(snapshot(w.dirs.root), w.dirs.prod);
      await assert.rejects(openStore({ dir: w.dirs.prod, env: victim }));
    },
    "staging put in prod's place and trusted by hand (recipients trust --env prod)": async (
      w,
      victim,
    ) => {
      putInPlace(snapshot(w.dirs.staging), w.dirs.prod);
      await openStore({ dir: w.dirs.prod, env: victim, trustNewKeyring: true });
    },
    "prod deleted and looked up": async (w, victim) => {
      rmSync(w.dirs.prod, { recursive: true });
      assert.throws(() => storeDirectory({}, w.project, victim, "live"), code("E_STORE_UNTRUSTED"));
    },
  };
  for (const remover of ["the victim", "a teammate"] as const)
    for (const [name, displace] of Object.entries(displacements))
      it(`attack: after ${remover} removed mallory from prod, ${name}, then the pre-removal prod put back: E_STORE_KEY_ROLLBACK`, async () => {
        const w = await world({ malloryInProd: true });
        const victim = w.victim();
        for (const place of PLACES) await openStore({ dir: w.dirs[place], env: victim });
        const old = snapshot(w.dirs.prod);
        const stagingCopy = snapshot(w.dirs.staging);
        await (
          await openStore({
            dir: w.dirs.prod,
            env: remover === "the victim" ? victim : w.as("alice"),
          })
        ).removeRecipient("mallory");
        await openStore({ dir: w.dirs.prod, env: victim }); // the victim follows the rekey
        await displace(w, victim);
        putInPlace(stagingCopy, w.dirs.staging);
        putInPlace(old, w.dirs.prod);
        assert.equal(storeDirectory({}, w.project, victim, "live"), w.dirs.prod);
        await assert.rejects(
          openStore({ dir: w.dirs.prod, env: victim }),
          code("E_STORE_KEY_ROLLBACK"),
        );
      });
});

describe("the root's endorsement of an environment store follows the store's rekeys", () => {
  const rekeys = {
    "recipients rm mallory --env prod": (store: Awaited<ReturnType<typeof openStore>>) =>
      store.removeRecipient("mallory").then(() => undefined),
    "recipients rekey --env prod": (store: Awaited<ReturnType<typeof openStore>>) =>
      store.rekeyRecipients(),
  };
  for (const [how, rekey] of Object.entries(rekeys))
    for (const by of ["alice", "deploy"] as const)
      it(`attack: after ${how} by ${by === "alice" ? "a root recipient" : "a prod-only recipient (then alice runs recipients trust --env prod)"}, a new machine refuses the copy from before; the current store is taken`, async () => {
        const w = await world({ malloryInProd: true });
        const old = snapshot(w.dirs.prod);
        const before = endorsedLineage(w.root, "live");
        // Deploy cannot ask the root about prod: it trusted prod by hand (or pins it in CI).
        if (by === "deploy")
          await openStore({ dir: w.dirs.prod, env: w.as("deploy"), trustNewKeyring: true });
        const notices: string[] = [];
        const rekeyer = await openStore({
          dir: w.dirs.prod,
          env: w.as(by),
          notice: (m) => notices.push(m),
        });
        await rekey(rekeyer);
        const now = rekeyer.fingerprint();
        if (by === "deploy") {
          // The root does not open for deploy: said, and its endorsement is left as it was.
          assert.ok(
            notices.some((m) =>
              /root store .* did not open for you.*recipients trust --env live/.test(m),
            ),
            notices.join(),
          );
          assert.equal(endorsedLineage(w.root, "live"), before);
          await openStore({ dir: w.dirs.prod, env: w.as("alice"), trustNewKeyring: true });
        }
        assert.equal(endorsedLineage(w.root, "live"), now);
        const current = snapshot(w.dirs.prod);
        putInPlace(old, w.dirs.prod);
        await assert.rejects(
          openStore({ dir: w.dirs.prod, env: w.victim() }),
          code("E_STORE_UNTRUSTED", /root store does not endorse/),
        );
        putInPlace(current, w.dirs.prod);
        const taken: string[] = [];
        const store = await openStore({
          dir: w.dirs.prod,
          env: w.victim(),
          notice: (m) => taken.push(m),
        });
        assert.equal(store.get("X")?.value.toString(), "value-of-prod");
        assert.ok(
          taken.some((m) => /root store endorses it/.test(m)),
          taken.join(),
        );
      });
});

describe("an environment whose store is gone does not fall back to the root store", () => {
  const removals: Record<string, (w: Awaited<ReturnType<typeof world>>) => void> = {
    "rm -rf envs/prod": (w) => rmSync(w.dirs.prod, { recursive: true }),
    "rm envs/prod/keyring.sbx": (w) => rmSync(join(w.dirs.prod, "keyring.sbx")),
    "mv envs/prod elsewhere": (w) => renameSync(w.dirs.prod, join(w.project, "elsewhere")),
    "rm -rf envs": (w) => rmSync(join(w.root, "envs"), { recursive: true }),
  };
  const vouches = {
    "endorsed by the root, never opened by the victim": { prodMaker: "alice", opened: false },
    "endorsed by the root and pinned by the victim": { prodMaker: "alice", opened: true },
    "not endorsed (made by deploy), pinned by the victim": { prodMaker: "deploy", opened: true },
  } as const;
  for (const [removal, remove] of Object.entries(removals))
    for (const [vouch, { prodMaker, opened }] of Object.entries(vouches))
      it(`attack: ${removal}, prod ${vouch}: reading and writing --env prod are refused, not sent to the root store`, async () => {
        const w = await world({ prodMaker });
        const victim = w.victim();
        if (opened)
          await openStore({
            dir: w.dirs.prod,
            env: victim,
            ...(prodMaker === "deploy" ? { trustNewKeyring: true } : {}),
          });
        remove(w);
        assert.throws(
          () => storeDirectory({}, w.project, victim, "live"),
          code("E_STORE_UNTRUSTED", /restore it/),
        );
        await assert.rejects(
          projectStore({ cwd: w.project, env: victim, environment: "live" }),
          code("E_STORE_UNTRUSTED"),
        );
        // An environment that never had a store still uses the root store.
        assert.equal(storeDirectory({}, w.project, victim, "qa"), w.root);
        assert.equal(
          (await projectStore({ cwd: w.project, env: victim, environment: "qa" })).dir,
          w.root,
        );
      });
});
