// Where versions of secrets meet: several keys on one Vault KV v2 path, each write of
// one key a new version of all of them. Generated sequences of writes (rotations, plain
// sets, same-value writes, keys outside the schema, finishes) run against a real bao
// server, and after every step each key's NAME_PREVIOUS and each finish are checked
// against a model that knows only the order of writes: a key's previous value is the one
// it had before its own last change, and finishing one key retires nothing another key
// still needs unless forced.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { finishRotation, rotateSecret } from "../../src/lifecycle/rotate.js";
import { resolveConfig } from "../../src/resolve/drive.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { tempProject } from "../helpers/cli.js";

const DAY = 86_400_000;
const ROTATED = ["A", "B"] as const;

interface Op {
  readonly kind: "rotate" | "set" | "same" | "finish";
  readonly key: string;
  readonly force?: boolean;
}

/** What the writes so far mean, per key, without looking at Vault's versions. */
class Model {
  version = 0;
  readonly current = new Map<string, string>();
  readonly intro = new Map<string, number>();
  readonly born = new Map<string, number>();
  readonly previous = new Map<string, { value: string; version: number }>();
  readonly destroyed = new Set<number>();

  write(key: string, value: string): void {
    this.version++;
    const before = this.current.get(key);
    if (before === value) return;
    if (before === undefined) this.born.set(key, this.version);
    if (before === undefined) this.previous.delete(key);
    else this.previous.set(key, { value: before, version: this.version - 1 });
    this.current.set(key, value);
    this.intro.set(key, this.version);
  }

  expectedPrevious(key: string): string | undefined {
    const previous = this.previous.get(key);
    return previous === undefined || this.destroyed.has(previous.version)
      ? undefined
      : previous.value;
  }

  /** The versions finishing `key` retires, and the other keys whose previous value goes with them. */
  finish(key: string): { retire: number[]; shared: string[] } {
    const intro = this.intro.get(key) ?? 0;
    const retire: number[] = [];
    for (let version = this.born.get(key) ?? intro; version < intro; version++)
      if (!this.destroyed.has(version)) retire.push(version);
    const shared = [...this.current.keys()].filter(
      (other) =>
        other !== key &&
        this.expectedPrevious(other) !== undefined &&
        retire.includes(this.previous.get(other)?.version ?? -1),
    );
    return { retire, shared };
  }
}

/** A small deterministic generator, so a failing sequence can be replayed from its seed. */
function sequence(seed: number, length: number): Op[] {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
  const keys = ["A", "B", "C"];
  return Array.from({ length }, (): Op => {
    const roll = next(10);
    const key = keys[next(3)] as string;
    if (roll < 3 && key !== "C") return { kind: "rotate", key };
    if (roll < 6) return { kind: "set", key };
    if (roll < 7) return { kind: "same", key };
    return { kind: "finish", key: ROTATED[next(2)] as string, force: next(2) === 0 };
  });
}

describe("NAME_PREVIOUS and rotate --finish on a path several keys share (real bao)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
  });
  after(async () => bao.stop());

  const run = async (path: string, ops: readonly Op[]) => {
    const config: ConfigSpec = {
      variables: Object.fromEntries(
        ROTATED.map((key) => [
          key,
          {
            secret: true,
            ref: `vault://secret/${path}#${key}`,
            rotation: { every: "30d", soak: "1h" },
          },
        ]),
      ),
    };
    const processEnv = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken, HOME: tempProject() };
    const ctx = { config, baseDir: tempProject(), environment: "staging", processEnv };
    const later = { ...ctx, now: () => new Date(Date.now() + 2 * DAY) };
    const model = new Model();
    const log: string[] = [];
    const put = (key: string, value: string) => {
      const verb = model.version === 0 ? "put" : "patch";
      bao.cli(["kv", verb, "-mount=secret", path, `${key}=${value}`]);
      model.write(key, value);
    };
    // KV keeps 10 versions by default and prunes older ones silently; the model counts every one.
    bao.cli(["kv", "metadata", "put", "-mount=secret", "-max-versions=100", path]);
    // Every key starts with a value, written one by one (each its own version).
    for (const key of ["A", "B", "C"]) put(key, `${key}-v0-canary`);
    for (const [index, op] of ops.entries()) {
      log.push(`${op.kind} ${op.key}${op.force === true ? " --force" : ""}`);
      const why = `${path}: after ${log.join(", ")}`;
      if (op.kind === "set") put(op.key, `${op.key}-v${index + 1}-canary`);
      else if (op.kind === "same") put(op.key, model.current.get(op.key) as string);
      else if (op.kind === "rotate") {
        const value = `${op.key}-r${index + 1}-canary`;
        await rotateSecret(op.key, ctx, { value });
        model.write(op.key, value);
      } else {
        const expected = model.finish(op.key);
        const options = op.force === true ? { force: true } : {};
        if (expected.shared.length > 0 && op.force !== true) {
          await assert.rejects(finishRotation(op.key, later, options), (error: Error) => {
            assert.match(error.message, new RegExp(`${expected.shared[0]}'s previous value`), why);
            return true;
          });
        } else {
          const finished = await finishRotation(op.key, later, options);
          assert.deepEqual(finished.retired, expected.retire, `${why}: versions retired`);
          assert.deepEqual(
            finished.shared.map((entry) => entry.key),
            expected.shared,
            `${why}: other keys' previous values named`,
          );
          for (const version of expected.retire) model.destroyed.add(version);
        }
      }
      const resolved = await resolveConfig(config, { environment: "staging", processEnv });
      for (const key of ROTATED) {
        const entry = (name: string) => resolved.entries.find((e) => e.name === name)?.raw;
        assert.equal(entry(key), model.current.get(key), `${why}: ${key}`);
        assert.equal(
          entry(`${key}_PREVIOUS`),
          model.expectedPrevious(key),
          `${why}: ${key}_PREVIOUS`,
        );
      }
    }
  };

  it("the issue's sequence: rotate A, set B, set B, rotate A, finish A keeps B's previous value", async () => {
    await run("shared/issue", [
      { kind: "rotate", key: "A" },
      { kind: "set", key: "B" },
      { kind: "set", key: "B" },
      { kind: "rotate", key: "A" },
      { kind: "finish", key: "A", force: false },
      { kind: "set", key: "C" },
      { kind: "finish", key: "B", force: false },
      { kind: "rotate", key: "B" },
      { kind: "finish", key: "A", force: false },
      { kind: "finish", key: "B", force: false },
    ]);
  });

  it("attacks: generated sequences of writes to one path never give a key another key's value, or its own after a finish", async () => {
    for (const seed of [7, 1234, 99_991]) await run(`shared/seed-${seed}`, sequence(seed, 14));
  });
});
