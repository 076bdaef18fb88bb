// Issue 26, smaller items: searching the audit log for a leaked value before
// anything was ever recorded (no log, no audit key yet) says so cleanly: exit
// 0, "no audit log yet", no audit key made by the search; once records exist
// the same search finds them.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Journey } from "../helpers/journey.js";

const CONFIG = `audit: { file: audit.jsonl }
variables:
  TOKEN: { secret: true, ref: "store://TOKEN" }
`;
const VALUE = "audit-first-canary-4c2d";

describe("journey: audit --value-from-stdin before the first record", () => {
  it("a fresh project: no log, no key; the search says so and makes neither; after a run it finds the read", async () => {
    const j = new Journey("audit-first", { files: { "strongbox.config.yaml": CONFIG } }).canary(
      VALUE,
    );
    const key = join(j.dir, ".config/strongbox/keys/audit.key");
    const log = join(j.dir, "audit.jsonl");
    for (const format of [[], ["--format", "json"]]) {
      const result = await j.step(["audit", "--value-from-stdin", ...format], {
        input: `${VALUE}\n`,
        stderr: [/no audit log yet at .*audit\.jsonl: nothing has been recorded/],
        not: [/E_STORE_KEY/, /at .*\n\s+at /],
      });
      if (format.length > 0) assert.deepEqual(JSON.parse(result.stdout).events, []);
    }
    assert.equal(existsSync(key), false, "the search made no audit key");
    assert.equal(existsSync(log), false, "the search made no log");
    await j.step(["init"]);
    await j.step(["set", "TOKEN"], { input: VALUE });
    await j.step(["run", "--", process.execPath, "-e", ""]);
    const found = await j.step(["audit", "--value-from-stdin", "--format", "json"], {
      input: `${VALUE}\n`,
      not: [/no audit log yet/],
    });
    assert.deepEqual(
      (JSON.parse(found.stdout).events as Array<{ action: string }>).map((e) => e.action),
      ["read"],
    );
  });
});
