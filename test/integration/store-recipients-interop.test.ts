// The team store's recipients against the real things (issue 16): the age CLI (Debian's
// package, installed by scripts/ensure-age.mjs) opens what Strongbox wraps and wraps what
// Strongbox opens; Transit recipients against a real `bao server -dev`; KMS recipients
// against moto.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { StrongboxError } from "../../src/errors.js";
import { openKeyring, sealKeyring } from "../../src/store/keyring.js";
import { initRecipientStore, openStore } from "../../src/store/open.js";
import { ageUnwrap } from "../../src/store/recipients/age.js";
import { ageOpenSync } from "../../src/store/recipients/age-sync.js";
import { localIdentities } from "../../src/store/recipients/identities.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { tempProject } from "../helpers/cli.js";
import { type Moto, startMoto } from "../helpers/moto.js";

const AGE = process.env.STRONGBOX_AGE ?? "age";
const AGE_KEYGEN = join(AGE, "..", "age-keygen");

function keyring(dir: string): { master: { stanzas: Array<Record<string, string>> } } {
  const text = readFileSync(join(dir, "keyring.sbx"), "utf8");
  return JSON.parse(text.slice(0, text.lastIndexOf("\nmac ")));
}

/**
 * Puts `wrapped` in stanza `index` as a recipient holding the master key would: the keyring
 * authenticates its recipients, so it is sealed again with the key.
 */
function resealWithStanza(dir: string, key: Uint8Array, index: number, wrapped: string): void {
  const path = join(dir, "keyring.sbx");
  const opened = openKeyring(readFileSync(path), Buffer.from(key), path);
  const stanzas = (opened.master.stanzas as Array<Record<string, string>>).map((stanza, i) =>
    i === index ? { ...stanza, wrapped } : stanza,
  );
  writeFileSync(
    path,
    sealKeyring({ ...opened, master: { ...opened.master, stanzas } }, Buffer.from(key), () =>
      randomBytes(12),
    ),
  );
}

/** Rewrites stanza `index` of a keyring in place (the MAC line kept: the stanza is read before it). */
function replaceStanza(dir: string, index: number, wrapped: string): void {
  const text = readFileSync(join(dir, "keyring.sbx"), "utf8");
  const body = keyring(dir);
  (body.master.stanzas[index] as Record<string, string>).wrapped = wrapped;
  writeFileSync(
    join(dir, "keyring.sbx"),
    `${JSON.stringify(body, null, 2)}${text.slice(text.lastIndexOf("\nmac "))}`,
  );
}

/** An identity made by the real age-keygen, in a file of HOME's identities place. */
function ageKeygen(home: string): { file: string; recipient: string } {
  mkdirSync(join(home, ".config/strongbox"), { recursive: true, mode: 0o700 });
  const file = join(home, ".config/strongbox/identities");
  execFileSync(AGE_KEYGEN, ["-o", file], { stdio: "ignore" });
  const recipient = execFileSync(AGE_KEYGEN, ["-y", file], { encoding: "utf8" }).trim();
  return { file, recipient };
}

