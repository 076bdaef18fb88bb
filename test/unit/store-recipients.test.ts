// The store for teams (issue 16): recipients instead of one shared master key. Each
// test performs what a teammate, a departed teammate or an attacker would do.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StrongboxError } from "../../src/errors.js";
import { environmentStore, storeDirectory } from "../../src/providers/store/directory.js";
import { frame } from "../../src/store/encoding.js";
import { openKeyring } from "../../src/store/keyring.js";
import { initRecipientStore, initStore, openStore } from "../../src/store/open.js";
import {
  ageUnwrap,
  ageWrap,
  newAgeIdentity,
  parseOpenSshEd25519,
  sshRecipientLine,
} from "../../src/store/recipients/age.js";
import { tempProject } from "../helpers/cli.js";

type Env = Record<string, string>;

function keyringBody(
  dir: string,
): Record<string, unknown> & { master: { stanzas: Array<Record<string, string>> } } {
  const text = readFileSync(join(dir, "keyring.sbx"), "utf8");
  return JSON.parse(text.slice(0, text.lastIndexOf("\nmac ")));
}

async function team() {
  const home = tempProject();
  const dir = join(home, ".strongbox");
  const alice = await newAgeIdentity();
  const bob = await newAgeIdentity();
  const as = (who: { secret: string }): Env => ({ HOME: home, STRONGBOX_IDENTITY: who.secret });
  await initRecipientStore({
    dir,
    env: { HOME: home },
    recipients: [{ recipient: alice.recipient, name: "alice" }],
  });
  return { home, dir, alice, bob, as };
}

const code = (expected: string) => (error: unknown) =>
  error instanceof StrongboxError && error.code === expected;

