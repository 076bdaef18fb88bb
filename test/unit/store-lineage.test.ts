// A team store's key lineage, pinned on first use: a keyring replaced by someone who
// held no key (wrapped anew for the team's public recipients) is refused, while a
// teammate follows every legitimate rekey, even several made while they were away.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { StrongboxError } from "../../src/errors.js";
import { derive } from "../../src/store/crypto.js";
import { type Keyring, sealKeyring } from "../../src/store/keyring.js";
import { descends, endorse, type LineageLink, lineageId } from "../../src/store/lineage.js";
import { initRecipientStore, openStore } from "../../src/store/open.js";
import { knownStoresFile } from "../../src/store/pin-file.js";
import { ageUnwrap, ageWrap, newAgeIdentity } from "../../src/store/recipients/age.js";
import { tempProject } from "../helpers/cli.js";

type Identity = Awaited<ReturnType<typeof newAgeIdentity>>;

function keyringBody(dir: string): {
  storeId: string;
  createdAt: string;
  lineage?: LineageLink[];
  master: { stanzas: Array<Record<string, string>> };
} {
  const text = readFileSync(join(dir, "keyring.sbx"), "utf8");
  return JSON.parse(text.slice(0, text.lastIndexOf("\nmac ")));
}

/** A team store; each person has a HOME of their own (their own pins). */
async function team() {
  const dir = join(tempProject(), ".strongbox");
  const people = {
    alice: await newAgeIdentity(),
    bob: await newAgeIdentity(),
    carol: await newAgeIdentity(),
  };
  const homes = { alice: tempProject(), bob: tempProject(), carol: tempProject() };
  const as = (who: keyof typeof people) => ({
    HOME: homes[who],
    STRONGBOX_IDENTITY: people[who].secret,
  });
  await initRecipientStore({
    dir,
    env: { HOME: homes.alice },
    recipients: [{ recipient: people.alice.recipient, name: "alice" }],
  });
  const alice = await openStore({ dir, env: as("alice") });
  await alice.addRecipient(people.bob.recipient, { name: "bob" });
  await alice.addRecipient(people.carol.recipient, { name: "carol" });
  return { dir, people, homes, as };
}

/** The master key a recipient can unwrap from the keyring as it is now. */
async function masterKeyOf(dir: string, name: string, identity: Identity): Promise<Buffer> {
  const stanza = keyringBody(dir).master.stanzas.find((s) => s.name === name);
  const key = await ageUnwrap(stanza?.wrapped as string, {
    identities: [
      { kind: "age", secret: identity.secret, recipient: identity.recipient, source: "test" },
    ],
  });
  return Buffer.from(key as Uint8Array);
}

/**
 * What someone with write access and no key can do: a keyring of their own for the
 * same store id, its master key wrapped for the team's public recipients, optionally
 * with lineage links of their choosing; the old secrets and manifest removed.
 */
async function replaceKeyring(
  dir: string,
  recipients: ReadonlyArray<{ name: string; recipient: string }>,
  options: { masterKey?: Buffer; lineage?: LineageLink[] } = {},
): Promise<Buffer> {
  const body = keyringBody(dir);
  const masterKey = options.masterKey ?? randomBytes(32);
  const keyring: Keyring = {
    storeId: Buffer.from(body.storeId, "base64url"),
    createdAt: body.createdAt,
    master: {
      kind: "recipients",
      stanzas: await Promise.all(
        recipients.map(async ({ name, recipient }) => ({
          type: "age",
          name,
          recipient,
          wrapped: await ageWrap(masterKey, recipient),
        })),
      ),
    },
    integrityKey: randomBytes(32),
    dataKeys: new Map([[1, { key: randomBytes(32), createdAt: body.createdAt }]]),
    active: 1,
    ...(options.lineage === undefined ? {} : { lineage: options.lineage }),
  };
  rmSync(join(dir, "secrets"), { recursive: true, force: true });
  rmSync(join(dir, "manifest.sbx"), { force: true });
  writeFileSync(
    join(dir, "keyring.sbx"),
    sealKeyring(keyring, masterKey, () => randomBytes(12)),
  );
  return masterKey;
}

