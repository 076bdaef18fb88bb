// NAME_PREVIOUS for keys of one JSON secret in AWS Secrets Manager (issue 26):
// every write of one key is a new version of the whole secret and moves
// AWSPREVIOUS, so the stage alone gave a key another key's history. Generated
// sequences of writes (rotations, plain sets by another tool, same-value
// writes, finishes) run against a real moto_server; after every step each
// key's NAME_PREVIOUS is checked against a model that knows only the order of
// writes: a key's previous value is the one it had before its own last change,
// and a finished rotation retires every older version.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { finishRotation, rotateSecret } from "../../src/lifecycle/rotate.js";
import { resolveConfig } from "../../src/resolve/drive.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { tempProject } from "../helpers/cli.js";
import { type Moto, startMoto } from "../helpers/moto.js";

const DAY = 86_400_000;
const KEYS = ["A", "B"] as const;

type Op = { kind: "rotate" | "set" | "same" | "finish"; key: string };

/** Each key's previous value from the order of writes alone; a finish retires every older version. */
class Model {
  version = 0;
  retiredThrough = 0;
  readonly current = new Map<string, string>();
  readonly previous = new Map<string, { value: string; version: number }>();

  write(key: string, value: string): void {
    this.version++;
    const before = this.current.get(key);
    if (before === value) return;
    if (before === undefined) this.previous.delete(key);
    else this.previous.set(key, { value: before, version: this.version - 1 });
    this.current.set(key, value);
  }

  finish(): void {
    this.retiredThrough = this.version - 1;
  }

  expectedPrevious(key: string): string | undefined {
    const previous = this.previous.get(key);
    return previous === undefined || previous.version <= this.retiredThrough
      ? undefined
      : previous.value;
  }
}

function sequence(seed: number, length: number): Op[] {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
  return Array.from({ length }, (): Op => {
    const roll = next(10);
    const key = ["A", "B", "C"][next(3)] as string;
    if (roll < 3 && key !== "C") return { kind: "rotate", key };
    if (roll < 6) return { kind: "set", key };
    if (roll < 8) return { kind: "same", key };
    return { kind: "finish", key: KEYS[next(2)] as string };
  });
}

describe("NAME_PREVIOUS per key of a multi-key AWS Secrets Manager secret (real moto)", () => {
  let moto: Moto;
  let sdk: SecretsManagerClient;
  before(async () => {
    moto = await startMoto();
    sdk = new SecretsManagerClient(moto.sdk);
  });
  after(async () => {
    sdk.destroy();
    await moto.stop();
  });

  const run = async (name: string, ops: readonly Op[]) => {
    const config: ConfigSpec = {
      aws: { allowInsecure: true },
      variables: Object.fromEntries(
        KEYS.map((key) => [
          key,
          { secret: true, ref: `aws-sm://${name}#${key}`, rotation: { every: "30d", soak: "1h" } },
        ]),
      ),
    } as ConfigSpec;
    const processEnv = { ...moto.env, HOME: tempProject() };
    const ctx = { config, baseDir: tempProject(), environment: "staging", processEnv };
    const later = { ...ctx, now: () => new Date(Date.now() + 2 * DAY) };
    const model = new Model();
    // Another tool writes the whole JSON, as the console or the CLI would.
    const put = async (key: string, value: string) => {
      const read = await sdk.send(new GetSecretValueCommand({ SecretId: name }));
      const object = JSON.parse(read.SecretString ?? "{}") as Record<string, string>;
      await sdk.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: JSON.stringify({ ...object, [key]: value }),
        }),
      );
      model.write(key, value);
    };
    const { CreateSecretCommand } = await import("@aws-sdk/client-secrets-manager");
    await sdk.send(
      new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ A: "A-v0-canary" }) }),
    );
    model.write("A", "A-v0-canary");
    for (const key of ["B", "C"]) await put(key, `${key}-v0-canary`);
    const log: string[] = [];
    for (const [index, op] of ops.entries()) {
      log.push(`${op.kind} ${op.key}`);
      const why = `${name}: after ${log.join(", ")}`;
      if (op.kind === "set") await put(op.key, `${op.key}-v${index + 1}-canary`);
      else if (op.kind === "same") await put(op.key, model.current.get(op.key) as string);
      else if (op.kind === "rotate") {
        const value = `${op.key}-r${index + 1}-canary`;
        await rotateSecret(op.key, ctx, { value });
        model.write(op.key, value);
      } else {
        await finishRotation(op.key, later, { force: true });
        model.finish();
      }
      const resolved = await resolveConfig(config, { environment: "staging", processEnv });
      for (const key of KEYS) {
        const entry = (variable: string) => resolved.entries.find((e) => e.name === variable)?.raw;
        assert.equal(entry(key), model.current.get(key), `${why}: ${key}`);
        assert.equal(
          entry(`${key}_PREVIOUS`),
          model.expectedPrevious(key),
          `${why}: ${key}_PREVIOUS`,
        );
      }
    }
  };

  it("the issue's sequence: rotate A, set B: A_PREVIOUS is A's old value, not the AWSPREVIOUS stage's", async () => {
    await run("shared/issue", [
      { kind: "rotate", key: "A" },
      { kind: "set", key: "B" },
      { kind: "same", key: "B" },
      { kind: "rotate", key: "B" },
      { kind: "set", key: "C" },
      { kind: "finish", key: "A" },
      { kind: "rotate", key: "A" },
      { kind: "set", key: "B" },
    ]);
  });

  it("generated sequences of writes agree with the model", async () => {
    for (const seed of [7, 19, 101]) await run(`shared/seed-${seed}`, sequence(seed, 10));
  });
});
