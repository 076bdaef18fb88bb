// Journey 4 (issue 26), the team, as docs/team.md walks it: two people with
// their own homes and identities, a store only recipients open, onboarding, a
// production store only the deploy identity opens, offboarding that re-keys,
// and CI whose STRONGBOX_STORE_FINGERPRINT pin is moved forward after it, so
// the removed teammate's pre-removal copy is refused.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempProject } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";

const CONFIG = `environments:
  local: {}
  production: { secrets: { from: [vault, store] } }
variables:
  DB_PASSWORD: { secret: true, ref: 'store://DB_PASSWORD' }
`;
const TEAM_VALUE = "team-db-password-7f3a9c";
const PRODUCTION_VALUE = "production-db-password-51be02";
const LATER_VALUE = "after-bob-left-c0ffee";
const BOBS_VALUE = "bobs-planted-value-dead01";

/** A child that prints the SHA-256 of DB_PASSWORD: equality shown without the value. */
const PRINT_HASH = [
  "--",
  process.execPath,
  "-e",
  'process.stdout.write("sha256:" + require("crypto").createHash("sha256").update(process.env.DB_PASSWORD ?? "").digest("hex"))',
];
const hashOf = (value: string) =>
  new RegExp(`sha256:${createHash("sha256").update(value).digest("hex")}`);

