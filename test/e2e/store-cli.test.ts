import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseDotenv } from "../../src/dotenv/parse.js";
import { runCli, tempProject } from "../helpers/cli.js";

async function initialised(files: Record<string, string> = {}): Promise<string> {
  const dir = tempProject(files);
  const init = await runCli(["init"], { cwd: dir });
  assert.equal(init.code, 0, init.stderr);
  return dir;
}

describe("store commands", () => {
  it("init creates the store, says where the key is and how to back it up, and never overwrites", async () => {
    const dir = tempProject();
    const init = await runCli(["init"], { cwd: dir });
    assert.equal(init.code, 0);
    assert.match(init.stderr, /created the store .*\.strongbox/);
    assert.match(
      init.stderr,
      /master key written to .*\.config\/strongbox\/keys\/.*\.key \(mode 0600\)/,
    );
    assert.match(init.stderr, /back that file up/);
    assert.equal(init.stdout, "");
    const keyring = readFileSync(join(dir, ".strongbox", "keyring.sbx"), "utf8");
    // A second init is not a mistake (git init, doppler setup): it says what exists, exit 0.
    const again = await runCli(["init"], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /the store .*\.strongbox exists already; it is kept as it is/);
    assert.match(again.stderr, /next:\n(?: {2}.*\n)* {2}strongbox set NAME /);
    assert.doesNotMatch(again.stderr, /master key written/);
    assert.equal(readFileSync(join(dir, ".strongbox", "keyring.sbx"), "utf8"), keyring);
    const json = await runCli(["init", "--json"], { cwd: dir });
    assert.equal(json.code, 0);
    assert.equal(JSON.parse(json.stdout).existed, true);
    // Asking for another kind of store where one exists is still refused.
    const other = await runCli(["init", "--passphrase"], {
      cwd: dir,
      env: { STRONGBOX_PASSPHRASE: "long enough passphrase" },
    });
    assert.equal(other.code, 7);
    assert.match(other.stderr, /a store already exists/);
  });

  it("set from stdin, a file or --value (with a warning); get prints exactly the bytes", async () => {
    const dir = await initialised({ "pem.txt": "-----BEGIN-----\nabc\n-----END-----\n" });
    assert.equal(
      (await runCli(["set", "API_TOKEN"], { cwd: dir, input: "tok-from-stdin\n" })).code,
      0,
    );
    assert.equal((await runCli(["get", "API_TOKEN"], { cwd: dir })).stdout, "tok-from-stdin");
    await runCli(["set", "PEM", "--from-file", "pem.txt"], { cwd: dir });
    assert.equal(
      (await runCli(["get", "PEM"], { cwd: dir })).stdout,
      "-----BEGIN-----\nabc\n-----END-----\n",
    );
    const inline = await runCli(["set", "INLINE", "--value", "visible-in-ps"], { cwd: dir });
    assert.match(inline.stderr, /warning: --value puts the secret in the process list/);
    assert.ok(!inline.stderr.includes("visible-in-ps"));
    const json = JSON.parse(
      (await runCli(["set", "API_TOKEN", "--json"], { cwd: dir, input: "second" })).stdout,
    );
    assert.deepEqual(json, { ok: true, issues: [], name: "API_TOKEN", version: 2 });
    assert.equal(
      (await runCli(["get", "API_TOKEN", "--version", "1"], { cwd: dir })).stdout,
      "tok-from-stdin",
    );
    const missing = await runCli(["get", "NOPE"], { cwd: dir });
    assert.equal(missing.code, 7);
    assert.match(missing.stderr, /\(E_STORE_NOT_FOUND\)/);
    assert.match(missing.stderr, /NOPE is not in the store/);
  });

  it("list, history, rm, rollback show names and metadata, never values", async () => {
    const dir = await initialised();
    await runCli(
      [
        "set",
        "db/password",
        "--description",
        "main db",
        "--tag",
        "db",
        "--rotate-every",
        "30d",
        "--expires",
        "90d",
      ],
      { cwd: dir, input: "list-canary-1" },
    );
    const first = await runCli(["list"], { cwd: dir });
    assert.match(
      first.stdout,
      /^NAME +VERSION +UPDATED \(UTC\) +BY +KEY +EXPIRY +ROTATION +TAGS\ndb\/password +v1 .* key 1 +expires \d{4}-\d\d-\d\d +rotate every 30d +db\n$/,
    );
    // A new value does not inherit the old value's expiry; the other metadata stays.
    await runCli(["set", "db/password"], { cwd: dir, input: "list-canary-2" });
    const list = await runCli(["list"], { cwd: dir });
    assert.match(
      list.stdout,
      /^NAME +VERSION +UPDATED \(UTC\) +BY +KEY +EXPIRY +ROTATION +TAGS\ndb\/password +v2 .* key 1 +rotate every 30d +db\n$/,
    );
    const json = JSON.parse((await runCli(["list", "--json", "--keys"], { cwd: dir })).stdout);
    assert.equal(json.secrets[0].meta.description, "main db");
    assert.deepEqual(json.keys, [{ kid: 1, records: 2, active: true }]);
    assert.equal((await runCli(["rm", "db/password"], { cwd: dir })).code, 0);
    assert.equal((await runCli(["get", "db/password"], { cwd: dir })).code, 7);
    assert.equal(
      (await runCli(["list"], { cwd: dir })).stdout.split("\n").length,
      2,
      "deleted secrets are hidden",
    );
    assert.match(
      (await runCli(["rollback", "db/password", "--to", "1"], { cwd: dir })).stderr,
      /version 4 now holds the value of version 1/,
    );
    assert.equal((await runCli(["get", "db/password"], { cwd: dir })).stdout, "list-canary-1");
    const history = await runCli(["history", "db/password"], { cwd: dir });
    assert.match(history.stdout, /^v1 .*key 1\nv2 .*key 1\nv3 .*deleted\nv4 .*key 1\n$/);
    for (const output of [list.stdout, JSON.stringify(json), history.stdout])
      assert.ok(!output.includes("list-canary"));
  });

  it("rotate-key, rewrap and rekey keep every secret readable", async () => {
    const dir = await initialised();
    await runCli(["set", "A"], { cwd: dir, input: "a-value" });
    assert.match((await runCli(["rotate-key"], { cwd: dir })).stderr, /data key 2 is now active/);
    assert.match((await runCli(["rewrap"], { cwd: dir })).stderr, /re-encrypted 1 version/);
    assert.match((await runCli(["rekey"], { cwd: dir })).stderr, /new master key written to/);
    assert.equal((await runCli(["get", "A"], { cwd: dir })).stdout, "a-value");
  });

  it("reports a wrong key, a tampered file and a held lock with their own exit statuses", async () => {
    const dir = await initialised();
    await runCli(["set", "A"], { cwd: dir, input: "tamper-canary" });
    const wrong = await runCli(["get", "A"], {
      cwd: dir,
      env: { STRONGBOX_MASTER_KEY: "0".repeat(64) },
    });
    assert.equal(wrong.code, 7);
    assert.match(wrong.stderr, /the master key does not open this store \(E_STORE_WRONG_KEY\)/);
    const path = join(dir, ".strongbox/secrets/A.sbx");
    const bytes = readFileSync(path);
    const at = bytes.indexOf('"ct"') + 8;
    bytes[at] = (bytes[at] ?? 0) ^ 1;
    writeFileSync(path, bytes);
    const tampered = await runCli(["get", "A"], { cwd: dir });
    assert.equal(tampered.code, 8);
    assert.match(tampered.stderr, /A\.sbx: the store file was modified or damaged/);
    assert.ok(!tampered.stderr.includes("tamper-canary"));
    const holder = spawn("sleep", ["30"]);
    writeFileSync(
      join(dir, ".strongbox/.lock"),
      `${holder.pid} ${(await import("node:os")).hostname()} 2026-01-01T00:00:00Z\n`,
    );
    try {
      const locked = await runCli(["set", "B"], {
        cwd: dir,
        input: "b",
        env: { STRONGBOX_LOCK_TIMEOUT_MS: "300" },
      });
      assert.equal(locked.code, 9);
      assert.match(locked.stderr, new RegExp(`the store is locked by process ${holder.pid}`));
    } finally {
      holder.kill();
    }
  });

  it("import moves a .env's secrets into the store and rewrites it to reference them", async () => {
    const dir = await initialised({
      "strongbox.config.yaml":
        "variables:\n  PORT: { type: port }\n  SESSION: { secret: true }\n  STRIPE_KEY: { secret: true }\n",
      ".env":
        "# app\nPORT=8080\nSESSION='import-canary-session'\nSTRIPE_KEY=\"import-canary\\nstripe\"\n",
    });
    const result = await runCli(["import", ".env", "--rewrite"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /imported SESSION \(version 1\)\nstrongbox: imported STRIPE_KEY \(version 1\)/,
    );
    assert.ok(!result.stderr.includes("import-canary"));
    assert.equal(
      readFileSync(join(dir, ".env"), "utf8"),
      "# app\nPORT=8080\nSESSION=store://SESSION\nSTRIPE_KEY=store://STRIPE_KEY\n",
    );
    const run = await runCli(
      ["run", "--no-mask", "--", "sh", "-c", 'printf "%s|%s|%s" "$PORT" "$SESSION" "$STRIPE_KEY"'],
      { cwd: dir },
    );
    assert.equal(run.stdout, "8080|import-canary-session|import-canary\nstripe");
    const reparsed = parseDotenv(readFileSync(join(dir, ".env"), "utf8"));
    assert.deepEqual(reparsed.issues, []);
  });

  it("import --delete of a file holding more than secrets stores nothing and keeps the file; a missing file is E_IO", async () => {
    const dir = await initialised({
      "strongbox.config.yaml": "variables:\n  PORT: { type: port }\n  SESSION: { secret: true }\n",
      ".env": "PORT=8080\nSESSION=delete-canary-session\n",
    });
    const refused = await runCli(["import", ".env", "--delete"], { cwd: dir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /also holds PORT.*nothing was imported and the file was kept/);
    assert.equal(
      readFileSync(join(dir, ".env"), "utf8"),
      "PORT=8080\nSESSION=delete-canary-session\n",
    );
    const list = await runCli(["list", "--json"], { cwd: dir });
    assert.deepEqual(JSON.parse(list.stdout).secrets ?? JSON.parse(list.stdout), []);
    const missing = await runCli(["import", "nope.env"], { cwd: dir });
    assert.equal(missing.code, 6);
    assert.match(missing.stderr, /import: nope.env does not exist \(E_IO\)/);
    assert.ok(!missing.stderr.includes("internal"));
  });

  it("store:// refs resolve in run, and the store's secrets are masked in piped output", async () => {
    const dir = await initialised({
      "strongbox.config.yaml": "variables:\n  TOKEN: { secret: true, ref: 'store://api/token' }\n",
    });
    await runCli(["set", "api/token"], { cwd: dir, input: "run-store-canary" });
    const run = await runCli(["run", "--", "sh", "-c", "echo $TOKEN"], { cwd: dir });
    assert.equal(run.stdout, "<redacted:TOKEN>\n");
    const explain = await runCli(["explain", "TOKEN"], { cwd: dir });
    assert.match(explain.stdout, /✓ from the schema's ref -> store:\/\/api\/token \(version 1\)/);
    const missingKey = await runCli(["check"], { cwd: dir, env: { HOME: tempProject() } });
    assert.equal(missingKey.code, 4);
    assert.match(missingKey.stderr, /TOKEN: no master key for the store/);
    assert.deepEqual(readdirSync(join(dir, ".strongbox")).sort(), [
      ".gitattributes",
      ".gitignore",
      "keyring.sbx",
      "manifest.sbx",
      "secrets",
    ]);
  });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=T", ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: cwd, GIT_CONFIG_NOSYSTEM: "1" },
  });
}

describe("rollbacks through a merge or a cut manifest line (issue 24.18)", () => {
  /** A repository whose store's SHARED secret two branches changed: `main` and `feature` set it n times each. */
  async function conflicted(mainSets: number, featureSets: number): Promise<string> {
    const dir = tempProject({ ".gitignore": ".local/\n" });
    git(dir, "init", "-q", "-b", "main");
    await runCli(["init"], { cwd: dir });
    await runCli(["set", "SHARED"], { cwd: dir, input: "base-value" });
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "store");
    git(dir, "checkout", "-qb", "feature");
    for (let i = 1; i <= featureSets; i++)
      await runCli(["set", "SHARED"], { cwd: dir, input: `feature-value-${i}` });
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "feature");
    git(dir, "checkout", "-q", "main");
    for (let i = 1; i <= mainSets; i++)
      await runCli(["set", "SHARED"], { cwd: dir, input: `main-value-${i}` });
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "main");
    assert.throws(() => git(dir, "merge", "-q", "feature", "-m", "merge"));
    return dir;
  }

  it("resolve refuses the side with fewer versions than the store wrote (mark or other side), for either side; --allow-rollback keeps it knowingly", async () => {
    for (const older of ["ours", "theirs"] as const)
      for (const manifest of ["merged", "without SHARED's lines"] as const) {
        const label = `${older} older, manifest ${manifest}`;
        // The older side set once, the other twice: 2 versions against 3.
        const dir = older === "ours" ? await conflicted(1, 2) : await conflicted(2, 1);
        if (manifest !== "merged") {
          const path = join(dir, ".strongbox/manifest.sbx");
          const text = readFileSync(path, "utf8");
          writeFileSync(path, text.replace(/^SHARED .*\n/gm, ""));
        }
        const newer = older === "ours" ? "theirs" : "ours";
        const refused = await runCli(["resolve", "SHARED", `--${older}`], { cwd: dir });
        assert.equal(refused.code, 8, `${label}: ${refused.stderr}`);
        assert.match(
          refused.stderr,
          /would roll it back: it holds 2 versions, but the store wrote 3 \(E_STORE_ROLLBACK\)/,
          label,
        );
        assert.match(refused.stderr, new RegExp(`resolve SHARED --${newer}`), label);
        // Nothing was written: the file still holds the conflict.
        assert.equal((await runCli(["get", "SHARED"], { cwd: dir })).code, 8, label);
        const kept = await runCli(["resolve", "SHARED", `--${older}`, "--allow-rollback"], {
          cwd: dir,
        });
        assert.equal(kept.code, 0, `${label}: ${kept.stderr}`);
        const value = (await runCli(["get", "SHARED"], { cwd: dir })).stdout;
        assert.equal(value, older === "ours" ? "main-value-1" : "feature-value-1", label);
      }
    // The side with every version is kept without a flag.
    const dir = await conflicted(2, 1);
    const ok = await runCli(["resolve", "SHARED", "--ours"], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await runCli(["get", "SHARED"], { cwd: dir })).stdout, "main-value-2");
  });

  it("a manifest whose last newline was removed still holds its last mark: every older copy of the file is caught; a torn append is not a forgery", async () => {
    const dir = await initialised();
    const file = join(dir, ".strongbox/secrets/A.sbx");
    const manifest = join(dir, ".strongbox/manifest.sbx");
    const copies: Buffer[] = [];
    for (let i = 1; i <= 3; i++) {
      await runCli(["set", "A"], { cwd: dir, input: `value-${i}` });
      copies.push(readFileSync(file));
    }
    const current = copies[2] as Buffer;
    const whole = readFileSync(manifest, "utf8");
    assert.ok(whole.endsWith("\n") && /\nA 3 \S+\n$/.test(whole), whole);
    for (const [k, copy] of copies.slice(0, 2).entries())
      for (const cut of ["as written", "final newline removed"] as const) {
        writeFileSync(manifest, cut === "as written" ? whole : whole.slice(0, -1));
        writeFileSync(file, copy);
        const read = await runCli(["get", "A"], { cwd: dir });
        assert.equal(read.code, 8, `copy of v${k + 1}, manifest ${cut}: ${read.stdout}`);
        assert.match(read.stderr, /holds \d versions?, but the store wrote 3 \(E_STORE_ROLLBACK\)/);
      }
    // A write after the cut starts its own line: both marks stand.
    writeFileSync(file, current);
    writeFileSync(manifest, whole.slice(0, -1));
    await runCli(["set", "B"], { cwd: dir, input: "b" });
    assert.match(readFileSync(manifest, "utf8"), /\nA 3 \S+\nB 1 \S+\n$/);
    writeFileSync(file, copies[1] as Buffer);
    assert.equal((await runCli(["get", "A"], { cwd: dir })).code, 8);
    writeFileSync(file, current);
    // A crash mid-append (the line cut inside its MAC): skipped, the file ahead of its mark reads.
    await runCli(["set", "A"], { cwd: dir, input: "value-4" });
    const appended = readFileSync(manifest, "utf8");
    writeFileSync(manifest, appended.slice(0, -10));
    const torn = await runCli(["get", "A"], { cwd: dir });
    assert.equal(torn.code, 0, torn.stderr);
    assert.equal(torn.stdout, "value-4");
  });
});

