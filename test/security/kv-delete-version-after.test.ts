// KV v2 `delete_version_after` gives every live version a FUTURE deletion_time (red team,
// issue 26). A version is deleted only when its deletion_time is set AND at or before now
// (Vault's rule, src/vault/kv-deletion.ts); read otherwise, `compromise` and `rotate --finish`
// took the current value for unreadable and retired nothing, leaving the compromised value
// readable. Generated: the rule over times around now; every reader of deletion_time in src/
// goes through it; against a real OpenBao, per-path and per-mount delete_version_after through
// both commands.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { kvVersionDeleted } from "../../src/vault/kv-deletion.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

describe("kvVersionDeleted: set and not in the future", () => {
  it("over deletion times around now", () => {
    const now = Date.parse("2026-06-01T12:00:00Z");
    for (const offset of [-86_400_000, -1_000, -1, 0, 1, 1_000, 36_000_000])
      for (const fraction of ["", ".123456789"]) {
        const time = new Date(now + offset).toISOString().replace(/\.\d+Z$/, `${fraction}Z`);
        const expected = Date.parse(time) <= now;
        assert.equal(kvVersionDeleted({ deletion_time: time }, now), expected, time);
      }
    for (const unset of [undefined, null, {}, { deletion_time: "" }, { deletion_time: 0 }])
      assert.equal(kvVersionDeleted(unset as never, now), false, JSON.stringify(unset));
  });

  it("every reader of deletion_time in src/ asks it", () => {
    const root = join(process.cwd(), "src");
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
      });
    const readers = files(root)
      .filter((file) => !file.endsWith("kv-deletion.ts"))
      .filter((file) =>
        /\.deletion_time\b|\[\s*["']deletion_time["']\s*\]/.test(readFileSync(file, "utf8")),
      );
    assert.deepEqual(readers, []);
  });
});

const PATH = "shop/production/app";
const config = (mount: string) => `project: shop
vault: { allowInsecure: true }
variables:
  JWT_SECRET:
    secret: true
    ref: { production: "vault://${mount}/${PATH}#JWT_SECRET" }
    rotation: { every: 30d, generator: "hex:24", overlap: 1s, soak: 1s }
`;

describe("rotate --finish and compromise retire under delete_version_after (real OpenBao)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
    bao.cli(["secrets", "enable", "-path=dva", "-version=2", "kv"]);
    bao.cli(["write", "dva/config", "delete_version_after=10h"]);
  });
  after(async () => bao.stop());

  const perPath = () =>
    bao.cli(["kv", "metadata", "put", "-mount=secret", "-delete-version-after=10h", PATH]);
  // Per path, set before the first value or after it (the red team's order: only later versions carry the time).
  const where = {
    "per path, set before the value": { mount: "secret", before: perPath, after: () => "" },
    "per path, set after the value": { mount: "secret", before: () => "", after: perPath },
    "per mount": { mount: "dva", before: () => "", after: () => "" },
  };
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

  for (const [place, { mount, before: first, after: then }] of Object.entries(where))
    for (const [command, args] of Object.entries(finishes))
      it(`${command}, delete_version_after ${place}`, async () => {
        try {
          bao.cli(["kv", "metadata", "delete", `-mount=${mount}`, PATH]);
        } catch {
          // nothing there yet
        }
        const canary = `dva-canary-${place.length}-${command.length}`;
        first();
        bao.cli(["kv", "put", `-mount=${mount}`, PATH, `JWT_SECRET=${canary}`]);
        then();
        const meta = () =>
          JSON.parse(bao.cli(["kv", "metadata", "get", "-format=json", `-mount=${mount}`, PATH]))
            .data as {
            current_version: number;
            versions: Record<string, { destroyed: boolean; deletion_time: string }>;
          };
        const dir = tempProject({ "strongbox.config.yaml": config(mount) });
        const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
        if (command === "rotate --finish") {
          const rotated = await runCli(["rotate", "JWT_SECRET", "-e", "production"], {
            cwd: dir,
            env,
          });
          assert.equal(rotated.code, 0, rotated.stderr);
        }
        const result = await runCli(args, { cwd: dir, env });
        assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
        assert.ok(!`${result.stdout}${result.stderr}`.includes(canary), "no value printed");
        const after = meta();
        assert.ok(after.current_version >= 2);
        assert.notEqual(
          after.versions[String(after.current_version)]?.deletion_time,
          "",
          "delete_version_after applies",
        );
        assert.equal(after.versions["1"]?.destroyed, true, "the old value's version is retired");
        let text = "";
        try {
          text = bao.cli(["kv", "get", `-mount=${mount}`, "-version=1", PATH]);
        } catch {
          // destroyed: bao exits non-zero with no data
        }
        assert.ok(!text.includes(canary), "the compromised value is not readable");
        const current = bao.cli(["kv", "get", "-format=json", `-mount=${mount}`, PATH]);
        assert.match(current, /"JWT_SECRET": "[0-9a-f]{48}"/, "the new value is readable");
      });
});
