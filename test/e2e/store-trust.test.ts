// Issue 24 items 1 and 2 from the command line, as the issue reproduces them: a removed
// teammate puts the pre-removal store back and writes DB_URL; someone who can push plants an
// environment store. The remaining teammate's `get` and `run` must not deliver their values.
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

const CONFIG = `environments:
  local: {}
  staging: {}
  preview: {}
variables:
  DB_URL: { secret: true, ref: 'store://DB_URL' }
`;

async function person(project: string) {
  const home = tempProject();
  const keygen = await runCli(["keygen"], { cwd: project, env: { HOME: home } });
  assert.equal(keygen.code, 0, keygen.stderr);
  const env = { HOME: home };
  return {
    recipient: keygen.stdout.trim(),
    home,
    run: (args: string[], input?: string) =>
      runCli(args, { cwd: project, env, ...(input === undefined ? {} : { input }) }),
  };
}

/** `run` with a child that writes the DB_URL it got to a file (run masks it on its own output). */
function runWritingDbUrl(project: string): { args: string[]; seen: string } {
  const seen = join(project, "seen.txt");
  return {
    seen,
    args: [
      "--",
      process.execPath,
      "-e",
      `require("fs").writeFileSync(${JSON.stringify(seen)}, process.env.DB_URL ?? "")`,
    ],
  };
}

