// A soft-deleted KV v2 version is unreadable but not gone: `bao kv undelete`
// brings its values back. Finishing a rotation (`rotate --finish`) and a
// compromise retire every version older than the write of the current value
// that holds an old value OR is soft-deleted (src/providers/key-versions.ts,
// keyRetirement). Generated: every set of deleted older versions through the
// rule, and against a real OpenBao each deletion moment (before the rotation,
// between it and the finish) through both commands; afterwards an undelete
// returns nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type KeyedVersion, keyRetirement } from "../../src/providers/key-versions.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

/** Every subset of `items`, the empty one included. */
const subsets = <T>(items: readonly T[]): T[][] =>
  Array.from({ length: 2 ** items.length }, (_, n) => items.filter((_, i) => (n >> i) & 1));

describe("keyRetirement: soft-deleted versions older than the current value are retired", () => {
  it("for every set of deleted older versions, with and without other keys' later writes", () => {
    const older = [1, 2, 3, 4];
    for (const deleted of subsets(older))
      for (const laterWrites of [0, 1, 2]) {
        // v1..v4 hold old values of K (one per version), v5 the current value, then
        // `laterWrites` versions that change only OTHER.
        const versions: KeyedVersion[] = [];
        for (let v = 1; v <= 5 + laterWrites; v++)
          versions.unshift(
            deleted.includes(v)
              ? { version: v, deleted: true }
              : { version: v, values: { K: v <= 5 ? `k${v}` : "k5", OTHER: `o${v}` } },
          );
        const plan = keyRetirement("K", versions);
        const label = `deleted ${deleted.join(",") || "none"}, ${laterWrites} later writes`;
        assert.equal(plan.since?.version, 5, label);
        assert.deepEqual(plan.retire, older, label);
      }
  });

  it("a version destroyed or pruned (no values, not deleted) is not asked to be retired again", () => {
    const plan = keyRetirement("K", [
      { version: 3, values: { K: "new" } },
      { version: 2 },
      { version: 1, values: { K: "old" } },
    ]);
    assert.deepEqual(plan.retire, [1]);
  });
});

const PATH = "shop/production/app";
const CONFIG = `project: shop
vault: { allowInsecure: true }
variables:
  JWT_SECRET:
    secret: true
    ref: { production: "vault://secret/${PATH}#JWT_SECRET" }
    rotation: { every: 30d, generator: "hex:24", overlap: 1s, soak: 1s }
`;

describe("rotate --finish and compromise leave no soft-deleted old version to undelete (real OpenBao)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
  });
  after(async () => bao.stop());

  const metadata = () =>
    JSON.parse(bao.cli(["kv", "metadata", "get", "-format=json", "-mount=secret", PATH])).data as {
      current_version: number;
      versions: Record<string, { destroyed: boolean; deletion_time: string }>;
    };
  const softDelete = (versions: readonly number[]) =>
    bao.cli(["kv", "delete", "-mount=secret", `-versions=${versions.join(",")}`, PATH]);

  const moments = ["before the rotation", "between the rotation and the finish"] as const;
  const finishes = {
    "rotate --finish": ["rotate", "--finish", "JWT_SECRET", "-e", "production", "--force"],
    compromise: [
      "compromise",
      "JWT_SECRET",
      "-e",
      "production",
      "--since",
      new Date(Date.now() - 3_600_000).toISOString(),
      "--yes",
    ],
  };

  // A compromise rotates and retires in one step: only "before" applies to it.
  for (const moment of moments)
    for (const [command, args] of Object.entries(finishes))
      for (const deleted of moment === moments[1] && command === "compromise"
        ? []
        : [[1], [2], [1, 2]])
        it(`${command}: versions ${deleted.join(",")} soft-deleted ${moment}`, async () => {
          bao.cli(["kv", "metadata", "delete", "-mount=secret", PATH]);
          const canaries = [1, 2].map((v) => `soft-deleted-canary-${v}-${deleted.join("")}`);
          for (const value of canaries)
            bao.cli(["kv", "put", "-mount=secret", PATH, `JWT_SECRET=${value}`]);
          const dir = tempProject({ "strongbox.config.yaml": CONFIG });
          const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
          if (moment === moments[0]) softDelete(deleted);
          if (command === "rotate --finish") {
            const rotated = await runCli(["rotate", "JWT_SECRET", "-e", "production"], {
              cwd: dir,
              env,
            });
            assert.equal(rotated.code, 0, rotated.stderr);
          }
          if (moment === moments[1]) softDelete(deleted);
          const result = await runCli(args, { cwd: dir, env });
          assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
          const output = `${result.stdout}${result.stderr}`;
          for (const canary of canaries) assert.ok(!output.includes(canary), "no value printed");
          // The attacker's step: undelete every old version, then read each one.
          bao.cli(["kv", "undelete", "-mount=secret", "-versions=1,2", PATH]);
          const meta = metadata();
          assert.ok(meta.current_version >= 3);
          for (const version of [1, 2]) {
            assert.equal(meta.versions[String(version)]?.destroyed, true, `version ${version}`);
            let text = "";
            try {
              text = bao.cli(["kv", "get", "-mount=secret", `-version=${version}`, PATH]);
            } catch {
              // a destroyed version: bao exits non-zero with no data
            }
            for (const canary of canaries) assert.ok(!text.includes(canary), `v${version}`);
          }
        });
});
