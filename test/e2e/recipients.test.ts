// The team workflow from the command line (issue 16): keygen, a store for recipients,
// onboarding and offboarding with audit records, and one store per environment that
// resolution picks, so a developer's identity opens staging and not production.
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

/** A person: their own HOME, with an identity made by `strongbox keygen`. */
async function person(project: string, name: string) {
  const home = tempProject();
  const keygen = await runCli(["keygen"], { cwd: project, env: { HOME: home } });
  assert.equal(keygen.code, 0, keygen.stderr);
  const recipient = keygen.stdout.trim();
  assert.match(recipient, /^age1[a-z0-9]{58}$/);
  // Writers of one log share its key (the chain is MACed under it).
  const env = {
    HOME: home,
    STRONGBOX_AUDIT_FILE: join(project, "audit.jsonl"),
    STRONGBOX_AUDIT_KEY: "11".repeat(32),
  };
  return {
    name,
    home,
    recipient,
    env,
    run: (args: string[], input?: string) =>
      runCli(args, { cwd: project, env, ...(input === undefined ? {} : { input }) }),
  };
}

// Production is pure Vault unless a project lets its store in; this one does, with a
// production store of its own that only the deploy identity opens.
const CONFIG = `environments:
  staging: {}
  production: { secrets: { from: [vault, store] } }
variables:
  DB_PASSWORD: { secret: true, ref: 'store://DB_PASSWORD' }
`;

