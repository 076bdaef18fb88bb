// Issue 27 item 10 (start-up): the npm package's CLI is the dispatcher (dist/bundle/cli.cjs) and
// chunks (cli-*.cjs) the launcher loads as a command needs them, each through V8's code cache
// (src/cli/launcher.ts). Checked over every command: each one's chunks load and run from source
// and again from the cache; an error thrown in a command's chunk is still a StrongboxError to the
// dispatcher (one class across chunks, so a user's mistake never turns into "internal error");
// a start loads only its command's chunks; a cache holds only chunks of this build.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeCaches, encodeCaches } from "../../src/cli/code-cache-file.js";
import { COMMANDS } from "../../src/cli/command-table.js";
import { CLI, cleanEnv, ROOT, tempProject } from "../helpers/cli.js";

const CONFIG = "variables:\n  PORT: { type: port, default: 8080 }\n";
const BUNDLE = join(ROOT, "dist/bundle");

function cli(dir: string, args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: cleanEnv(dir),
    encoding: "utf8",
    input: "",
    timeout: 60_000,
  });
}

/** The chunks named in `command`'s cache file. */
function cachedChunks(dir: string, command: string): string[] {
  const v8 = join(dir, ".cache", "v8");
  const name = readdirSync(v8).find((file) => file.endsWith(`-${command}.bin`));
  assert.ok(name, `a cache for ${command}`);
  const caches = decodeCaches(readFileSync(join(v8, name)));
  assert.ok(caches, "a cache file the launcher wrote");
  return [...caches.keys()].sort();
}

describe("the CLI in chunks (npm package)", () => {
  it("every command's help loads from source, then from the cache, the same", () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    for (const name of Object.keys(COMMANDS)) {
      const first = cli(dir, [name, "--help"]);
      assert.equal(first.status, 0, `${name}: ${first.stderr}`);
      const second = cli(dir, [name, "--help"]);
      assert.equal(second.status, 0, `${name} (cached): ${second.stderr}`);
      assert.equal(second.stdout, first.stdout);
      assert.ok(first.stdout.length > 0);
    }
  });

  it("a user's mistake found inside a command's chunk is a typed error, not an internal one", () => {
    // No config here: every command that needs one throws E_CONFIG (or another typed error)
    // from its own chunk; the dispatcher recognises it only if StrongboxError is one class.
    const dir = tempProject({});
    for (const args of [["run", "--", "true"], ["check"], ["export"], ["explain"], ["lint"]]) {
      for (let start = 0; start < 2; start++) {
        const result = cli(dir, args);
        assert.notEqual(result.status, 0, args.join(" "));
        assert.doesNotMatch(result.stderr, /internal error|TypeError|is not a/, args.join(" "));
        assert.match(result.stderr, /^strongbox: /, args.join(" "));
      }
    }
  });

  it("a start loads the dispatcher and its command's chunks, not the whole CLI", () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const all = readdirSync(BUNDLE).filter((file) => /^cli(-.*)?\.cjs$/.test(file));
    assert.equal(cli(dir, ["--version"]).status, 0);
    assert.equal(cli(dir, ["run", "--quiet", "--", "true"]).status, 0);
    const version = cachedChunks(dir, "main");
    const run = cachedChunks(dir, "run");
    for (const chunks of [version, run]) {
      assert.ok(chunks.includes("cli.cjs"));
      for (const chunk of chunks) assert.ok(all.includes(chunk), chunk);
    }
    assert.ok(version.length < run.length, `${version.length} < ${run.length}`);
    assert.ok(run.length < all.length, `${run.length} < ${all.length}`);
  });

  it("attacks: a cache file naming a chunk this build does not have, or damaged, costs only the speed-up", () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    assert.equal(cli(dir, ["check"]).status, 0);
    const v8 = join(dir, ".cache", "v8");
    const file = join(v8, readdirSync(v8).find((name) => name.endsWith("-check.bin")) as string);
    const planted = new Map([
      ["../evil.cjs", Buffer.alloc(64, 1)],
      ["cli.cjs", Buffer.alloc(64, 2)],
    ]);
    for (const bytes of [encodeCaches(planted), readFileSync(file).subarray(0, 37)]) {
      writeFileSync(file, bytes, { mode: 0o600 });
      const result = cli(dir, ["check"]);
      assert.equal(result.status, 0, result.stderr);
      const chunks = cachedChunks(dir, "check");
      assert.ok(!chunks.includes("../evil.cjs"), "rewritten with this build's chunks only");
    }
  });
});
