// Builds the recipients vector store (store format v1, `master.kind: "recipients"`):
// a seeded store id, master key and data keys, wrapped for three published
// identities of recipients-v1/ (an age X25519 identity, an unencrypted OpenSSH
// ed25519 key, and the passphrase below). The age stanzas carry fresh ephemeral
// keys, so the committed copy is the vector: a reader must open it with each
// identity, find VECTOR_RECIPIENTS_MASTER_KEY and read VECTOR_RECIPIENT_VALUES.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initRecipientStore, openStore } from "../../src/store/open.js";
import { seededRandom } from "./make-vector-store.js";

/** Where the published identities are. Public on purpose: these are test vectors. */
export const RECIPIENT_VECTORS = new URL("../../../test/vectors/recipients-v1", import.meta.url)
  .pathname;

export const VECTOR_PASSPHRASE = "strongbox vector passphrase";

/** The master key the seeded generator gives (hex). */
export const VECTOR_RECIPIENTS_MASTER_KEY =
  "fffe61a9c9ad27386edbfaf465f87bab66069e288a90799ceb23c0762c44c374";

/**
 * The store's key fingerprint (store format §4.1): the Ed25519 public key whose
 * seed is HKDF-SHA-256(MK, salt empty, info "strongbox/v1/lineage" 0x00 store id).
 */
export const VECTOR_RECIPIENTS_FINGERPRINT = "0O84cs68F8nyLCvAQOw7KopkuVXistTOsmVvs75Bhrw";

export const VECTOR_RECIPIENT_VALUES: Record<string, string> = {
  DB_PASSWORD: "correct horse battery staple",
  "api/token": "tok_vector_1",
};

/** The published age recipient and SSH public key. */
export function vectorRecipients(): { age: string; ssh: string } {
  const identity = readFileSync(join(RECIPIENT_VECTORS, "identity.txt"), "utf8");
  const age = /# public key: (age1\S+)/.exec(identity)?.[1] as string;
  const ssh = readFileSync(join(RECIPIENT_VECTORS, "id_ed25519.pub"), "utf8").trim();
  return { age, ssh };
}

/** Builds the store in `dir`; returns the master key the seeded stream gave. */
export async function makeRecipientVectorStore(dir: string): Promise<string> {
  const random = seededRandom("strongbox recipients vector store v1");
  let masterKey = "";
  const recorded = (size: number) => {
    const bytes = random(size);
    // initRecipientStore draws the store id (16) and then the master key (32).
    if (size === 32 && masterKey === "") masterKey = bytes.toString("hex");
    return bytes;
  };
  const { age, ssh } = vectorRecipients();
  const env = { HOME: dir };
  await initRecipientStore({
    dir,
    env,
    random: recorded,
    recipients: [
      { recipient: age, name: "vector-age" },
      { recipient: ssh, name: "vector-ssh" },
      { recipient: "passphrase", name: "vector-passphrase" },
    ],
    newPassphrase: VECTOR_PASSPHRASE,
    now: () => new Date("2026-11-29T00:00:00Z"),
  });
  const store = await openStore({
    dir,
    env: {
      HOME: dir,
      STRONGBOX_IDENTITY: readFileSync(join(RECIPIENT_VECTORS, "identity.txt"), "utf8"),
    },
    random,
    now: () => new Date("2026-11-29T00:00:00Z"),
  });
  for (const [name, value] of Object.entries(VECTOR_RECIPIENT_VALUES))
    store.set(name, Buffer.from(value));
  return masterKey;
}