describe("team store recipients against the real age CLI", () => {
  it("a stanza Strongbox writes opens with `age -d -i`, and gives the store's master key", async () => {
    const home = tempProject();
    const { file, recipient } = ageKeygen(home);
    const dir = join(home, ".strongbox");
    await initRecipientStore({ dir, env: { HOME: home }, recipients: [{ recipient }] });
    (await openStore({ dir, env: { HOME: home } })).set("K", Buffer.from("v"));
    writeFileSync(join(home, "stanza.age"), keyring(dir).master.stanzas[0]?.wrapped as string);
    const key = execFileSync(AGE, ["-d", "-i", file, join(home, "stanza.age")]);
    assert.equal(key.length, 32);
    // It is the master key: it opens the keyring.
    openKeyring(readFileSync(join(dir, "keyring.sbx")), key, "keyring.sbx");
  });

  it("a stanza made by `age -r` opens the store in Strongbox", async () => {
    const home = tempProject();
    const { recipient } = ageKeygen(home);
    const dir = join(home, ".strongbox");
    await initRecipientStore({ dir, env: { HOME: home }, recipients: [{ recipient }] });
    const store = await openStore({ dir, env: { HOME: home } });
    store.set("K", Buffer.from("from strongbox"));
    // The master key, out through Strongbox's own stanza, back in through the age CLI.
    const identities = localIdentities({ HOME: home }, { wantSsh: false });
    const key = await ageUnwrap(keyring(dir).master.stanzas[0]?.wrapped as string, { identities });
    writeFileSync(join(home, "mk.bin"), key as Uint8Array);
    const byAge = execFileSync(AGE, ["-a", "-r", recipient, join(home, "mk.bin")], {
      encoding: "utf8",
    });
    resealWithStanza(dir, key as Uint8Array, 0, byAge);
    assert.equal(
      (await openStore({ dir, env: { HOME: home } })).get("K")?.value.toString(),
      "from strongbox",
    );
  });

  it("SSH ed25519: Strongbox's stanza opens with `age -d -i id_ed25519`, age -R's with Strongbox", async () => {
    const home = tempProject();
    mkdirSync(join(home, ".ssh"), { mode: 0o700 });
    const sshKey = join(home, ".ssh/id_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ci", "-f", sshKey]);
    const pub = readFileSync(`${sshKey}.pub`, "utf8").trim();
    const dir = join(home, ".strongbox");
    await initRecipientStore({ dir, env: { HOME: home }, recipients: [{ recipient: pub }] });
    (await openStore({ dir, env: { HOME: home } })).set("K", Buffer.from("ssh"));
    writeFileSync(join(home, "stanza.age"), keyring(dir).master.stanzas[0]?.wrapped as string);
    const key = execFileSync(AGE, ["-d", "-i", sshKey, join(home, "stanza.age")]);
    assert.equal(key.length, 32);
    writeFileSync(join(home, "mk.bin"), key);
    resealWithStanza(
      dir,
      key,
      0,
      execFileSync(AGE, ["-a", "-R", `${sshKey}.pub`, join(home, "mk.bin")], { encoding: "utf8" }),
    );
    assert.equal((await openStore({ dir, env: { HOME: home } })).get("K")?.value.toString(), "ssh");
  });

  it("the recipients vectors: the age CLI opens the published stanzas to the published master key", async () => {
    const { RECIPIENT_VECTORS, VECTOR_RECIPIENTS_MASTER_KEY } = await import(
      "../vectors/make-recipient-vectors.js"
    );
    const home = tempProject();
    const stanzas = keyring(join(RECIPIENT_VECTORS, "store")).master.stanzas;
    writeFileSync(join(home, "age.age"), stanzas[0]?.wrapped as string);
    writeFileSync(join(home, "ssh.age"), stanzas[1]?.wrapped as string);
    // age wants a private key readable by its owner only; a checkout makes it 0644.
    writeFileSync(join(home, "id_ed25519"), readFileSync(join(RECIPIENT_VECTORS, "id_ed25519")), {
      mode: 0o600,
    });
    const identity = join(RECIPIENT_VECTORS, "identity.txt");
    assert.equal(
      execFileSync(AGE, ["-d", "-i", identity, join(home, "age.age")]).toString("hex"),
      VECTOR_RECIPIENTS_MASTER_KEY,
    );
    assert.equal(
      execFileSync(AGE, ["-d", "-i", join(home, "id_ed25519"), join(home, "ssh.age")]).toString(
        "hex",
      ),
      VECTOR_RECIPIENTS_MASTER_KEY,
    );
  });

  it("strongbox keygen's identities file is one the age CLI reads", async () => {
    const home = tempProject();
    const dir = join(home, ".strongbox");
    const { runCli } = await import("../helpers/cli.js");
    const keygen = await runCli(["keygen"], { cwd: home, env: { HOME: home } });
    assert.equal(keygen.code, 0, keygen.stderr);
    const recipient = keygen.stdout.trim();
    await initRecipientStore({ dir, env: { HOME: home }, recipients: [{ recipient }] });
    writeFileSync(join(home, "stanza.age"), keyring(dir).master.stanzas[0]?.wrapped as string);
    const key = execFileSync(AGE, [
      "-d",
      "-i",
      join(home, ".config/strongbox/identities"),
      join(home, "stanza.age"),
    ]);
    assert.equal(key.length, 32);
  });
});

