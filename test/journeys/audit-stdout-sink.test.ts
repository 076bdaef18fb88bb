// Issue 26, smaller items: audit records on stdout/stderr (audit.sink: stdout,
// a container's log collector) leave by the CLI's one output path
// (src/cli/io.ts writeAuditRecords): ordinary records byte for byte as the
// sink serialized them, and what that path does to everything Strongbox
// prints (masking, escaping terminal controls) applies to them too.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Journey } from "../helpers/journey.js";

const CONFIG = `audit: { sink: stdout }
variables:
  TOKEN: { secret: true, ref: "store://TOKEN" }
`;
const VALUE = "audit-stdout-canary-8e1f";

function records(result: {
  stdout: string;
  stderr: string;
}): Array<{ line: string; record: Record<string, unknown> }> {
  // `run`'s stdout is its child's: the records go to stderr there, by the same path.
  return `${result.stdout}\n${result.stderr}`
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => ({ line, record: JSON.parse(line) as Record<string, unknown> }));
}

describe("journey: the stdout audit sink writes through the one output path", () => {
  it("records are the sink's bytes; a CI actor with a terminal control is escaped, not acted on", async () => {
    const j = new Journey("audit-stdout", { files: { "strongbox.config.yaml": CONFIG } }).canary(
      VALUE,
    );
    await j.step(["init"]);
    await j.step(["set", "TOKEN"], { input: VALUE });
    const run = await j.step(["run", "--", process.execPath, "-e", ""]);
    const plain = records(run);
    assert.ok(plain.length > 0, run.stderr);
    for (const { line, record } of plain) {
      assert.equal(line, JSON.stringify(record), "byte for byte what the sink serialized");
      assert.equal(record.variable ?? record.name ?? "TOKEN", "TOKEN");
    }
    j.note("in CI the actor comes from the CI system: here a name with a bidi override");
    const hostile = await j.step(["run", "--", process.execPath, "-e", ""], {
      env: { GITHUB_ACTIONS: "true", GITHUB_ACTOR: "eve\u202egnp.exe" },
      not: [/\u202e/],
    });
    const lines = records(hostile);
    assert.ok(
      lines.length > 0 && lines.some(({ line }) => line.includes("\\u202e")),
      hostile.stdout,
    );
    assert.ok(lines.some(({ record }) => JSON.stringify(record).includes("eve\u202egnp.exe")));
  });
});
