// The recipients format against its committed vectors (docs/store-format.md §3.4): the
// store in test/vectors/recipients-v1/store opens with each published identity, each
// stanza gives the published master key, and the values read back.
import assert from "node:assert/strict";
import { hkdfSync } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { openStore } from "../../src/store/open.js";
import { ageUnwrap } from "../../src/store/recipients/age.js";
import { ageOpenSync } from "../../src/store/recipients/age-sync.js";
import { localIdentities } from "../../src/store/recipients/identities.js";
import { tempProject } from "../helpers/cli.js";
import {
  RECIPIENT_VECTORS,
  VECTOR_PASSPHRASE,
  VECTOR_RECIPIENT_VALUES,
  VECTOR_RECIPIENTS_FINGERPRINT,
  VECTOR_RECIPIENTS_MASTER_KEY,
  vectorRecipients,
} from "../vectors/make-recipient-vectors.js";

const STORE = join(RECIPIENT_VECTORS, "store");
const stanzas = (): Array<{ name: string; type: string; recipient: string; wrapped: string }> => {
  const text = readFileSync(join(STORE, "keyring.sbx"), "utf8");
  return JSON.parse(text.slice(0, text.lastIndexOf("\nmac "))).master.stanzas;
};

/** A HOME holding the vector SSH key where age (and Strongbox) look for it. */
function sshHome(): string {
  const home = tempProject();
  mkdirSync(join(home, ".ssh"), { mode: 0o700 });
  copyFileSync(join(RECIPIENT_VECTORS, "id_ed25519"), join(home, ".ssh/id_ed25519"));
  return home;
}

describe("recipients vectors (store format v1)", () => {
  it("lists the published recipients, in order, with their names", () => {
    const { age, ssh } = vectorRecipients();
    assert.deepEqual(
      stanzas().map((s) => [s.name, s.type, s.recipient]),
      [
        ["vector-age", "age", age],
        ["vector-ssh", "ssh-ed25519", ssh.split(" ").slice(0, 2).join(" ")],
        ["vector-passphrase", "passphrase", "passphrase"],
      ],
    );
  });

  it("every stanza gives the published master key to its identity", async () => {
    const [age, ssh, phrase] = stanzas();
    const ageIdentity = localIdentities(
      {
        HOME: tempProject(),
        STRONGBOX_IDENTITY: readFileSync(join(RECIPIENT_VECTORS, "identity.txt"), "utf8"),
      },
      { wantSsh: false },
    );
    const sshIdentity = localIdentities({ HOME: sshHome() }, { wantSsh: true });
    const hex = (key: Uint8Array | undefined) => Buffer.from(key as Uint8Array).toString("hex");
    assert.equal(
      hex(ageOpenSync(age?.wrapped as string, ageIdentity)),
      VECTOR_RECIPIENTS_MASTER_KEY,
    );
    assert.equal(
      hex(ageOpenSync(ssh?.wrapped as string, sshIdentity)),
      VECTOR_RECIPIENTS_MASTER_KEY,
    );
    assert.equal(
      hex(await ageUnwrap(phrase?.wrapped as string, { passphrase: VECTOR_PASSPHRASE })),
      VECTOR_RECIPIENTS_MASTER_KEY,
    );
    // And through age-encryption as well as the synchronous opener.
    assert.equal(
      hex(await ageUnwrap(age?.wrapped as string, { identities: ageIdentity })),
      VECTOR_RECIPIENTS_MASTER_KEY,
    );
  });

  it("the store opens with each identity and reads the published values", async () => {
    const envs = [
      {
        HOME: tempProject(),
        STRONGBOX_IDENTITY: readFileSync(join(RECIPIENT_VECTORS, "identity.txt"), "utf8"),
      },
      { HOME: sshHome() },
      { HOME: tempProject(), STRONGBOX_PASSPHRASE: VECTOR_PASSPHRASE },
    ];
    for (const env of envs) {
      const store = await openStore({ dir: STORE, env });
      for (const [name, value] of Object.entries(VECTOR_RECIPIENT_VALUES))
        assert.equal(store.get(name)?.value.toString(), value);
    }
  });

  it("the key fingerprint (lineage key, §4.1) is the published one, as Node's HKDF and noble's Ed25519 compute it", async () => {
    const text = readFileSync(join(STORE, "keyring.sbx"), "utf8");
    const storeId = Buffer.from(
      JSON.parse(text.slice(0, text.lastIndexOf("\nmac "))).storeId,
      "base64url",
    );
    const seed = hkdfSync(
      "sha256",
      Buffer.from(VECTOR_RECIPIENTS_MASTER_KEY, "hex"),
      Buffer.alloc(0),
      Buffer.concat([Buffer.from("strongbox/v1/lineage\0", "ascii"), storeId]),
      32,
    );
    assert.equal(
      Buffer.from(ed25519.getPublicKey(new Uint8Array(seed))).toString("base64url"),
      VECTOR_RECIPIENTS_FINGERPRINT,
    );
    const store = await openStore({
      dir: STORE,
      env: { HOME: tempProject(), STRONGBOX_PASSPHRASE: VECTOR_PASSPHRASE },
    });
    assert.equal(store.fingerprint(), VECTOR_RECIPIENTS_FINGERPRINT);
  });
});