describe("a purged secret's old file put back (issue 24 follow-up)", () => {
  it("after rm --purge and 0, 1 or 3 sets, every older copy of the file is refused by get, run, history and resolve; the mark never goes down", async () => {
    const config = "variables:\n  DBPW: { secret: true, ref: 'store://DBPW' }\n";
    for (const setsAfter of [0, 1, 3]) {
      const dir = await initialised({ "strongbox.config.yaml": config });
      const file = join(dir, ".strongbox/secrets/DBPW.sbx");
      // Every state the file was ever in before the purge: 1, 2 and 3 live versions, then a tombstone.
      const copies: Array<{ label: string; bytes: Buffer }> = [];
      for (let i = 1; i <= 3; i++) {
        await runCli(["set", "DBPW"], { cwd: dir, input: `LEAKED-value-${i}` });
        copies.push({ label: `copy at v${i}`, bytes: readFileSync(file) });
      }
      await runCli(["rm", "DBPW"], { cwd: dir });
      copies.push({ label: "copy at the tombstone", bytes: readFileSync(file) });
      const purge = await runCli(["rm", "DBPW", "--purge"], { cwd: dir });
      assert.equal(purge.code, 0, purge.stderr);
      assert.ok(
        !existsSync(file) || !readFileSync(file).includes('"ct"'),
        "a purged file holds no value",
      );
      assert.equal((await runCli(["get", "DBPW"], { cwd: dir })).code !== 0, true);
      for (let i = 1; i <= setsAfter; i++)
        await runCli(["set", "DBPW"], { cwd: dir, input: `fresh-${i}` });
      // (With the purge of old, the file is gone after 0 sets: nothing to restore then.)
      const current = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
      for (const { label, bytes } of copies) {
        const at = `${setsAfter} sets after the purge, ${label}`;
        writeFileSync(file, bytes);
        for (const argv of [
          ["get", "DBPW"],
          ["run", "--no-mask", "--", "sh", "-c", 'printf %s "$DBPW"'],
          ["history", "DBPW"],
        ]) {
          const run = await runCli(argv, { cwd: dir });
          // run reports the store's refusal inside its resolution problem (its own exit status).
          if (argv[0] === "run") assert.notEqual(run.code, 0, `${at}, run: ${run.stderr}`);
          else assert.equal(run.code, 8, `${at}, ${argv[0]}: ${run.stderr}`);
          assert.match(run.stderr, /rolled back/, `${at}, ${argv[0]}`);
          assert.ok(!run.stdout.includes("LEAKED"), `${at}, ${argv[0]}`);
        }
        // The same old copy arriving as the other side of a merge.
        writeFileSync(
          file,
          `<<<<<<< HEAD\n${current.toString("utf8")}=======\n${bytes.toString("utf8")}>>>>>>> old\n`,
        );
        const resolve = await runCli(["resolve", "DBPW", "--theirs"], { cwd: dir });
        assert.equal(resolve.code, 8, `${at}, resolve: ${resolve.stderr}`);
        assert.match(resolve.stderr, /would roll it back/, at);
        if (current.length > 0) writeFileSync(file, current);
        else rmSync(file);
      }
      const now = await runCli(["get", "DBPW"], { cwd: dir });
      if (setsAfter === 0) assert.notEqual(now.code, 0);
      else assert.equal(now.stdout, `fresh-${setsAfter}`);
      assert.equal((await runCli(["check"], { cwd: dir })).stdout.includes("LEAKED"), false);
    }
  });
});
