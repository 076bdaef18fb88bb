// Several processes writing their first audit records at the same instant in a
// fresh HOME (two `run`s side by side, a CI matrix on one runner) must agree on
// one audit key: the key file is made by whichever comes first and read by the
// rest. Before, each made its own and the last rename won, so a head signed with
// a replaced key read as "altered" and production refused to start (CI found it).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { verifyChain } from "../../src/audit/query.js";

const CHAIN = fileURLToPath(new URL("../../src/audit/chain.js", import.meta.url));

/** A writer that waits for the shared start instant, then appends `batches` one-event batches. */
const WRITER = `
const { createChainedSink } = await import(process.argv[1]);
const [, , path, startAt, batches] = process.argv;
while (Date.now() < Number(startAt)) {}
const sink = createChainedSink(path, { env: process.env });
for (let i = 0; i < Number(batches); i++)
  sink.write([{ time: new Date().toISOString(), action: "read", source: "store", outcome: "ok", pid: process.pid }]);
`;

function writer(home: string, path: string, startAt: number, batches: number) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", WRITER, CHAIN, path, String(startAt), String(batches)],
      { env: { HOME: home, PATH: process.env.PATH ?? "" }, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("audit: first writers racing in a fresh HOME share one key and one chain", () => {
  for (const writers of [2, 4, 8])
    it(`${writers} processes starting together`, async () => {
      const home = mkdtempSync(join(tmpdir(), "audit-race-"));
      const path = join(home, ".local", "state", "strongbox", "audit.jsonl");
      const batches = 5;
      const startAt = Date.now() + 1500;
      const results = await Promise.all(
        Array.from({ length: writers }, () => writer(home, path, startAt, batches)),
      );
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const env = { HOME: home };
      const verdict = verifyChain(path, env);
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
      assert.equal(lines.length, writers * batches);
    });
});