describe("team store trust from the command line (issue 24)", () => {
  it("attack: the removed teammate's pre-removal store, with their DB_URL, is refused by get and run; rm says where the fingerprint moved", async () => {
    const project = tempProject({ "strongbox.config.yaml": CONFIG });
    const alice = await person(project);
    const bob = await person(project);
    assert.equal((await alice.run(["init", "--recipient", `alice=${alice.recipient}`])).code, 0);
    assert.equal((await alice.run(["recipients", "add", bob.recipient, "--name", "bob"])).code, 0);
    assert.equal((await alice.run(["set", "DB_URL"], "postgres://team-1")).code, 0);
    assert.equal((await bob.run(["get", "DB_URL"])).stdout, "postgres://team-1"); // bob pins
    const old = join(tempProject(), "old");
    cpSync(join(project, ".strongbox"), old, { recursive: true });

    const rm = await alice.run(["recipients", "rm", "bob"]);
    assert.equal(rm.code, 0, rm.stderr);
    const print = (await alice.run(["recipients", "fingerprint"])).stdout.trim();
    assert.ok(rm.stderr.includes(`fingerprint is now ${print}`), rm.stderr);
    assert.match(rm.stderr, /STRONGBOX_STORE_FINGERPRINT/);
    assert.equal((await alice.run(["set", "DB_URL"], "postgres://team-2")).code, 0);

    // Bob: `git checkout <old> -- .strongbox`, then a value of his own, with the identity he kept.
    rmSync(join(project, ".strongbox"), { recursive: true });
    cpSync(old, join(project, ".strongbox"), { recursive: true });
    const planted = await bob.run(["set", "DB_URL"], "postgres://attacker");
    assert.equal(planted.code, 0, planted.stderr);

    const get = await alice.run(["get", "DB_URL"]);
    assert.equal(get.code, 8, get.stderr);
    assert.equal(get.stdout, "");
    assert.match(get.stderr, /rolled back to a master key from before a rekey/);
    assert.match(get.stderr, /diff --store-rev/);
    const { args, seen } = runWritingDbUrl(project);
    const run = await alice.run(["run", ...args]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /E_STORE_KEY_ROLLBACK/);
    assert.ok(!existsSync(seen), "the child never ran");
  });

  it("attack: an environment store someone planted is refused by run --env until trusted; one made with the root store open is taken with a notice", async () => {
    const project = tempProject({ "strongbox.config.yaml": CONFIG });
    const alice = await person(project);
    const bob = await person(project);
    const mallory = await person(project);
    assert.equal((await alice.run(["init", "--recipient", `alice=${alice.recipient}`])).code, 0);
    assert.equal((await alice.run(["recipients", "add", bob.recipient, "--name", "bob"])).code, 0);
    assert.equal((await alice.run(["set", "DB_URL"], "postgres://root")).code, 0);

    const made = await mallory.run([
      "init",
      "--env",
      "staging",
      "--recipient",
      alice.recipient,
      "--recipient",
      mallory.recipient,
    ]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /root store did not open for you/);
    assert.equal((await mallory.run(["set", "--env", "staging", "DB_URL"], "planted")).code, 0);

    const { args, seen } = runWritingDbUrl(project);
    const refused = await alice.run(["run", "--env", "staging", ...args]);
    assert.notEqual(refused.code, 0, refused.stderr);
    assert.match(refused.stderr, /E_STORE_UNTRUSTED/);
    assert.match(refused.stderr, /environment staging is new to you/);
    assert.match(refused.stderr, /strongbox recipients trust --env staging/);
    assert.ok(!existsSync(seen), "the child never ran");
    const set = await alice.run(["set", "--env", "staging", "DB_URL"], "would-be-read-by-mallory");
    assert.equal(set.code, 8, set.stderr);

    // A person checks it first: listing its recipients needs no trust, and shows mallory's.
    const list = await alice.run(["recipients", "list", "--env", "staging"]);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.stdout.includes(mallory.recipient));
    // The way out, after a person checked: trust it.
    const trust = await alice.run(["recipients", "trust", "--env", "staging"]);
    assert.equal(trust.code, 0, trust.stderr);
    assert.equal((await alice.run(["run", "--env", "staging", ...args])).code, 0);
    assert.equal(readFileSync(seen, "utf8"), "planted");

    // The legitimate flow: made with the root store open, endorsed, no manual step for bob.
    const preview = await alice.run([
      "init",
      "--env",
      "preview",
      "--recipient",
      `alice=${alice.recipient}`,
      "--recipient",
      `bob=${bob.recipient}`,
    ]);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stderr, /root store endorses it/);
    assert.equal((await alice.run(["set", "--env", "preview", "DB_URL"], "preview-db")).code, 0);
    const bobRun = await bob.run(["run", "--env", "preview", ...args]);
    assert.equal(bobRun.code, 0, bobRun.stderr);
    assert.match(bobRun.stderr, /first use of the team store .*root store endorses it/);
    assert.equal(readFileSync(seen, "utf8"), "preview-db");
  });

  it("attack (red team): staging copied onto prod, then the pre-removal prod put back, then prod deleted: get/set --env prod never read or write another store", async () => {
    const project = tempProject({
      "strongbox.config.yaml": CONFIG.replace("preview: {}", "prod: {}"),
    });
    const alice = await person(project);
    const mallory = await person(project);
    const both = [
      "--recipient",
      `alice=${alice.recipient}`,
      "--recipient",
      `mallory=${mallory.recipient}`,
    ];
    assert.equal((await alice.run(["init", ...both])).code, 0);
    for (const name of ["staging", "prod"])
      assert.equal((await alice.run(["init", "--env", name, ...both])).code, 0);
    assert.equal((await alice.run(["set", "--env", "staging", "DB_URL"], "staging-db")).code, 0);
    assert.equal((await alice.run(["set", "--env", "prod", "DB_URL"], "prod-db-1")).code, 0);
    const envs = join(project, ".strongbox", "envs");
    const oldProd = join(tempProject(), "old-prod");
    cpSync(join(envs, "prod"), oldProd, { recursive: true });
    const rm = await alice.run(["recipients", "rm", "mallory", "--env", "prod"]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await alice.run(["set", "--env", "prod", "DB_URL"], "prod-db-2")).code, 0);

    // 1: mallory puts staging (which she reads) in prod's place.
    const prodNow = join(tempProject(), "prod-now");
    cpSync(join(envs, "prod"), prodNow, { recursive: true });
    rmSync(join(envs, "prod"), { recursive: true });
    cpSync(join(envs, "staging"), join(envs, "prod"), { recursive: true });
    const get = await alice.run(["get", "--env", "prod", "DB_URL"]);
    assert.equal(get.code, 8, get.stderr);
    assert.equal(get.stdout, "");
    assert.match(get.stderr, /E_STORE_UNTRUSTED/);
    const set = await alice.run(["set", "--env", "prod", "DB_URL"], "would-be-read-by-mallory");
    assert.equal(set.code, 8, set.stderr);
    // 2: then the copy from before her removal, which she holds the key to.
    rmSync(join(envs, "prod"), { recursive: true });
    cpSync(oldProd, join(envs, "prod"), { recursive: true });
    const rolled = await alice.run(["get", "--env", "prod", "DB_URL"]);
    assert.equal(rolled.code, 8, rolled.stderr);
    assert.match(rolled.stderr, /E_STORE_KEY_ROLLBACK/);
    // 3: on a new machine, alice's identity meets the same copy: the root endorses only the new key.
    const fresh = { HOME: tempProject() };
    cpSync(join(alice.home, ".config"), join(fresh.HOME, ".config"), { recursive: true });
    const newMachine = await runCli(["get", "--env", "prod", "DB_URL"], {
      cwd: project,
      env: fresh,
    });
    assert.equal(newMachine.code, 8, newMachine.stderr);
    assert.match(newMachine.stderr, /E_STORE_UNTRUSTED/);
    // 4: prod deleted: neither read from nor written to the root store.
    rmSync(join(envs, "prod"), { recursive: true });
    const gone = await alice.run(["get", "--env", "prod", "DB_URL"]);
    assert.equal(gone.code, 8, gone.stderr);
    assert.match(gone.stderr, /E_STORE_UNTRUSTED/);
    const write = await alice.run(["set", "--env", "prod", "DB_URL"], "would-land-in-root");
    assert.equal(write.code, 8, write.stderr);
    assert.ok(!(await mallory.run(["get", "DB_URL"])).stdout.includes("would-land-in-root"));
    // Restored from git, everything is as it was.
    cpSync(prodNow, join(envs, "prod"), { recursive: true });
    const back = await alice.run(["get", "--env", "prod", "DB_URL"]);
    assert.equal(back.stdout, "prod-db-2", back.stderr);
  });
});