describe("team store from the command line", () => {
  it("keygen writes a private identities file, prints only the recipient, and --show lists it", async () => {
    const project = tempProject();
    const alice = await person(project, "alice");
    const file = join(alice.home, ".config/strongbox/identities");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(
      !(await runCli(["keygen", "--show"], { cwd: project, env: alice.env })).stdout.includes(
        "AGE-SECRET-KEY",
      ),
    );
    const show = JSON.parse(
      (await runCli(["keygen", "--show", "--json"], { cwd: project, env: alice.env })).stdout,
    );
    assert.deepEqual(show.recipients, [alice.recipient]);
  });

  it("onboarding and offboarding: add opens the store to bob, rm closes it and names what to rotate; both audited", async () => {
    const project = tempProject();
    const alice = await person(project, "alice");
    const bob = await person(project, "bob");
    assert.equal((await alice.run(["init", "--recipient", `alice=${alice.recipient}`])).code, 0);
    assert.equal((await alice.run(["set", "API_KEY"], "alice-secret")).code, 0);
    const denied = await bob.run(["get", "API_KEY"]);
    assert.equal(denied.code, 7, denied.stderr);
    assert.match(denied.stderr, /none of your identities opens the store.*alice \(age1/);
    assert.match(denied.stderr, /strongbox recipients add/);

    const add = await alice.run(["recipients", "add", bob.recipient, "--name", "bob"]);
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await bob.run(["get", "API_KEY"])).stdout, "alice-secret");
    const list = JSON.parse((await bob.run(["recipients", "list", "--json"])).stdout);
    assert.deepEqual(
      list.recipients.map((r: { name: string }) => r.name),
      ["alice", "bob"],
    );

    const rm = JSON.parse((await alice.run(["recipients", "rm", "bob", "--json"])).stdout);
    assert.equal(rm.removed.name, "bob");
    assert.deepEqual(rm.exposed, ["API_KEY"]);
    assert.equal((await bob.run(["get", "API_KEY"])).code, 7);
    assert.equal((await alice.run(["get", "API_KEY"])).stdout, "alice-secret");

    const records = readFileSync(join(project, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const added = records.find((r) => r.action === "recipient-add");
    const removed = records.find((r) => r.action === "recipient-rm");
    assert.equal(added?.recipient, bob.recipient);
    assert.equal(removed?.recipient, bob.recipient);
    assert.ok(added?.actor?.command?.includes("recipients"), "who did it is recorded");
    assert.ok(!readFileSync(join(project, "audit.jsonl"), "utf8").includes("alice-secret"));
  });

  it("attack: a store put in the team store's place is refused in one paragraph; recipients trust accepts it after a check", async () => {
    const project = tempProject();
    const alice = await person(project, "alice");
    const bob = await person(project, "bob");
    const recipients = [
      "--recipient",
      `alice=${alice.recipient}`,
      "--recipient",
      `bob=${bob.recipient}`,
    ];
    assert.equal((await alice.run(["init", ...recipients])).code, 0);
    assert.equal((await bob.run(["set", "API_KEY"], "bob-secret-1")).code, 0, "bob pins the store");
    // Someone with write access and no key makes a store for the same public keys and swaps it in.
    const evil = tempProject();
    const made = await runCli(["init", ...recipients], { cwd: evil, env: { HOME: tempProject() } });
    assert.equal(made.code, 0, made.stderr);
    rmSync(join(project, ".strongbox"), { recursive: true });
    cpSync(join(evil, ".strongbox"), join(project, ".strongbox"), { recursive: true });
    const refused = await bob.run(["set", "NEXT_SECRET"], "bob-secret-2");
    assert.equal(refused.code, 8, refused.stderr);
    assert.match(refused.stderr, /not the team store you trusted here/);
    assert.match(refused.stderr, /strongbox recipients trust/);
    assert.doesNotMatch(refused.stderr, /\n\s+at |internal error/);
    assert.deepEqual(readdirSync(join(project, ".strongbox/secrets")), [], "nothing was stored");
    // After checking the change (it was, say, a planned re-init), bob trusts it.
    const trust = await bob.run(["recipients", "trust"]);
    assert.equal(trust.code, 0, trust.stderr);
    assert.match(trust.stderr, /trusted the store's current keyring/);
    assert.match(trust.stderr, /alice \(age1/);
    assert.equal((await bob.run(["set", "NEXT_SECRET"], "bob-secret-2")).code, 0);
    // Both the refusal and the trust are security events in the audit log: who, which key.
    const events = readFileSync(join(project, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const refusedEvent = events.find((e) => e.action === "keyring-check");
    const trusted = events.find((e) => e.action === "keyring-trust");
    assert.deepEqual([refusedEvent?.outcome, refusedEvent?.code], ["denied", "E_STORE_TAMPERED"]);
    assert.equal(trusted?.outcome, "ok");
    assert.match(trusted?.fingerprint ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.ok(trusted?.actor?.command?.includes("recipients"), "who trusted it");
    // A CI job with a fresh home, pinned by the fingerprint bob's machine printed.
    const fingerprint = (await bob.run(["recipients", "fingerprint"])).stdout.trim();
    assert.match(fingerprint, /^[A-Za-z0-9_-]{43}$/);
    // doctor shows it too, to compare machines.
    writeFileSync(join(project, "strongbox.config.yaml"), "variables:\n  X: { default: x }\n");
    assert.match((await bob.run(["doctor"])).stderr, new RegExp(`key fingerprint ${fingerprint}`));
    const ci = (pin: string) =>
      runCli(["get", "NEXT_SECRET"], {
        cwd: project,
        env: {
          HOME: tempProject(),
          STRONGBOX_IDENTITY: readFileSync(join(bob.home, ".config/strongbox/identities"), "utf8")
            .split("\n")
            .find((line) => line.startsWith("AGE-SECRET-KEY-")) as string,
          STRONGBOX_STORE_FINGERPRINT: pin,
        },
      });
    assert.equal((await ci(fingerprint)).stdout, "bob-secret-2");
    const wrong = await ci("A".repeat(43));
    assert.equal(wrong.code, 8);
    assert.match(wrong.stderr, /STRONGBOX_STORE_FINGERPRINT/);
  });

  it("per environment: production's store opens only for the deploy identity; resolution picks it", async () => {
    const project = tempProject({ "strongbox.config.yaml": CONFIG });
    const dev = await person(project, "dev");
    const deploy = await person(project, "deploy");
    assert.equal((await dev.run(["init", "--recipient", dev.recipient])).code, 0);
    const prod = await deploy.run([
      "init",
      "--env",
      "production",
      "--recipient",
      `deploy=${deploy.recipient}`,
    ]);
    assert.equal(prod.code, 0, prod.stderr);
    assert.match(prod.stderr, /envs\/production/);
    assert.equal((await dev.run(["set", "DB_PASSWORD"], "staging-password")).code, 0);
    assert.equal(
      (await deploy.run(["set", "--env", "production", "DB_PASSWORD"], "production-password")).code,
      0,
    );

    // The child writes what it got to a file (run masks secrets on its own output).
    const seen = join(project, "seen.txt");
    const writeDb = [
      "--",
      process.execPath,
      "-e",
      `require("fs").writeFileSync(${JSON.stringify(seen)}, process.env.DB_PASSWORD)`,
    ];
    const staging = await dev.run(["run", "--env", "staging", ...writeDb]);
    assert.equal(staging.code, 0, staging.stderr);
    assert.equal(readFileSync(seen, "utf8"), "staging-password");
    const devInProd = await dev.run(["run", "--env", "production", ...writeDb]);
    assert.notEqual(devInProd.code, 0);
    assert.equal(readFileSync(seen, "utf8"), "staging-password", "the child never ran");
    assert.match(devInProd.stderr, /DB_PASSWORD/);
    const deployInProd = await deploy.run(["run", "--env", "production", ...writeDb]);
    assert.equal(deployInProd.code, 0, deployInProd.stderr);
    assert.equal(readFileSync(seen, "utf8"), "production-password");
    // STRONGBOX_ENV picks the environment's store for store commands too.
    const get = await runCli(["get", "DB_PASSWORD"], {
      cwd: project,
      env: { ...deploy.env, STRONGBOX_ENV: "production" },
    });
    assert.equal(get.stdout, "production-password");
  });

  it("bad input: an unknown recipient, a missing one, an unknown action, each one clear paragraph", async () => {
    const project = tempProject();
    const alice = await person(project, "alice");
    await alice.run(["init", "--recipient", alice.recipient]);
    for (const [args, pattern] of [
      [["recipients", "add", "bob@example.com"], /is not a recipient Strongbox knows/],
      [["recipients", "rm"], /which recipient/],
      [["recipients", "frobnicate", "x"], /unknown action frobnicate/],
      [["recipients", "rm", "age1nobody"], /is not a recipient of this store/],
    ] as const) {
      const result = await alice.run([...args]);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
  });
});