describe("the synchronous age opener (used to follow a re-key mid-write) against the age CLI", () => {
  it("opens what `age -r` and `age -R` (ssh) encrypt, and nothing altered", async () => {
    const home = tempProject();
    const { file, recipient } = ageKeygen(home);
    mkdirSync(join(home, ".ssh"), { mode: 0o700 });
    const sshKey = join(home, ".ssh/id_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", sshKey]);
    const identities = localIdentities({ HOME: home }, { wantSsh: true });
    assert.deepEqual(
      identities.map((identity) => identity.kind),
      ["age", "ssh"],
    );
    const plain = randomBytes(32);
    writeFileSync(join(home, "plain.bin"), plain);
    for (const args of [
      ["-r", recipient],
      ["-R", `${sshKey}.pub`],
    ]) {
      const armored = execFileSync(AGE, ["-a", ...args, join(home, "plain.bin")], {
        encoding: "utf8",
      });
      assert.deepEqual(Buffer.from(ageOpenSync(armored, identities) as Uint8Array), plain);
      // One character of the header changed: the header MAC fails and nothing comes out.
      const lines = armored.split("\n");
      const body = Buffer.from(lines.slice(1, -2).join(""), "base64");
      body[30] = (body[30] as number) ^ 1;
      const altered = [
        lines[0],
        ...(body.toString("base64").match(/.{1,64}/g) ?? []),
        lines.at(-2),
        "",
      ].join("\n");
      assert.equal(ageOpenSync(altered, identities), undefined);
    }
    void file;
  });
});

