// A writer and `verify` read a log's first line by one rule: a non-empty log whose
// first line is not a chained record is refused by both. Before, a writer looked for the
// first record in the first 16 KiB and skipped blank lines, so a log cut at its start
// and padded with a blank line longer than that was appended to while verify failed.
// The variants are generated: cuts × paddings of sizes around every bound a reader may
// use × padding characters, garbage first lines, CRLF line ends; for each, the writer
// refuses exactly when verify fails, and leaves the log as it was when it refuses.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createChainedSink } from "../../src/audit/chain.js";
import type { AuditEvent } from "../../src/audit/event.js";
import { verifyChain } from "../../src/audit/query.js";

const env = { STRONGBOX_AUDIT_KEY: "17".repeat(32) };
const event = (): AuditEvent => ({
  time: new Date().toISOString(),
  action: "read",
  source: "store",
  outcome: "ok",
  pid: 1,
});

function freshLog(): { path: string; write: () => void } {
  const path = join(mkdtempSync(join(tmpdir(), "audit-first-")), "audit.jsonl");
  const sink = createChainedSink(path, { env, checkpointEvery: 1000 });
  const write = () => sink.write([event()]);
  for (let i = 0; i < 3; i++) write();
  return { path, write };
}

const KiB = 1024;
const sizes = [0, 1, 200, 16 * KiB - 1, 16 * KiB, 16 * KiB + 1, 16_500, 64 * KiB, 64 * KiB + 1];
const pads = [" ", "\t", "\r", "\n"];

type Variant = { name: string; edit: (text: string) => string; mustFail: boolean };

function variants(): Variant[] {
  const out: Variant[] = [{ name: "untouched", edit: (t) => t, mustFail: false }];
  const cut = (t: string, k: number) => t.split("\n").slice(k).join("\n");
  for (const k of [0, 1, 2])
    for (const size of sizes)
      for (const pad of pads)
        out.push({
          name: `cut ${k}, a line of ${size} ${JSON.stringify(pad)} before`,
          // a padding of "\n"s is that many blank lines; of the others, one line
          edit: (t) => `${pad.repeat(size)}${pad === "\n" ? "" : "\n"}${cut(t, k)}`,
          // (no cut and no blank line is the log untouched)
          mustFail: k > 0 || size > 0 || pad !== "\n",
        });
  for (const k of [1, 2])
    out.push({ name: `cut ${k}, no padding`, edit: (t) => cut(t, k), mustFail: true });
  for (const garbage of ["garbage", "{}", "null", "[]", "1", '{"seq":1}', '{"mac":"x"}', "{"])
    for (const k of [0, 2])
      out.push({
        name: `cut ${k}, first line ${garbage}`,
        edit: (t) => `${garbage}\n${cut(t, k)}`,
        mustFail: true,
      });
  out.push({ name: "CRLF line ends", edit: (t) => t.replaceAll("\n", "\r\n"), mustFail: false });
  out.push({
    name: "CRLF, first 2 cut",
    edit: (t) => cut(t, 2).replaceAll("\n", "\r\n"),
    mustFail: true,
  });
  out.push({
    name: "CRLF, blank CRLF line first",
    edit: (t) => `\r\n${t.replaceAll("\n", "\r\n")}`,
    mustFail: true,
  });
  return out;
}

describe("audit log's first line: one rule for writers and verify", () => {
  const all = variants();
  it(`generates ${all.length} variants`, () => assert.ok(all.length > 100));
  for (const variant of all)
    it(variant.name, () => {
      const { path, write } = freshLog();
      writeFileSync(path, variant.edit(readFileSync(path, "utf8")));
      const before = readFileSync(path);
      const verified = verifyChain(path, env);
      if (variant.mustFail) assert.equal(verified.ok, false, "verify must fail");
      let refused: unknown;
      try {
        write();
      } catch (error) {
        refused = error;
      }
      if (verified.ok) {
        assert.equal(refused, undefined, "a log that verifies is appended to");
        assert.equal(verifyChain(path, env).ok, true);
      } else {
        assert.ok(
          refused !== undefined,
          `verify fails (${verified.problem?.why}) but the writer appended`,
        );
        assert.equal((refused as { code?: string }).code, "E_AUDIT");
        assert.deepEqual(readFileSync(path), before, "the refused log is unchanged");
      }
    });
});
