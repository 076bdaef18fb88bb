// The npm package's launcher runs the CLI through V8's code cache (src/cli/launcher.ts).
// A cache is code V8 runs: it must be private, never read when someone else could have
// written it, and a damaged one must cost speed, never a command.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, cleanEnv, tempProject } from "../helpers/cli.js";

const CONFIG = "variables:\n  PORT: { type: port, default: 8080 }\n";

function cli(dir: string, args: string[], extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: cleanEnv(dir, extra),
    encoding: "utf8",
  });
}

/** The cache file of `command`, with what tells a rewrite apart (a rename makes a new inode). */
function cacheOf(dir: string, command: string) {
  const v8 = join(dir, ".cache", "v8");
  const name = readdirSync(v8).find((file) => file.endsWith(`-${command}.bin`));
  assert.ok(name, `a cache file for ${command} in ${readdirSync(v8).join(", ")}`);
  const path = join(v8, name);
  const stats = statSync(path, { bigint: true });
  return { path, ino: stats.ino, mtime: stats.mtimeNs, mode: Number(stats.mode) & 0o777 };
}

describe("the CLI's code cache", () => {
  it("is written once per command, private to the user, and used as it is by the next start", () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const first = cli(dir, ["run", "--quiet", "--", "sh", "-c", 'echo "$PORT"']);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, "8080\n");
    const written = cacheOf(dir, "run");
    assert.equal(written.mode, 0o600);
    assert.equal(Number(statSync(join(dir, ".cache", "v8")).mode) & 0o777, 0o700);
    const second = cli(dir, ["run", "--quiet", "--", "sh", "-c", 'echo "$PORT"']);
    assert.equal(second.stdout, "8080\n", second.stderr);
    assert.equal(second.stderr, "");
    // V8 accepted it: a rejected cache would have been replaced.
    const after = cacheOf(dir, "run");
    assert.deepEqual([after.ino, after.mtime], [written.ino, written.mtime]);
    // Another command gets its own, fitted to what it compiles.
    assert.equal(cli(dir, ["check"]).status, 0);
    assert.notEqual(cacheOf(dir, "check").path, after.path);
  });

  it("modules outside the bundle still load when the code comes from the cache (a TypeScript config, twice)", () => {
    const dir = tempProject({
      "strongbox.config.ts":
        'export default { variables: { PORT: { type: "port", default: 81 } } };\n',
    });
    for (let start = 0; start < 2; start++) {
      const result = cli(dir, ["run", "--quiet", "--", "sh", "-c", 'echo "$PORT"']);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, "81\n");
      assert.equal(result.stderr, "", "and no warning about how it was loaded");
    }
  });

  it("attacks: a damaged cache, or one that others could have written, is replaced, never run", () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    assert.equal(cli(dir, ["check"]).status, 0);
    const cache = cacheOf(dir, "check");
    writeFileSync(cache.path, Buffer.alloc(4096, 0x41));
    const damaged = cli(dir, ["check"]);
    assert.equal(damaged.status, 0, damaged.stderr);
    assert.notEqual(cacheOf(dir, "check").ino, cache.ino, "rewritten after V8 refused it");
    // Writable by everyone: not read at all, and replaced by a private one.
    chmodSync(cacheOf(dir, "check").path, 0o666);
    const planted = cacheOf(dir, "check");
    assert.equal(cli(dir, ["check"]).status, 0);
    const replaced = cacheOf(dir, "check");
    assert.notEqual(replaced.ino, planted.ino);
    assert.equal(replaced.mode, 0o600);
  });

  it("attacks: nothing is written into a cache directory others can write to", () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const shared = join(dir, "shared-cache");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const result = cli(dir, ["check"], { STRONGBOX_CACHE_DIR: shared });
    // The config cache refuses it too (E_UNSAFE_PATH); the launcher wrote nothing first.
    assert.equal(result.status, 6, result.stderr);
    assert.deepEqual(readdirSync(shared), []);
  });

  it("a cache directory that cannot be used costs the speed-up, not the command", () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG, "not-a-dir": "x" });
    const result = cli(dir, ["run", "--quiet", "--", "sh", "-c", 'echo "$PORT"'], {
      STRONGBOX_CACHE_DIR: join(dir, "not-a-dir"),
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "8080\n");
    assert.equal(result.stderr, "");
  });
});
