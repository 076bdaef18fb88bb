// Issue 9, items 11, 12, 15 and 19: rekey revokes, rollback and deletion are detected,
// audit comes before the write, and git merges leave the rest of the store readable.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { initStore, openStore } from "../../src/store/open.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { git } from "./git.test.js";

const KEY_1 = Buffer.from(
  "db5a990155f375c3f66398ce07cf8eae3ffca57671b752e5bc7856d23b98684e",
  "hex",
);

describe("the store against someone with an old key, the git history, or write access (issue 9.11, 9.12)", () => {
  it("after rekey the old master key and old keyring neither read new secrets nor forge a file", async () => {
    const home = tempProject();
    const dir = join(home, "store");
    initStore({ dir, env: { HOME: home }, masterKey: KEY_1 });
    const k1 = { dir, env: { HOME: home, STRONGBOX_MASTER_KEY: KEY_1.toString("base64") } };
    (await openStore(k1)).set("A", Buffer.from("before-rekey"));
    const old = join(home, "old");
    cpSync(dir, old, { recursive: true });
    // The store moves to a key file of its own; the old key is what a departed teammate kept.
    const store = await openStore(k1);
    store.rekey();
    const k2 = { dir, env: { HOME: home } };
    (await openStore(k2)).set("B", Buffer.from("after-rekey-canary"));
    // 1. Reading: the old keyring plus B's file, opened with the old key.
    cpSync(join(dir, "secrets/B.sbx"), join(old, "secrets/B.sbx"));
    const withOldKey = await openStore({ ...k1, dir: old });
    assert.throws(() => withOldKey.get("B"), { code: "E_STORE_TAMPERED" });
    // 2. Forging: a file made with the old key, dropped into the current store.
    withOldKey.set("A", Buffer.from("forged-by-old-key"));
    cpSync(join(old, "secrets/A.sbx"), join(dir, "secrets/A.sbx"));
    assert.throws(() => store.get("A"), { code: "E_STORE_TAMPERED" });
  });

  it("after rewrap, a record under a retired data key is refused", async () => {
    const home = tempProject();
    const dir = join(home, "store");
    initStore({ dir, env: { HOME: home } });
    const options = { dir, env: { HOME: home } };
    const store = await openStore(options);
    store.set("A", Buffer.from("value-under-key-1"));
    store.rotateKey();
    const beforeRewrap = readFileSync(join(dir, "secrets/A.sbx"));
    assert.equal(store.rewrap(), 1);
    writeFileSync(join(dir, "secrets/A.sbx"), beforeRewrap);
    const reopened = await openStore(options);
    assert.throws(() => reopened.get("A"), /data key 1, which `rewrap` retired/);
  });

  it("an older authentic copy put back, a file deleted, a manifest line edited or the manifest deleted: each named", async () => {
    const dir = tempProject();
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    for (const [name, value] of [
      ["DB_PASSWORD", "v1-value"],
      ["OTHER", "other-value"],
    ] as const)
      await runCli(["set", name], { cwd: dir, input: value });
    const file = join(dir, ".strongbox/secrets/DB_PASSWORD.sbx");
    const v1 = readFileSync(file);
    await runCli(["set", "DB_PASSWORD"], { cwd: dir, input: "v2-value" });
    writeFileSync(file, v1);
    const rolledBack = await runCli(["get", "DB_PASSWORD"], { cwd: dir });
    assert.equal(rolledBack.code, 8);
    assert.match(
      rolledBack.stderr,
      /secret DB_PASSWORD was rolled back: .* holds 1 version, but the store wrote 2 \(E_STORE_ROLLBACK\)/,
    );
    assert.equal((await runCli(["get", "OTHER"], { cwd: dir })).stdout, "other-value");
    rmSync(file);
    const deleted = await runCli(["get", "DB_PASSWORD"], { cwd: dir });
    assert.equal(deleted.code, 8);
    assert.match(deleted.stderr, /secret DB_PASSWORD was deleted outside Strongbox/);
    const manifest = join(dir, ".strongbox/manifest.sbx");
    const text = readFileSync(manifest, "utf8");
    writeFileSync(manifest, text.replace(/^DB_PASSWORD 2 /m, "DB_PASSWORD 1 "));
    writeFileSync(file, v1);
    const edited = await runCli(["get", "DB_PASSWORD"], { cwd: dir });
    assert.equal(edited.code, 8);
    assert.match(edited.stderr, /the line for secret DB_PASSWORD was changed outside Strongbox/);
    rmSync(manifest);
    const noManifest = await runCli(["get", "OTHER"], { cwd: dir });
    assert.equal(noManifest.code, 8);
    assert.match(noManifest.stderr, /manifest.sbx is missing/);
  });

  it("a purge through Strongbox is not mistaken for a deletion", async () => {
    const dir = tempProject();
    await runCli(["init"], { cwd: dir });
    await runCli(["set", "GONE"], { cwd: dir, input: "to-be-purged" });
    assert.equal((await runCli(["rm", "GONE", "--purge"], { cwd: dir })).code, 0);
    const after = await runCli(["get", "GONE"], { cwd: dir });
    assert.doesNotMatch(after.stderr, /deleted outside/);
  });
});