const replaced = (error: unknown) =>
  error instanceof StrongboxError &&
  error.code === "E_STORE_TAMPERED" &&
  /keyring was replaced since you last opened it/.test(error.message) &&
  /strongbox recipients trust/.test(error.hint ?? "");

describe("team store key lineage (trust on first use)", () => {
  it("attack: a keyring replaced with a key of the writer's own, for the same public recipients, is refused", async () => {
    const { dir, people, as } = await team();
    (await openStore({ dir, env: as("carol") })).set("BEFORE", Buffer.from("carol-1"));
    await replaceKeyring(dir, [
      { name: "alice", recipient: people.alice.recipient },
      { name: "carol", recipient: people.carol.recipient },
    ]);
    // Carol's identity still opens a stanza and the keyring's MAC is sound: only the pin tells.
    await assert.rejects(openStore({ dir, env: as("carol") }), replaced);
    // A user who never opened the store before has nothing to compare with (trust on first use).
    const stranger = { ...as("carol"), HOME: tempProject() };
    await openStore({ dir, env: stranger });
  });

  it("attack: a whole store of the writer's own (another id) put in the team store's place is refused; one's own init is trusted", async () => {
    const { dir, people, as } = await team();
    await openStore({ dir, env: as("carol") });
    // Someone makes a fresh store for the team's public keys and puts it where the team's was.
    const elsewhere = join(tempProject(), ".strongbox");
    await initRecipientStore({
      dir: elsewhere,
      env: { HOME: tempProject() },
      recipients: [{ recipient: people.carol.recipient, name: "carol" }],
    });
    rmSync(dir, { recursive: true });
    cpSync(elsewhere, dir, { recursive: true });
    await assert.rejects(
      openStore({ dir, env: as("carol") }),
      (error: unknown) =>
        error instanceof StrongboxError &&
        error.code === "E_STORE_TAMPERED" &&
        /not the team store you trusted here/.test(error.message),
    );
    // Carol making a store there herself trusts it: no error on her next open.
    rmSync(dir, { recursive: true });
    await initRecipientStore({
      dir,
      env: as("carol"),
      recipients: [{ recipient: people.carol.recipient, name: "carol" }],
    });
    await openStore({ dir, env: as("carol") });
  });

  it("a teammate follows legitimate rekeys, several of them made while away, and the pin moves on", async () => {
    const { dir, people, as, homes } = await team();
    await openStore({ dir, env: as("carol") });
    const pinnedBefore = readFileSync(knownStoresFile({ HOME: homes.carol }), "utf8");
    const alice = await openStore({ dir, env: as("alice") });
    await alice.removeRecipient("bob");
    const dave = await newAgeIdentity();
    await alice.addRecipient(dave.recipient, { name: "dave" });
    await alice.removeRecipient("dave");
    assert.equal(keyringBody(dir).lineage?.length, 2, "one signed link per rekey");
    const carol = await openStore({ dir, env: as("carol") });
    carol.set("AFTER", Buffer.from("carol-2"));
    assert.notEqual(readFileSync(knownStoresFile({ HOME: homes.carol }), "utf8"), pinnedBefore);
    // Having followed, carol's pin is the current key: opening again writes nothing.
    const pinned = readFileSync(knownStoresFile({ HOME: homes.carol }), "utf8");
    await openStore({ dir, env: as("carol") });
    assert.equal(readFileSync(knownStoresFile({ HOME: homes.carol }), "utf8"), pinned);
    assert.ok(people.alice.recipient.startsWith("age1"));
  });

  it("an older copy (a checkout of an older commit, or a rollback) is neither read nor written; the past is read on purpose; the current one is written again", async () => {
    const { dir, as } = await team();
    const carol = await openStore({ dir, env: as("carol") });
    carol.set("OLD", Buffer.from("value-before-the-rekey"));
    const before = join(tempProject(), "before");
    cpSync(dir, before, { recursive: true });
    await (await openStore({ dir, env: as("alice") })).removeRecipient("bob");
    (await openStore({ dir, env: as("carol") })).set("NEW", Buffer.from("value-after"));
    const after = join(tempProject(), "after");
    cpSync(dir, after, { recursive: true });
    // Bob (removed, holding the old key) rolls the store back, or carol checks out an old commit.
    rmSync(dir, { recursive: true });
    cpSync(before, dir, { recursive: true });
    await assert.rejects(
      openStore({ dir, env: as("carol") }),
      (error: unknown) =>
        error instanceof StrongboxError &&
        error.code === "E_STORE_KEY_ROLLBACK" &&
        /rolled back to a master key from before a rekey/.test(error.message) &&
        /diff --store-rev/.test(error.hint ?? ""),
    );
    // Reading the past on purpose (what diff --store-rev does) still works.
    const past = await openStore({ dir, env: as("carol"), knownStore: false });
    assert.equal(past.get("OLD")?.value.toString(), "value-before-the-rekey");
    rmSync(dir, { recursive: true });
    cpSync(after, dir, { recursive: true });
    (await openStore({ dir, env: as("carol") })).set("NEXT", Buffer.from("written-again"));
  });

  it("attack: a removed recipient who kept the old key cannot sign a step from the key the team moved to", async () => {
    const { dir, people, as } = await team();
    const bobKey = await masterKeyOf(dir, "bob", people.bob);
    await (await openStore({ dir, env: as("alice") })).removeRecipient("bob");
    await openStore({ dir, env: as("carol") }); // carol follows the rekey: her pin is the new key
    const storeId = Buffer.from(keyringBody(dir).storeId, "base64url");
    const lineage = [...(keyringBody(dir).lineage ?? [])];
    // Bob's own key, with a link he can sign from the key he kept to one he chose.
    const forged = randomBytes(32);
    await replaceKeyring(
      dir,
      [
        { name: "alice", recipient: people.alice.recipient },
        { name: "carol", recipient: people.carol.recipient },
      ],
      { masterKey: forged, lineage: [...lineage, endorse(bobKey, forged, storeId)] },
    );
    await assert.rejects(openStore({ dir, env: as("carol") }), replaced);
  });

  it("attack: a link that does not verify, or a lineage of the wrong shape, is refused", async () => {
    const { dir, people, as } = await team();
    const carolKey = await masterKeyOf(dir, "carol", people.carol);
    await openStore({ dir, env: as("carol") });
    const storeId = Buffer.from(keyringBody(dir).storeId, "base64url");
    const link = endorse(carolKey, randomBytes(32), storeId);
    // The pinned key's link, but signing another key than the one the keyring has.
    await replaceKeyring(dir, [{ name: "carol", recipient: people.carol.recipient }], {
      lineage: [link],
    });
    await assert.rejects(openStore({ dir, env: as("carol") }), replaced);
    await replaceKeyring(dir, [{ name: "carol", recipient: people.carol.recipient }], {
      lineage: [{ key: link.key, sig: "x" } as LineageLink],
    });
    await assert.rejects(
      openStore({ dir, env: as("carol") }),
      (error: unknown) => error instanceof StrongboxError && error.code === "E_STORE_FORMAT",
    );
  });

  it("trust pins the store as it is now, after a person checked; a damaged pin file is an error, not a first use", async () => {
    const { dir, people, as, homes } = await team();
    await openStore({ dir, env: as("carol") });
    await replaceKeyring(dir, [{ name: "carol", recipient: people.carol.recipient }]);
    await assert.rejects(openStore({ dir, env: as("carol") }), replaced);
    await openStore({ dir, env: as("carol"), trustNewKeyring: true });
    (await openStore({ dir, env: as("carol") })).set("X", Buffer.from("after-trust"));
    const file = knownStoresFile({ HOME: homes.carol });
    mkdirSync(join(file, ".."), { recursive: true });
    const damaged = (error: unknown) =>
      error instanceof StrongboxError &&
      error.code === "E_STORE_FORMAT" &&
      error.message.includes("known-stores");
    const valid = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, "{ not json");
    await assert.rejects(openStore({ dir, env: as("carol") }), damaged);
    // Well-formed JSON with an entry of the wrong shape is damage too, never a crash.
    const [id] = Object.keys(valid.stores);
    valid.stores[id as string].ancestors = "not-a-list";
    writeFileSync(file, JSON.stringify(valid));
    await assert.rejects(openStore({ dir, env: as("carol") }), damaged);
  });

  it("the pin file holds public keys and paths only: no master key, no data", async () => {
    const { dir, people, as, homes } = await team();
    const store = await openStore({ dir, env: as("carol") });
    store.set("SECRET", Buffer.from("pin-canary-value"));
    const text = readFileSync(knownStoresFile({ HOME: homes.carol }), "utf8");
    const master = await masterKeyOf(dir, "carol", people.carol);
    for (const needle of [
      master.toString("base64url"),
      master.toString("hex"),
      master.toString("base64"),
      "pin-canary-value",
      people.carol.secret,
    ])
      assert.ok(!text.includes(needle));
  });

  it("a CI job with a fresh home pins the store by STRONGBOX_STORE_FINGERPRINT: rekeys pass, a replaced keyring does not", async () => {
    const { dir, people, as } = await team();
    const fingerprint = (await openStore({ dir, env: as("alice") })).fingerprint();
    assert.match(fingerprint, /^[A-Za-z0-9_-]{43}$/);
    const ci = (pin: string) => ({
      ...as("carol"),
      HOME: tempProject(),
      STRONGBOX_STORE_FINGERPRINT: pin,
    });
    await openStore({ dir, env: ci(fingerprint) });
    await (await openStore({ dir, env: as("alice") })).removeRecipient("bob");
    // Signed rekeys keep the pin valid; another store's fingerprint beside it does no harm.
    const other = join(tempProject(), ".strongbox");
    await initRecipientStore({
      dir: other,
      env: { HOME: tempProject() },
      recipients: [{ recipient: people.carol.recipient }],
    });
    const otherPrint = (await openStore({ dir: other, env: as("carol") })).fingerprint();
    await openStore({ dir, env: ci(`${otherPrint}, ${fingerprint}`) });
    await replaceKeyring(dir, [{ name: "carol", recipient: people.carol.recipient }]);
    const refused = (error: unknown) =>
      error instanceof StrongboxError &&
      error.code === "E_STORE_TAMPERED" &&
      /STRONGBOX_STORE_FINGERPRINT/.test(error.message);
    await assert.rejects(openStore({ dir, env: ci(fingerprint) }), refused);
    // trust does not override a pin given from outside.
    await assert.rejects(openStore({ dir, env: ci(fingerprint), trustNewKeyring: true }), refused);
    await assert.rejects(openStore({ dir: other, env: ci(fingerprint) }), refused);
  });

  it("lineage keys and links are plain Ed25519 (RFC 8032): noble derives the same public key and verifies the link", () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const storeId = randomBytes(16);
    const seed = (key: Buffer) => derive(key, "strongbox/v1/lineage", storeId);
    assert.equal(
      lineageId(oldKey, storeId),
      Buffer.from(ed25519.getPublicKey(seed(oldKey))).toString("base64url"),
    );
    const link = endorse(oldKey, newKey, storeId);
    const message = Buffer.concat([
      Buffer.from("strongbox/v1/lineage-link\0", "ascii"),
      storeId,
      Buffer.from(link.key, "base64url"),
      ed25519.getPublicKey(seed(newKey)),
    ]);
    assert.ok(
      ed25519.verify(
        Buffer.from(link.sig, "base64url"),
        message,
        Buffer.from(link.key, "base64url"),
      ),
    );
    assert.ok(descends([link], storeId, link.key, lineageId(newKey, storeId)));
    assert.ok(
      !descends([link], Buffer.alloc(16), link.key, lineageId(newKey, storeId)),
      "bound to the store",
    );
  });
});