describe("Transit and KMS recipients", () => {
  let bao: Bao;
  let moto: Moto;
  let kmsKey: string;
  before(async () => {
    [bao, moto] = await Promise.all([startBao(), startMoto()]);
    bao.cli(["secrets", "enable", "transit"]);
    bao.cli(["write", "-f", "transit/keys/strongbox-production"]);
    bao.cli(["policy", "write", "no-transit", "-"], {
      input: 'path "secret/*" { capabilities = ["read"] }\n',
    });
    const kms = new KMSClient(moto.sdk);
    kmsKey = (await kms.send(new CreateKeyCommand({ Description: "prod deploy" }))).KeyMetadata
      ?.KeyId as string;
    kms.destroy();
  });
  after(async () => {
    await Promise.all([bao.stop(), moto.stop()]);
  });

  it("a Transit recipient opens with a token that may decrypt, and not with one that may not", async () => {
    const home = tempProject();
    const dir = join(home, ".strongbox");
    const vault = {
      HOME: home,
      VAULT_ADDR: bao.addr,
      VAULT_TOKEN: bao.rootToken,
      STRONGBOX_REMOTE_RECIPIENTS: "transit:transit/strongbox-production",
    };
    await initRecipientStore({
      dir,
      env: vault,
      recipients: [{ recipient: "transit:transit/strongbox-production", name: "prod-deploy" }],
    });
    const store = await openStore({ dir, env: vault });
    store.set("DB_PASSWORD", Buffer.from("from-transit"));
    assert.match(keyring(dir).master.stanzas[0]?.wrapped as string, /^vault:v1:/);
    const limited = bao.cli(["token", "create", "-policy=no-transit", "-field=token"]).trim();
    await assert.rejects(
      openStore({ dir, env: { ...vault, VAULT_TOKEN: limited } }),
      (error: unknown) => error instanceof StrongboxError && error.code === "E_STORE_KEY",
    );
    // Without Vault configured, Transit is not even tried.
    await assert.rejects(openStore({ dir, env: { HOME: home } }), /prod-deploy \(transit:/);
  });

  it("attack: a hand-edited Transit stanza naming a KV mount does not make the reader's token write there", async () => {
    bao.cli(["secrets", "enable", "-path=planted", "kv"]);
    const home = tempProject();
    const dir = join(home, ".strongbox");
    const vault = {
      HOME: home,
      VAULT_ADDR: bao.addr,
      VAULT_TOKEN: bao.rootToken,
      STRONGBOX_REMOTE_RECIPIENTS: "transit:transit/strongbox-production",
    };
    await initRecipientStore({
      dir,
      env: vault,
      recipients: [{ recipient: "transit:transit/strongbox-production" }],
    });
    // Placed first, so a reader that asked Vault about every stanza would POST it with its token.
    const text = readFileSync(join(dir, "keyring.sbx"), "utf8");
    const body = keyring(dir);
    body.master.stanzas.unshift({
      type: "transit",
      recipient: "transit:planted/x",
      wrapped: "vault:v1:planted-by-the-attacker",
    });
    writeFileSync(
      join(dir, "keyring.sbx"),
      `${JSON.stringify(body, null, 2)}${text.slice(text.lastIndexOf("\nmac "))}`,
    );
    // The named key opens the master key; the edited list then fails the keyring's MAC.
    await assert.rejects(
      openStore({ dir, env: vault }),
      (error: unknown) => error instanceof StrongboxError && error.code === "E_STORE_TAMPERED",
    );
    assert.throws(() => bao.cli(["read", "-format=json", "planted/decrypt/x"]), "nothing written");
  });

  it("a KMS recipient opens with AWS credentials, under an encryption context naming the store", async () => {
    const home = tempProject();
    const dir = join(home, ".strongbox");
    const aws = { HOME: home, ...moto.env, STRONGBOX_REMOTE_RECIPIENTS: `aws-kms:${kmsKey}` };
    await initRecipientStore({ dir, env: aws, recipients: [{ recipient: `aws-kms:${kmsKey}` }] });
    (await openStore({ dir, env: aws })).set("K", Buffer.from("from-kms"));
    assert.equal((await openStore({ dir, env: aws })).get("K")?.value.toString(), "from-kms");
    await assert.rejects(openStore({ dir, env: { HOME: home } }), /aws-kms:/);
    // The same ciphertext pasted into another store's keyring does not open there: the context differs.
    const other = join(home, "other");
    await initRecipientStore({
      dir: other,
      env: aws,
      recipients: [{ recipient: `aws-kms:${kmsKey}` }],
    });
    replaceStanza(other, 0, keyring(dir).master.stanzas[0]?.wrapped as string);
    await assert.rejects(openStore({ dir: other, env: aws }), /none of your identities/);
  });

  it("per environment: a developer opens staging, only the deploy identity opens production", async () => {
    const home = tempProject();
    const base = join(home, ".strongbox");
    const { newAgeIdentity } = await import("../../src/store/recipients/age.js");
    const { environmentStore } = await import("../../src/providers/store/directory.js");
    const dev = await newAgeIdentity();
    const vault = {
      HOME: home,
      VAULT_ADDR: bao.addr,
      VAULT_TOKEN: bao.rootToken,
      STRONGBOX_REMOTE_RECIPIENTS: "transit:transit/strongbox-production",
    };
    await initRecipientStore({
      dir: environmentStore(base, "staging"),
      env: vault,
      recipients: [{ recipient: dev.recipient }],
    });
    await initRecipientStore({
      dir: environmentStore(base, "production"),
      env: vault,
      recipients: [{ recipient: "transit:transit/strongbox-production" }],
    });
    const asDev = { HOME: home, STRONGBOX_IDENTITY: dev.secret };
    (await openStore({ dir: environmentStore(base, "staging"), env: asDev })).set(
      "K",
      Buffer.from("s"),
    );
    await assert.rejects(
      openStore({ dir: environmentStore(base, "production"), env: asDev }),
      /none of your identities/,
    );
    (await openStore({ dir: environmentStore(base, "production"), env: vault })).set(
      "K",
      Buffer.from("p"),
    );
  });
});
