// Issue 24, item 10: a log and its head are checked by one rule, for `audit verify`
// and for every writer. Each way of cutting the log or replacing its head is
// generated below; each must fail verify with a clear message, and a writer in a
// fail-closed environment must refuse to add to the log (leaving it as it was).
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createChainedSink } from "../../src/audit/chain.js";
import { runCli, tempProject } from "../helpers/cli.js";

const CONFIG = `audit: { file: audit.jsonl, failClosed: true, checkpointEvery: 3 }
variables:
  A: { secret: true, ref: "store://A" }
`;

interface Chained {
  readonly dir: string;
  readonly log: string;
  readonly head: string;
  readonly lines: string[];
  /** The head as it was after the first few records. */
  readonly olderHead: string;
}

async function chainedLog(): Promise<Chained> {
  const dir = tempProject({ "strongbox.config.yaml": CONFIG });
  const log = join(dir, "audit.jsonl");
  assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
  await runCli(["set", "A"], { cwd: dir, input: "head-canary-1" });
  const olderHead = readFileSync(`${log}.head`, "utf8");
  for (const value of ["head-canary-2", "head-canary-3"])
    await runCli(["set", "A"], { cwd: dir, input: value });
  for (let i = 0; i < 3; i++)
    assert.equal((await runCli(["run", "--", "true"], { cwd: dir })).code, 0);
  const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
  return { dir, log, head: `${log}.head`, lines, olderHead };
}

/** Another log under the same audit key, with `records` records, and its head. */
function otherLog(dir: string, records: number): string {
  const path = join(dir, "other.jsonl");
  const sink = createChainedSink(path, { env: { HOME: dir }, checkpointEvery: 1000 });
  for (let i = 0; i < records; i++)
    sink.write([
      { time: new Date().toISOString(), action: "read", source: "store", outcome: "ok", pid: 1 },
    ]);
  return readFileSync(`${path}.head`, "utf8");
}

const joined = (lines: readonly string[]) => (lines.length === 0 ? "" : `${lines.join("\n")}\n`);
const seqOf = (line: string) => (JSON.parse(line) as { seq: number }).seq;

type Tamper = (chain: Chained) => void;

/** Every way to cut the log or replace its head that the rule must catch. */
const TAMPERS: Array<[string, Tamper, RegExp]> = [
  ...[1, 2, -1].map((n): [string, Tamper, RegExp] => [
    n > 0 ? `the first ${n} record(s) cut` : "all records but the last cut from the start",
    ({ log, lines }) => writeFileSync(log, joined(lines.slice(n > 0 ? n : lines.length + n))),
    /missing \(deleted\)|first record is not the one the head names/,
  ]),
  [
    // A periodic checkpoint looks like the start of a pruned log: cutting up to one is still a cut.
    "the records before a periodic checkpoint cut",
    ({ log, lines }) => {
      const at = lines.findIndex(
        (line, index) =>
          index > 0 && (JSON.parse(line) as { action: string }).action === "checkpoint",
      );
      assert.ok(at > 0, "the log has a periodic checkpoint");
      writeFileSync(log, joined(lines.slice(at)));
    },
    /records 1 to \d+ are missing \(deleted\)/,
  ],
  ...[1, 2, 0].map((n): [string, Tamper, RegExp] => [
    n > 0 ? `the last ${n} record(s) cut` : "every record cut (an empty log)",
    ({ log, lines }) => writeFileSync(log, joined(lines.slice(0, n > 0 ? lines.length - n : 0))),
    /cut short/,
  ]),
  ["the head deleted", ({ head }) => rmSync(head), /head file is missing/],
  [
    "the log cut and the head deleted",
    ({ log, head, lines }) => {
      writeFileSync(log, joined(lines.slice(0, 2)));
      rmSync(head);
    },
    /head file is missing/,
  ],
  [
    "the head replaced by an older one",
    ({ head, olderHead }) => writeFileSync(head, olderHead),
    /replaced by an older one/,
  ],
  [
    "the head of another log with fewer records",
    ({ dir, head }) => writeFileSync(head, otherLog(dir, 2)),
    /replaced by an older one|head of another log/,
  ],
  [
    "the head of another log with as many records",
    ({ dir, head, lines }) => writeFileSync(head, otherLog(dir, seqOf(lines.at(-1) as string))),
    /head of another log/,
  ],
  [
    "the head of another log with more records",
    ({ dir, head, lines }) => writeFileSync(head, otherLog(dir, lines.length + 3)),
    /cut short/,
  ],
  [
    "a truncated head file",
    ({ head }) => writeFileSync(head, readFileSync(head, "utf8").slice(0, 40)),
    /head file is empty or cut short|does not match its MAC/,
  ],
  ["an empty head file", ({ head }) => writeFileSync(head, ""), /head file is empty or cut short/],
  [
    "a head whose count was edited",
    ({ head }) =>
      writeFileSync(head, readFileSync(head, "utf8").replace(/"seq":(\d+)/, '"seq":1$1')),
    /does not match its MAC \(altered\)/,
  ],
];

describe("audit: a log and its head, one rule for verify and writers (issue 24.10)", () => {
  it("an untouched log verifies, and writers go on", async () => {
    const chain = await chainedLog();
    const verified = await runCli(["audit", "verify"], { cwd: chain.dir });
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal((await runCli(["run", "--", "true"], { cwd: chain.dir })).code, 0);
    assert.equal((await runCli(["audit", "verify"], { cwd: chain.dir })).code, 0);
  });

  for (const [label, tamper, expected] of TAMPERS)
    it(`${label}: verify fails and names it; a fail-closed writer refuses and adds nothing`, async () => {
      const chain = await chainedLog();
      tamper(chain);
      const verified = await runCli(["audit", "verify"], { cwd: chain.dir });
      assert.equal(verified.code, 4, `${label}: ${verified.stderr}`);
      assert.match(verified.stderr, expected, label);
      const logBefore = readFileSync(chain.log, "utf8");
      const marker = join(chain.dir, "child-ran");
      const run = await runCli(
        [
          "run",
          "--",
          process.execPath,
          "-e",
          `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`,
        ],
        { cwd: chain.dir },
      );
      assert.equal(run.code, 4, `${label}: ${run.stderr}`);
      assert.match(run.stderr, /E_AUDIT/);
      assert.ok(!readdirSync(chain.dir).includes("child-ran"), "no value was released");
      assert.equal(readFileSync(chain.log, "utf8"), logBefore, "nothing was appended");
      // A store change is refused the same way: nothing is written to the store either.
      const set = await runCli(["set", "A"], { cwd: chain.dir, input: "after-tamper-canary" });
      assert.notEqual(set.code, 0, label);
      assert.ok(!run.stderr.includes("head-canary") && !set.stderr.includes("canary"));
    });
});