describe("audit before commit (issue 9.15)", () => {
  it("when the audit record cannot be written, set fails and the previous value stays", async () => {
    const dir = tempProject();
    await runCli(["init"], { cwd: dir });
    await runCli(["set", "A"], { cwd: dir, input: "previous-value" });
    // A directory where the audit file should be: no one, root included, can append to it.
    const auditFile = join(dir, "audit.jsonl");
    mkdirSync(auditFile);
    const blocked = await runCli(["set", "A"], {
      cwd: dir,
      input: "unaudited-value",
      env: { STRONGBOX_AUDIT_FILE: auditFile },
    });
    assert.equal(blocked.code, 6);
    assert.match(blocked.stderr, /cannot write the audit log/);
    assert.equal((await runCli(["get", "A"], { cwd: dir })).stdout, "previous-value");
    assert.doesNotMatch(JSON.stringify(await runCli(["history", "A"], { cwd: dir })), /v3/);
  });
});

describe("git merges (issue 9.19)", () => {
  async function repoWithStore(): Promise<string> {
    // The test's HOME is the project; a real home is never inside the repository.
    const dir = tempProject({ ".gitignore": ".local/\n" });
    git(dir, "init", "-q", "-b", "main");
    await runCli(["init"], { cwd: dir });
    await runCli(["set", "SHARED"], { cwd: dir, input: "base-value" });
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "store");
    return dir;
  }

  it("two branches setting different secrets merge cleanly, manifest included", async () => {
    const dir = await repoWithStore();
    git(dir, "checkout", "-qb", "feature");
    await runCli(["set", "ALPHA"], { cwd: dir, input: "alpha-value" });
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "alpha");
    git(dir, "checkout", "-q", "main");
    await runCli(["set", "BETA"], { cwd: dir, input: "beta-value" });
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "beta");
    git(dir, "merge", "-q", "feature", "-m", "merge");
    for (const [name, value] of [
      ["ALPHA", "alpha-value"],
      ["BETA", "beta-value"],
      ["SHARED", "base-value"],
    ] as const)
      assert.equal((await runCli(["get", name], { cwd: dir })).stdout, value, name);
  });

  it("a conflict in one secret is reported by name, the rest stays readable, and resolve ends it", async () => {
    const dir = await repoWithStore();
    git(dir, "checkout", "-qb", "feature");
    await runCli(["set", "SHARED"], { cwd: dir, input: "their-value" });
    await runCli(["set", "SHARED"], { cwd: dir, input: "their-value-2" });
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "theirs");
    git(dir, "checkout", "-q", "main");
    await runCli(["set", "SHARED"], { cwd: dir, input: "our-value" });
    await runCli(["set", "OTHER"], { cwd: dir, input: "other-value" });
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "ours");
    assert.throws(() => git(dir, "merge", "-q", "feature", "-m", "merge"));
    const conflicted = await runCli(["get", "SHARED"], { cwd: dir });
    assert.equal(conflicted.code, 8);
    assert.match(
      conflicted.stderr,
      /secret SHARED has an unresolved git merge conflict \(E_STORE_CONFLICT\)/,
    );
    assert.match(conflicted.stderr, /strongbox resolve SHARED --ours/);
    assert.equal((await runCli(["get", "OTHER"], { cwd: dir })).stdout, "other-value");
    const list = await runCli(["list"], { cwd: dir });
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^OTHER /m);
    assert.match(list.stderr, /SHARED: .*E_STORE_CONFLICT/);
    const resolved = await runCli(["resolve", "SHARED", "--theirs"], { cwd: dir });
    assert.equal(resolved.code, 0, resolved.stderr);
    assert.equal((await runCli(["get", "SHARED"], { cwd: dir })).stdout, "their-value-2");
    await runCli(["set", "SHARED"], { cwd: dir, input: "after-merge" });
    assert.equal((await runCli(["get", "SHARED"], { cwd: dir })).stdout, "after-merge");
  });
});

describe("a writer that opened the store before a key operation (issue 9.11, found by the crash test)", () => {
  it("writes under the current keys after another process rotated, rewrapped and re-keyed", async () => {
    const home = tempProject();
    const dir = join(home, "store");
    initStore({ dir, env: { HOME: home } });
    const options = { dir, env: { HOME: home } };
    const stale = await openStore(options);
    stale.set("A", Buffer.from("first"));
    const other = await openStore(options);
    other.rotateKey();
    other.rewrap();
    other.rekey();
    stale.set("A", Buffer.from("written-by-the-stale-writer"));
    const fresh = await openStore(options);
    assert.equal(fresh.get("A")?.value.toString(), "written-by-the-stale-writer");
  });
});
