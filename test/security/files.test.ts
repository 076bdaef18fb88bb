// Issue 9, items 8, 13 and 14: hostile configs, caches, stores, keys and KDF parameters.
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkScryptParams } from "../../src/store/master-key.js";
import { runCli, tempProject, writeFiles } from "../helpers/cli.js";

const isRoot = process.getuid?.() === 0;
/** A config that leaves a file behind if anyone ever executes it. */
const HOSTILE = `import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify("PWNED")}.toString(), "ran");
export default { variables: { X: { default: "hostile" } } };
`;

describe("config discovery (issue 9.8)", () => {
  it("never climbs to the home directory or above it", async () => {
    const root = tempProject({
      "strongbox.config.ts": HOSTILE,
      "home/strongbox.config.ts": HOSTILE,
    });
    mkdirSync(join(root, "home/project/sub"), { recursive: true });
    const result = await runCli(["check"], {
      cwd: join(root, "home/project/sub"),
      env: { HOME: join(root, "home") },
    });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /no strongbox.config.ts or strongbox.config.yaml/);
    assert.ok(!existsSync(join(root, "home/project/sub/PWNED")));
  });

  it("stops at the repository root, including a worktree's .git file", async () => {
    const root = tempProject({
      "strongbox.config.ts": HOSTILE,
      "repo/.git/HEAD": "",
      "wt/.git": "gitdir: ../repo/.git\n",
    });
    for (const repo of ["repo", "wt"]) {
      mkdirSync(join(root, repo, "sub"), { recursive: true });
      const result = await runCli(["check"], {
        cwd: join(root, repo, "sub"),
        env: { HOME: "/nonexistent" },
      });
      assert.equal(result.code, 3, repo);
      assert.ok(!existsSync(join(root, repo, "sub/PWNED")));
    }
  });

  it("refuses a config in a directory others can write to, and one another user owns", async () => {
    const dir = tempProject({ "p/strongbox.config.yaml": "variables:\n  X: { default: x }\n" });
    chmodSync(join(dir, "p"), 0o777);
    const open = await runCli(["check"], { cwd: join(dir, "p"), env: { HOME: "/nonexistent" } });
    assert.equal(open.code, 6);
    assert.match(
      open.stderr,
      /config file .* is inside .*p, which everyone can write to \(E_UNSAFE_PATH\)/,
    );
    chmodSync(join(dir, "p"), 0o1777);
    const sticky = await runCli(["check"], { cwd: join(dir, "p"), env: { HOME: "/nonexistent" } });
    assert.equal(sticky.code, 0, sticky.stderr);
    if (isRoot) {
      chmodSync(join(dir, "p"), 0o755);
      chownSync(join(dir, "p/strongbox.config.yaml"), 12345, 12345);
      const foreign = await runCli(["check"], {
        cwd: join(dir, "p"),
        env: { HOME: "/nonexistent" },
      });
      assert.equal(foreign.code, 6);
      assert.match(foreign.stderr, /belongs to another user \(uid 12345\)/);
    }
  });

  it("refuses a compile cache others can write to instead of running code from it", async () => {
    const dir = tempProject({
      "strongbox.config.ts": "export default { variables: { X: { default: 'x' } } };\n",
    });
    const cache = join(dir, "shared-cache");
    mkdirSync(cache, { mode: 0o777 });
    chmodSync(cache, 0o777);
    const result = await runCli(["check"], { cwd: dir, env: { STRONGBOX_CACHE_DIR: cache } });
    assert.equal(result.code, 6);
    assert.match(result.stderr, /the config cache .* is writable by everyone/);
    assert.deepEqual(readdirSync(cache), [], "nothing was compiled into it");
  });
});

describe("store files and keys (issue 9.13, 9.14)", () => {
  it("scrypt parameters have floors and ceilings on every parameter", () => {
    assert.equal(checkScryptParams({ N: 2 ** 17, r: 8, p: 1 }), undefined);
    assert.equal(checkScryptParams({ N: 2 ** 16, r: 8, p: 2 }), undefined);
    for (const weakOrHostile of [
      { N: 2 ** 15, r: 1, p: 1 },
      { N: 2 ** 15, r: 8, p: 1 },
      { N: 2 ** 20, r: 16, p: 1 },
      { N: 2 ** 18, r: 16, p: 1 },
      { N: 2 ** 17, r: 8, p: 8 },
      { N: 3 * 2 ** 16, r: 8, p: 1 },
    ])
      assert.notEqual(checkScryptParams(weakOrHostile), undefined, JSON.stringify(weakOrHostile));
  });

  it("a keyring edited to ask for 2 GiB of scrypt, or downgraded to a weak cost, is refused at once", async () => {
    const dir = tempProject();
    const env = { STRONGBOX_PASSPHRASE: "correct horse battery" };
    const init = await runCli(["init", "--passphrase"], { cwd: dir, env });
    assert.equal(init.code, 0, init.stderr);
    const path = join(dir, ".strongbox/keyring.sbx");
    const text = readFileSync(path, "utf8");
    assert.match(text, /"N": 131072,\s*"r": 8/);
    for (const edited of ['"N": 1048576, "r": 16', '"N": 32768, "r": 1']) {
      writeFileSync(path, text.replace(/"N": 131072,\s*"r": 8/, edited));
      const started = Date.now();
      const result = await runCli(["list"], { cwd: dir, env });
      assert.equal(result.code, 8, edited);
      assert.match(result.stderr, /scrypt parameters refused/);
      assert.ok(Date.now() - started < 10_000, "refused before any work");
    }
  });

  it("refuses a key file in a directory others can write to, another user's key file, and an all-zero key at init", async () => {
    const dir = tempProject();
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    const keys = join(dir, ".config/strongbox/keys");
    chmodSync(keys, 0o777);
    const open = await runCli(["list"], { cwd: dir });
    assert.equal(open.code, 7);
    assert.match(open.stderr, /which others can write to/);
    chmodSync(keys, 0o700);
    assert.equal((await runCli(["list"], { cwd: dir })).code, 0);
    if (isRoot) {
      // Every key file: the directory also holds audit.key, which `list` does not read.
      for (const file of readdirSync(keys)) chownSync(join(keys, file), 12345, 12345);
      const foreign = await runCli(["list"], { cwd: dir });
      assert.equal(foreign.code, 7);
      assert.match(foreign.stderr, /belongs to another user/);
    }
    const fresh = tempProject();
    for (const key of ["0".repeat(64), "ab".repeat(32)]) {
      const zero = await runCli(["init"], { cwd: fresh, env: { STRONGBOX_MASTER_KEY: key } });
      assert.equal(zero.code, 7);
      assert.match(zero.stderr, /holds a key that is not random/);
      assert.ok(!existsSync(join(fresh, ".strongbox")));
    }
  });

  it("refuses a store directory others can write to", async () => {
    const dir = tempProject();
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    chmodSync(join(dir, ".strongbox"), 0o777);
    const result = await runCli(["list"], { cwd: dir });
    assert.equal(result.code, 6);
    assert.match(result.stderr, /the store .* is writable by everyone/);
    writeFiles(dir, {});
  });
});
