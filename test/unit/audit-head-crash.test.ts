// Issue 24, item 10: the head rule must not turn a crash into a false alarm. A writer
// names the batch in the head (fsynced) before writing it, so a crash leaves the head
// either before the batch or naming the end the batch leads to; both must verify, and
// the next writer must go on. The crash states are built here as a crashed writer
// leaves them (the head format, MACed under the test's key).
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createChainedSink } from "../../src/audit/chain.js";
import type { AuditEvent } from "../../src/audit/event.js";
import { verifyChain } from "../../src/audit/query.js";

const KEY = "42".repeat(32);
const env = { STRONGBOX_AUDIT_KEY: KEY };
const event = (): AuditEvent => ({
  time: new Date().toISOString(),
  action: "read",
  source: "store",
  outcome: "ok",
  pid: 1,
});

function headText(state: object): string {
  const text = JSON.stringify(state);
  const mac = createHmac("sha256", Buffer.from(KEY, "hex"))
    .update(`head:${text}`, "utf8")
    .digest("base64url");
  return `${text}\n${mac}\n`;
}

function log(): { path: string; write: (n: number) => void } {
  const path = join(mkdtempSync(join(tmpdir(), "audit-crash-")), "audit.jsonl");
  const sink = createChainedSink(path, { env, checkpointEvery: 1000 });
  return { path, write: (n) => sink.write(Array.from({ length: n }, event)) };
}

const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean);
const link = (line: string) => {
  const { seq, mac } = JSON.parse(line) as { seq: number; mac: string };
  return { seq, mac };
};

describe("audit head: a crash at any instant leaves a log that verifies", () => {
  it("a crash after the head named the batch, before the batch was written", () => {
    const { path, write } = log();
    write(3);
    const head = JSON.parse(readFileSync(`${path}.head`, "utf8").split("\n")[0] as string);
    writeFileSync(
      `${path}.head`,
      headText({ ...head, next: { seq: head.seq + 2, mac: "never-written", first: head.first } }),
    );
    assert.equal(verifyChain(path, env).ok, true, JSON.stringify(verifyChain(path, env)));
    write(1);
    assert.equal(verifyChain(path, env).ok, true);
    assert.equal(lines(path).length, 4);
  });

  it("a crash after the batch was written, before the head named its end", () => {
    const { path, write } = log();
    write(3);
    const before = JSON.parse(readFileSync(`${path}.head`, "utf8").split("\n")[0] as string);
    write(2);
    const all = lines(path);
    writeFileSync(
      `${path}.head`,
      headText({
        ...before,
        next: { ...link(all.at(-1) as string), first: link(all[0] as string) },
      }),
    );
    assert.equal(verifyChain(path, env).ok, true, JSON.stringify(verifyChain(path, env)));
    write(1);
    assert.equal(verifyChain(path, env).ok, true);
  });

  it("the same head without the batch named (an older head) is refused by verify and writers", () => {
    const { path, write } = log();
    write(3);
    const older = readFileSync(`${path}.head`, "utf8");
    write(2);
    writeFileSync(`${path}.head`, older);
    const report = verifyChain(path, env);
    assert.equal(report.ok, false);
    assert.match(report.problem?.why ?? "", /replaced by an older one/);
    assert.throws(() => write(1), /does not match its head/);
    assert.equal(lines(path).length, 5, "nothing appended");
  });

  it("a crash during a rotation, after the new file was written, before the head named it", () => {
    const path = join(mkdtempSync(join(tmpdir(), "audit-crash-")), "audit.jsonl");
    const sink = createChainedSink(path, { env, rotate: { maxBytes: 600 }, checkpointEvery: 1000 });
    const headLine = () => readFileSync(`${path}.head`, "utf8").split("\n")[0] ?? "";
    sink.write([event()]);
    let before = headLine();
    let rotated = false;
    for (let i = 0; i < 10 && !rotated; i++) {
      sink.write([event()]);
      const now = lines(path);
      rotated =
        now.length === 2 &&
        (JSON.parse(now[0] as string) as { action: string }).action === "checkpoint";
      if (rotated)
        // The head as the crashed writer left it: the state before, and the batch it wrote.
        writeFileSync(
          `${path}.head`,
          headText({
            ...JSON.parse(before),
            next: { ...link(now[1] as string), first: link(now[0] as string) },
          }),
        );
      else before = headLine();
    }
    assert.ok(rotated, "a rotation happened");
    assert.equal(verifyChain(path, env).ok, true, JSON.stringify(verifyChain(path, env)));
    sink.write([event()]);
    sink.write([event()]);
    assert.equal(verifyChain(path, env).ok, true, JSON.stringify(verifyChain(path, env)));
  });

  it("rotation: the new segment's checkpoint is the file's first record, named by the head", () => {
    const path = join(mkdtempSync(join(tmpdir(), "audit-crash-")), "audit.jsonl");
    const sink = createChainedSink(path, { env, rotate: { maxBytes: 600 }, checkpointEvery: 1000 });
    for (let i = 0; i < 8; i++) sink.write([event()]);
    assert.equal(verifyChain(path, env).ok, true, JSON.stringify(verifyChain(path, env)));
    const head = JSON.parse(readFileSync(`${path}.head`, "utf8").split("\n")[0] as string);
    const first = JSON.parse(lines(path)[0] as string);
    assert.equal(first.action, "checkpoint");
    assert.deepEqual(head.first, { seq: first.seq, mac: first.mac });
  });
});