describe("journey 4: a team store, from the first identity to CI's moved pin", () => {
  it("keygen, init --recipient, recipients add, init --env, recipients rm, CI pinned forward", async () => {
    const j = new Journey("team", { files: { "strongbox.config.yaml": CONFIG } }).canary(
      TEAM_VALUE,
      PRODUCTION_VALUE,
      LATER_VALUE,
      BOBS_VALUE,
    );
    // Writers of one log share its key; every person keeps their own HOME.
    const shared = {
      STRONGBOX_AUDIT_FILE: join(j.dir, "audit.jsonl"),
      STRONGBOX_AUDIT_KEY: "22".repeat(32),
    };
    const alice = { ...shared, HOME: tempProject() };
    const bob = { ...shared, HOME: tempProject() };
    const deploy = { ...shared, HOME: tempProject() };

    j.note("alice, bob and the deploy machine each make an identity");
    const recipient = /^age1[a-z0-9]{58}$/m;
    const aliceKey = (await j.step(["keygen"], { env: alice, stdout: [recipient] })).stdout.trim();
    const bobKey = (await j.step(["keygen"], { env: bob, stdout: [recipient] })).stdout.trim();
    const deployKey = (await j.step(["keygen"], { env: deploy })).stdout.trim();

    j.note("alice makes the store for herself and stores a secret");
    await j.step(["init", "--recipient", `alice=${aliceKey}`], {
      env: alice,
      stderr: [/no key file/],
    });
    await j.step(["set", "DB_PASSWORD"], { env: alice, input: TEAM_VALUE });
    await j.step(["get", "DB_PASSWORD"], { env: bob, code: 7, stderr: [/E_STORE_KEY/] });

    j.note("onboarding: bob sends his age1… line, alice adds him and commits");
    await j.step(["recipients", "add", bobKey, "--name", "bob"], { env: alice });
    await j.step(["recipients", "list"], { env: bob, stdout: [/alice/, /bob/] });
    await j.step(["run", ...PRINT_HASH], { env: bob, stdout: [hashOf(TEAM_VALUE)] });

    j.note("production gets a store of its own that only the deploy identity opens");
    await j.step(["init", "--env", "production", "--recipient", `deploy=${deployKey}`], {
      env: alice,
      stderr: [/root store endorses it/],
    });
    j.note(
      "the deploy machine cannot open the root store, so it checks and trusts production's by hand",
    );
    await j.step(["set", "--env", "production", "DB_PASSWORD"], {
      env: deploy,
      input: PRODUCTION_VALUE,
      code: 8,
      stderr: [/E_STORE_UNTRUSTED/, /recipients trust --env production/],
    });
    await j.step(["recipients", "list", "--env", "production"], {
      env: deploy,
      stdout: [new RegExp(`deploy\\s+age\\s+${deployKey}`)],
    });
    await j.step(["recipients", "trust", "--env", "production"], { env: deploy });
    await j.step(["set", "--env", "production", "DB_PASSWORD"], {
      env: deploy,
      input: PRODUCTION_VALUE,
    });
    await j.step(["run", "--env", "production", ...PRINT_HASH], {
      env: deploy,
      stdout: [hashOf(PRODUCTION_VALUE)],
    });
    await j.step(["run", "--env", "production", ...PRINT_HASH], {
      env: bob,
      code: 4,
      stderr: [/DB_PASSWORD: none of your identities opens the store/, /E_STORE_KEY/],
      not: [/sha256:/],
    });

    j.note("CI pins the store as a trusted machine prints it");
    const oldPin = (await j.step(["recipients", "fingerprint"], { env: alice })).stdout.trim();
    assert.match(oldPin, /^[A-Za-z0-9_-]{43}$/);
    const ci = (pin: string) => ({
      ...shared,
      HOME: tempProject(),
      STRONGBOX_IDENTITY_FILE: join(alice.HOME, ".config/strongbox/identities"),
      STRONGBOX_STORE_FINGERPRINT: pin,
    });
    await j.step(["run", ...PRINT_HASH], { env: ci(oldPin), stdout: [hashOf(TEAM_VALUE)] });

    j.note("bob keeps a copy of the store as it was (it is in git)");
    const old = join(tempProject(), "old-store");
    cpSync(join(j.dir, ".strongbox"), old, { recursive: true });

    j.note("offboarding: alice removes bob; the store is re-keyed");
    const rm = await j.step(["recipients", "rm", "bob"], {
      env: alice,
      stderr: [/removed bob/, /rotate them: DB_PASSWORD/, /STRONGBOX_STORE_FINGERPRINT/],
    });
    const newPin = (await j.step(["recipients", "fingerprint"], { env: alice })).stdout.trim();
    assert.notEqual(newPin, oldPin);
    assert.ok(rm.stderr.includes(`fingerprint is now ${newPin}`), rm.stderr);
    await j.step(["set", "DB_PASSWORD"], { env: alice, input: LATER_VALUE });
    await j.step(["run", ...PRINT_HASH], {
      env: bob,
      code: 4,
      stderr: [/E_STORE_KEY/],
      not: [/sha256:/],
    });

    j.note("CI with the pin moved forward reads the current store");
    await j.step(["run", ...PRINT_HASH], { env: ci(newPin), stdout: [hashOf(LATER_VALUE)] });
    j.note("CI with the old pin still reads it, and says the pin is old");
    await j.step(["run", ...PRINT_HASH], {
      env: ci(oldPin),
      stdout: [hashOf(LATER_VALUE)],
      stderr: [/STRONGBOX_STORE_FINGERPRINT/],
    });

    j.note("bob puts his pre-removal copy back and plants a value with the identity he kept");
    rmSync(join(j.dir, ".strongbox"), { recursive: true });
    cpSync(old, join(j.dir, ".strongbox"), { recursive: true });
    await j.step(["set", "DB_PASSWORD"], { env: bob, input: BOBS_VALUE });
    j.note("CI pinned forward refuses the rolled-back copy; the child never sees bob's value");
    await j.step(["run", ...PRINT_HASH], {
      env: ci(newPin),
      code: 4,
      stderr: [
        /not the one STRONGBOX_STORE_FINGERPRINT names, nor descends from it/,
        /E_STORE_TAMPERED/,
      ],
      not: [/sha256:/],
    });
    j.note("why the pin must move: the old pin takes the rolled-back copy (docs/team.md says so)");
    await j.step(["run", ...PRINT_HASH], {
      env: ci(oldPin),
      stdout: [hashOf(BOBS_VALUE)],
    });
    j.note("alice, who opened the store since the removal, refuses the copy too");
    await j.step(["get", "DB_PASSWORD"], {
      env: alice,
      code: 8,
      stderr: [/E_STORE_KEY_ROLLBACK/, /rolled back to a master key from before a rekey/],
    });
  });
});