describe("store recipients", () => {
  it("a recipient opens the store with its identity; anyone else is told who the recipients are, never a key", async () => {
    const { dir, alice, bob, as } = await team();
    const store = await openStore({ dir, env: as(alice) });
    assert.equal(store.origin, "recipient");
    store.set("API_KEY", Buffer.from("alice-wrote-this"));
    await assert.rejects(openStore({ dir, env: as(bob) }), (error: unknown) => {
      assert.ok(error instanceof StrongboxError && error.code === "E_STORE_KEY");
      assert.match(error.message, /alice \(age1/);
      assert.ok(!error.message.includes(bob.secret) && !error.message.includes(alice.secret));
      return true;
    });
  });

  it("the identities file of keygen is used, and refused when others can read it", async () => {
    const { home, dir, alice } = await team();
    mkdirSync(join(home, ".config/strongbox"), { recursive: true, mode: 0o700 });
    const file = join(home, ".config/strongbox/identities");
    writeFileSync(file, `# public key: ${alice.recipient}\n${alice.secret}\n`, { mode: 0o600 });
    (await openStore({ dir, env: { HOME: home } })).set("X", Buffer.from("1"));
    chmodSync(file, 0o644);
    await assert.rejects(openStore({ dir, env: { HOME: home } }), /accessible by other users/);
  });

  it("add wraps the key for a teammate; rm takes away everything written afterwards, cryptographically", async () => {
    const { dir, alice, bob, as } = await team();
    const store = await openStore({ dir, env: as(alice) });
    store.set("BEFORE", Buffer.from("old-value"));
    await store.addRecipient(bob.recipient, { name: "bob" });
    const asBob = await openStore({ dir, env: as(bob) });
    assert.equal(asBob.get("BEFORE")?.value.toString(), "old-value");
    // What bob can take with him: the master key as it was, unwrapped with his identity.
    const bobStanza = keyringBody(dir).master.stanzas.find((s) => s.name === "bob") as Record<
      string,
      string
    >;
    const oldKey = await ageUnwrap(bobStanza.wrapped as string, {
      identities: [{ kind: "age", secret: bob.secret, recipient: bob.recipient, source: "test" }],
    });
    assert.equal(oldKey?.length, 32);

    const { removed, exposed } = await store.removeRecipient("bob");
    assert.equal(removed.name, "bob");
    assert.deepEqual(exposed, ["BEFORE"]);
    store.set("AFTER", Buffer.from("new-value"));
    await assert.rejects(openStore({ dir, env: as(bob) }), code("E_STORE_KEY"));
    // With his identity and the new files: no stanza opens for him...
    for (const stanza of keyringBody(dir).master.stanzas)
      assert.equal(
        await ageUnwrap(stanza.wrapped as string, {
          identities: [
            { kind: "age", secret: bob.secret, recipient: bob.recipient, source: "test" },
          ],
        }),
        undefined,
      );
    // ...and the key he kept does not open the new keyring, so no data key, no AFTER.
    assert.throws(
      () =>
        openKeyring(
          readFileSync(join(dir, "keyring.sbx")),
          Buffer.from(oldKey as Uint8Array),
          "keyring.sbx",
        ),
      code("E_STORE_WRONG_KEY"),
    );
    const after = JSON.parse(
      readFileSync(join(dir, "secrets/AFTER.sbx"), "utf8").split("\nmac ")[0] as string,
    );
    const oldKids = new Set([1]);
    assert.ok(
      after.versions.every((v: { kid: number }) => !oldKids.has(v.kid)),
      "AFTER is under a new data key",
    );
    assert.equal(
      (await openStore({ dir, env: as(alice) })).get("AFTER")?.value.toString(),
      "new-value",
    );
  });

  it("the last recipient cannot be removed, a recipient cannot be added twice, names are unique", async () => {
    const { dir, alice, bob, as } = await team();
    const store = await openStore({ dir, env: as(alice) });
    await assert.rejects(store.removeRecipient("alice"), /at least one recipient/);
    await assert.rejects(store.addRecipient(alice.recipient), /already a recipient/);
    await assert.rejects(
      store.addRecipient(bob.recipient, { name: "alice" }),
      /already named alice/,
    );
    await assert.rejects(store.addRecipient("not-a-recipient"), code("E_USAGE"));
  });

  it("a passphrase recipient (age's scrypt) opens with the passphrase; a wrong one is E_STORE_WRONG_KEY", async () => {
    const home = tempProject();
    const dir = join(home, ".strongbox");
    await initRecipientStore({
      dir,
      env: { HOME: home },
      recipients: [{ recipient: "passphrase" }],
      newPassphrase: "correct horse battery",
    });
    const store = await openStore({
      dir,
      env: { HOME: home, STRONGBOX_PASSPHRASE: "correct horse battery" },
    });
    store.set("K", Buffer.from("v"));
    await assert.rejects(
      openStore({ dir, env: { HOME: home, STRONGBOX_PASSPHRASE: "wrong horse" } }),
      code("E_STORE_WRONG_KEY"),
    );
  });

  it("a store from before recipients keeps its master key as the recipient master-key until removed", async () => {
    const home = tempProject();
    const dir = join(home, ".strongbox");
    initStore({ dir, env: { HOME: home } });
    const legacy = await openStore({ dir, env: { HOME: home } });
    legacy.set("OLD", Buffer.from("kept"));
    assert.deepEqual(
      legacy.recipients().map((s) => s.type),
      ["master-key"],
    );
    const alice = await newAgeIdentity();
    await legacy.addRecipient(alice.recipient, { name: "alice" });
    // Both ways in work during the migration.
    assert.equal((await openStore({ dir, env: { HOME: home } })).origin, "key-file");
    const asAlice = await openStore({
      dir,
      env: { HOME: tempProject(), STRONGBOX_IDENTITY: alice.secret },
    });
    assert.equal(asAlice.get("OLD")?.value.toString(), "kept");
    await asAlice.removeRecipient("master-key");
    await assert.rejects(openStore({ dir, env: { HOME: home } }), code("E_STORE_KEY"));
    assert.equal(
      (await openStore({ dir, env: { HOME: home, STRONGBOX_IDENTITY: alice.secret } }))
        .get("OLD")
        ?.value.toString(),
      "kept",
    );
  });

  it("SSH ed25519 keys are recipients, opened with ~/.ssh/id_ed25519", async () => {
    const home = tempProject();
    mkdirSync(join(home, ".ssh"), { mode: 0o700 });
    execFileSync("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "dev@laptop",
      "-f",
      join(home, ".ssh/id_ed25519"),
    ]);
    const pub = readFileSync(join(home, ".ssh/id_ed25519.pub"), "utf8").trim();
    const dir = join(home, ".strongbox");
    await initRecipientStore({
      dir,
      env: { HOME: home },
      recipients: [{ recipient: pub, name: "laptop" }],
    });
    const store = await openStore({ dir, env: { HOME: home } });
    store.set("SSH_OPENED", Buffer.from("yes"));
    // The comment is not part of who the recipient is.
    assert.equal(store.recipients()[0]?.recipient, pub.split(" ").slice(0, 2).join(" "));
    const parsed = parseOpenSshEd25519(readFileSync(join(home, ".ssh/id_ed25519"), "utf8"));
    assert.equal(
      sshRecipientLine(parsed?.publicWire as Uint8Array),
      pub.split(" ").slice(0, 2).join(" "),
    );
  });

  it("attack: a stanza swapped for one wrapping another key to a recipient is refused as tampering", async () => {
    const { dir, alice, as } = await team();
    (await openStore({ dir, env: as(alice) })).set("X", Buffer.from("1"));
    // Anyone can encrypt to alice's public key: the attacker wraps a key of their own.
    const body = keyringBody(dir);
    (body.master.stanzas[0] as Record<string, string>).wrapped = await ageWrap(
      Buffer.alloc(32, 9),
      alice.recipient,
    );
    const text = readFileSync(join(dir, "keyring.sbx"), "utf8");
    const mac = text.slice(text.lastIndexOf("\nmac "));
    writeFileSync(join(dir, "keyring.sbx"), `${JSON.stringify(body, null, 2)}${mac}`);
    await assert.rejects(openStore({ dir, env: as(alice) }), code("E_STORE_TAMPERED"));
  });

  it("attack: a malformed or unknown recipient entry is a format error before any unwrapping", async () => {
    const { dir, alice, as } = await team();
    const body = keyringBody(dir);
    (body.master.stanzas[0] as Record<string, string>).type = "telepathy";
    const text = readFileSync(join(dir, "keyring.sbx"), "utf8");
    writeFileSync(
      join(dir, "keyring.sbx"),
      `${JSON.stringify(body, null, 2)}${text.slice(text.lastIndexOf("\nmac "))}`,
    );
    await assert.rejects(openStore({ dir, env: as(alice) }), /recipient 1 is malformed/);
    void frame;
  });

  it("a change prepared from recipients someone else changed meanwhile is refused, not merged away", async () => {
    const { dir, alice, bob, as } = await team();
    const first = await openStore({ dir, env: as(alice) });
    const second = await openStore({ dir, env: as(alice) });
    await first.addRecipient(bob.recipient, { name: "bob" });
    const carol = await newAgeIdentity();
    await assert.rejects(second.addRecipient(carol.recipient), code("E_STORE_LOCKED"));
    assert.deepEqual(
      (await openStore({ dir, env: as(alice) })).recipients().map((s) => s.name),
      ["alice", "bob"],
    );
  });

  it("each environment can have its own store: storeDirectory picks envs/NAME when it exists", async () => {
    const home = tempProject();
    const base = join(home, ".strongbox");
    const prod = await newAgeIdentity();
    await initRecipientStore({
      dir: environmentStore(base, "production"),
      env: { HOME: home },
      recipients: [{ recipient: prod.recipient }],
    });
    assert.equal(
      storeDirectory({}, home, { HOME: home }, "production"),
      join(base, "envs/production"),
    );
    assert.equal(storeDirectory({}, home, { HOME: home }, "staging"), base);
    assert.throws(() => environmentStore(base, "../../etc"), code("E_USAGE"));
  });
});
