// The store's inter-process lock: stale locks are broken one breaker at a time.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { lockFile } from "../../src/fs/lock.js";
import { tempProject } from "../helpers/cli.js";

/** A pid that is certainly dead: a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid as number;
}

describe("store lock", () => {
  it("breaks a lock left by a dead process, and releases only its own", () => {
    const dir = tempProject();
    const path = join(dir, ".lock");
    writeFileSync(path, `${deadPid()} ${hostname()} 2026-01-01T00:00:00Z\n`);
    const release = lockFile(path, "the store", { timeoutMs: 2000 });
    assert.match(readFileSync(path, "utf8"), new RegExp(`^${process.pid} `));
    release();
    assert.equal(existsSync(path), false);
  });

  it("attacks the race: while another live process is breaking a stale lock, it is left to that process", () => {
    const dir = tempProject();
    const path = join(dir, ".lock");
    writeFileSync(path, `${deadPid()} ${hostname()} 2026-01-01T00:00:00Z\n`);
    // A live breaker holds the guard (this process's parent, alive for the whole test).
    writeFileSync(`${path}.break`, `${process.ppid} ${hostname()} 2026-01-01T00:00:00Z\n`);
    assert.throws(() => lockFile(path, "the store", { timeoutMs: 150 }), {
      code: "E_STORE_LOCKED",
    });
    assert.ok(existsSync(path), "the stale lock was not removed behind the breaker's back");
    // A guard left by a breaker that died is broken too, and then the stale lock.
    writeFileSync(`${path}.break`, `${deadPid()} ${hostname()} 2026-01-01T00:00:00Z\n`);
    const release = lockFile(path, "the store", { timeoutMs: 2000 });
    assert.equal(existsSync(`${path}.break`), false);
    release();
  });
});
