// Issue 24, items 1-3: trust in a team store as invariants. A keyring rolled back to a key
// from before a rekey is neither read nor written (whoever was removed still holds that key);
// a store nobody vouches for (a new environment store, a moved store) is not trusted on first
// use; a stanza read before the keyring is authenticated cannot make the reader call Vault or
// KMS about keys of its choosing nor spend unbounded scrypt work; and the files trust rests on
// (the store's, the pins, the audit file's directory) fall under the one ownership rule.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openAuditSink } from "../../src/audit/open-sink.js";
import { StrongboxError } from "../../src/errors.js";
import { environmentStore } from "../../src/providers/store/directory.js";
import { type Keyring, sealKeyring } from "../../src/store/keyring.js";
import { initRecipientStore, openStore } from "../../src/store/open.js";
import { knownStoresFile } from "../../src/store/pin-file.js";
import { agePassphraseWrap, newAgeIdentity } from "../../src/store/recipients/age.js";
import { tempProject } from "../helpers/cli.js";

type Identity = Awaited<ReturnType<typeof newAgeIdentity>>;
type Env = Record<string, string>;

interface KeyringJson {
  storeId: string;
  createdAt: string;
  master: { kind: string; stanzas: Array<Record<string, string>> };
  environments?: Record<string, { storeId: string; lineage: string }>;
  [field: string]: unknown;
}

function keyringBody(dir: string): KeyringJson {
  const text = readFileSync(join(dir, "keyring.sbx"), "utf8");
  return JSON.parse(text.slice(0, text.lastIndexOf("\nmac ")));
}

/** Rewrites the keyring's body by hand, keeping its (now wrong) MAC: what someone without the key can do. */
function editKeyring(dir: string, change: (body: KeyringJson) => void): void {
  const text = readFileSync(join(dir, "keyring.sbx"), "utf8");
  const at = text.lastIndexOf("\nmac ");
  const body = JSON.parse(text.slice(0, at)) as KeyringJson;
  change(body);
  writeFileSync(join(dir, "keyring.sbx"), `${JSON.stringify(body, null, 2)}${text.slice(at)}`);
}

const code = (expected: string, pattern?: RegExp) => (error: unknown) =>
  error instanceof StrongboxError &&
  error.code === expected &&
  (pattern === undefined || pattern.test(`${error.message} ${error.hint ?? ""}`));

/** A team: each person has their own HOME (their own pins) and an age identity. */
async function team(names: readonly string[] = ["alice", "bob", "carol", "dave"]) {
  const project = tempProject();
  const dir = join(project, ".strongbox");
  const people = new Map<string, { identity: Identity; home: string }>();
  for (const name of names)
    people.set(name, { identity: await newAgeIdentity(), home: tempProject() });
  const as = (who: string): Env => {
    const person = people.get(who) ?? { identity: undefined, home: "" };
    if (person.identity === undefined) throw new Error(`no ${who}`);
    return { HOME: person.home, STRONGBOX_IDENTITY: person.identity.secret };
  };
  const recipient = (who: string) => people.get(who)?.identity.recipient as string;
  const [first, ...rest] = names as [string, ...string[]];
  await initRecipientStore({
    dir,
    env: as(first),
    recipients: [{ recipient: recipient(first), name: first }],
  });
  const owner = await openStore({ dir, env: as(first) });
  for (const name of rest) await owner.addRecipient(recipient(name), { name });
  return { project, dir, as, recipient };
}

function snapshot(dir: string): string {
  const copy = join(tempProject(), "copy");
  cpSync(dir, copy, { recursive: true });
  return copy;
}

function restore(dir: string, copy: string): void {
  rmSync(dir, { recursive: true, force: true });
  cpSync(copy, dir, { recursive: true });
}

describe("item 1: a keyring rolled back to a key from before a rekey", () => {
  // Rollback by one step and by two; the teammate followed each rekey, or jumped over them.
  const cases: Array<{ rekeys: number; back: number; follow: "each" | "jump" }> = [];
  for (const rekeys of [1, 2])
    for (let back = 1; back <= rekeys; back++)
      for (const follow of ["each", "jump"] as const) cases.push({ rekeys, back, follow });

  for (const { rekeys, back, follow } of cases)
    it(`attack: ${rekeys} rekey(s), rolled back ${back} step(s), the teammate having followed ${follow === "each" ? "each one" : "in one jump"}: the removed recipient's values are not read, for the teammate nor for the one who removed them`, async () => {
      const { dir, as } = await team();
      await openStore({ dir, env: as("carol") }); // carol pins the first key
      // Each rekey removes one recipient, who keeps a copy of the store of their time.
      const removedAt = ["bob", "dave"];
      const copies: string[] = [snapshot(dir)];
      for (let step = 0; step < rekeys; step++) {
        await (await openStore({ dir, env: as("alice") })).removeRecipient(
          removedAt[step] as string,
        );
        copies.push(snapshot(dir));
        if (follow === "each" || step === rekeys - 1) await openStore({ dir, env: as("carol") });
      }
      // Alice, who removed them, has not opened the store since: her own rekey moved her pin.
      (await openStore({ dir, env: as("carol") })).set("DB_URL", Buffer.from("the-team-value"));
      // The recipient removed by the rekey `back` steps ago puts their copy back and writes.
      const target = rekeys - back;
      const attacker = removedAt[target] as string;
      restore(dir, copies[target] as string);
      (await openStore({ dir, env: { ...as(attacker), HOME: tempProject() } })).set(
        "DB_URL",
        Buffer.from("attacker-value"),
      );
      for (const who of ["carol", "alice"])
        await assert.rejects(
          openStore({ dir, env: as(who) }),
          code("E_STORE_KEY_ROLLBACK", /rolled back.*diff --store-rev/s),
          who,
        );
      // The way out: the current store opens again, with the team's value.
      restore(dir, copies[rekeys] as string);
      const current = await openStore({ dir, env: as("carol") });
      assert.equal(current.get("DB_URL"), undefined, "set after the last copy was taken");
      assert.ok(copies.length === rekeys + 1);
    });

  it("attack: a long-running process that followed the rekey does not follow the rollback either", async () => {
    const { dir, as } = await team(["alice", "bob", "carol"]);
    const carol = await openStore({ dir, env: as("carol") }); // one process, kept open
    carol.set("DB_URL", Buffer.from("team-1"));
    const before = snapshot(dir);
    await (await openStore({ dir, env: as("alice") })).removeRecipient("bob");
    carol.set("DB_URL", Buffer.from("team-2")); // follows the signed rekey
    restore(dir, before);
    (await openStore({ dir, env: { ...as("bob"), HOME: tempProject() } })).set(
      "DB_URL",
      Buffer.from("attacker-value"),
    );
    assert.throws(() => carol.get("DB_URL"), code("E_STORE_KEY_ROLLBACK"));
    assert.throws(() => carol.set("DB_URL", Buffer.from("team-3")), code("E_STORE_KEY_ROLLBACK"));
  });

  it("attack: a CI pin from before the removal accepts the rolled-back copy only with a notice to move it; the moved pin refuses it", async () => {
    const { dir, as } = await team(["alice", "bob", "carol"]);
    const oldPrint = (await openStore({ dir, env: as("alice") })).fingerprint();
    const before = snapshot(dir);
    const alice = await openStore({ dir, env: as("alice") });
    await alice.removeRecipient("bob");
    const newPrint = alice.fingerprint();
    assert.notEqual(newPrint, oldPrint);
    const ci = (pin: string, notices: string[]) => ({
      dir,
      env: { ...as("carol"), HOME: tempProject(), STRONGBOX_STORE_FINGERPRINT: pin },
      notice: (message: string) => notices.push(message),
    });
    const told: string[] = [];
    await openStore(ci(oldPrint, told));
    assert.ok(told.some((m) => m.includes("older key") && m.includes(newPrint)));
    restore(dir, before);
    await assert.rejects(
      openStore(ci(newPrint, [])),
      code("E_STORE_TAMPERED", /STRONGBOX_STORE_FINGERPRINT.*rolled back/s),
    );
  });
});

describe("item 2: a store nobody vouches for is not trusted on first use", () => {
  /** A team whose root store endorses its staging store (alice made it with the root open). */
  async function withStaging() {
    const t = await team(["alice", "bob", "carol"]);
    const staging = environmentStore(t.dir, "staging");
    const made = await initRecipientStore({
      dir: staging,
      env: t.as("alice"),
      recipients: ["alice", "bob", "carol"].map((name) => ({
        recipient: t.recipient(name),
        name,
      })),
    });
    assert.deepEqual(made.endorsement, { endorsed: true });
    (await openStore({ dir: staging, env: t.as("alice") })).set(
      "DB_URL",
      Buffer.from("team-staging"),
    );
    return { ...t, staging };
  }

  /** What someone who can push and holds no key does to an environment store's place. */
  const attacks: Record<string, (t: Awaited<ReturnType<typeof withStaging>>) => Promise<string>> = {
    "a new environment store of their own, for the team's public recipients and theirs": async (
      t,
    ) => {
      const mallory = await newAgeIdentity();
      const dir = environmentStore(t.dir, "preview");
      await initRecipientStore({
        dir,
        env: { HOME: tempProject(), STRONGBOX_IDENTITY: mallory.secret },
        recipients: [t.recipient("carol"), mallory.recipient].map((recipient) => ({
          recipient,
        })),
      });
      return dir;
    },
    "their own store put in the endorsed one's place": async (t) => {
      const mallory = await newAgeIdentity();
      rmSync(t.staging, { recursive: true });
      await initRecipientStore({
        dir: t.staging,
        env: { HOME: tempProject(), STRONGBOX_IDENTITY: mallory.secret },
        recipients: [{ recipient: t.recipient("carol") }, { recipient: mallory.recipient }],
      });
      return t.staging;
    },
    "a keyring of their own under the endorsed store's id": async (t) => {
      const body = keyringBody(t.staging);
      const key = randomBytes(32);
      const { ageWrap } = await import("../../src/store/recipients/age.js");
      const keyring: Keyring = {
        storeId: Buffer.from(body.storeId, "base64url"),
        createdAt: body.createdAt,
        master: {
          kind: "recipients",
          stanzas: [
            {
              type: "age",
              recipient: t.recipient("carol"),
              wrapped: await ageWrap(key, t.recipient("carol")),
            },
          ],
        },
        integrityKey: randomBytes(32),
        dataKeys: new Map([[1, { key: randomBytes(32), createdAt: body.createdAt }]]),
        active: 1,
      };
      rmSync(join(t.staging, "secrets"), { recursive: true });
      rmSync(join(t.staging, "manifest.sbx"));
      writeFileSync(
        join(t.staging, "keyring.sbx"),
        sealKeyring(keyring, key, () => randomBytes(12)),
      );
      return t.staging;
    },
    "the endorsed store copied under another environment's name": async (t) => {
      const dir = environmentStore(t.dir, "production");
      cpSync(t.staging, dir, { recursive: true });
      return dir;
    },
    "an endorsement written into the root keyring by hand": async (t) => {
      const mallory = await newAgeIdentity();
      const dir = environmentStore(t.dir, "preview");
      await initRecipientStore({
        dir,
        env: { HOME: tempProject(), STRONGBOX_IDENTITY: mallory.secret },
        recipients: [{ recipient: t.recipient("carol") }, { recipient: mallory.recipient }],
      });
      const fake = await openStore({
        dir,
        env: { HOME: tempProject(), STRONGBOX_IDENTITY: mallory.secret },
        knownStore: false,
      });
      const storeId = keyringBody(dir).storeId;
      editKeyring(t.dir, (body) => {
        body.environments = {
          ...(body.environments ?? {}),
          preview: { storeId, lineage: fake.fingerprint() },
        };
      });
      return dir;
    },
    "an endorsement made by a removed teammate under the root key they kept (the root rolled back)":
      async (t) => {
        const rootBefore = snapshot(t.dir);
        await (await openStore({ dir: t.dir, env: t.as("alice") })).removeRecipient("bob");
        await openStore({ dir: t.dir, env: t.as("carol") }); // carol follows the rekey
        restore(t.dir, rootBefore);
        // Bob's own pin is the old key: his init --env endorses his store under it.
        const dir = environmentStore(t.dir, "preview");
        const made = await initRecipientStore({
          dir,
          env: t.as("bob"),
          recipients: [{ recipient: t.recipient("carol") }, { recipient: t.recipient("bob") }],
        });
        assert.deepEqual(made.endorsement, { endorsed: true });
        return dir;
      },
  };

  for (const [name, attack] of Object.entries(attacks))
    it(`attack: ${name}: a teammate's first open is refused, and trust --env is the way out`, async () => {
      const t = await withStaging();
      await openStore({ dir: t.dir, env: t.as("carol") }); // carol knows the root store
      const dir = await attack(t);
      await assert.rejects(
        openStore({ dir, env: t.as("carol") }),
        code("E_STORE_UNTRUSTED", /recipients trust --env/),
      );
      // Refused before anything was pinned: still refused the second time.
      await assert.rejects(openStore({ dir, env: t.as("carol") }), code("E_STORE_UNTRUSTED"));
      await openStore({ dir, env: t.as("carol"), trustNewKeyring: true });
      await openStore({ dir, env: t.as("carol") });
    });

  it("the legitimate flow: an endorsed environment store is taken on first use with a notice, after its own rekey and the root's too", async () => {
    const t = await withStaging();
    await (await openStore({ dir: t.dir, env: t.as("alice") })).removeRecipient("bob");
    await (await openStore({ dir: t.staging, env: t.as("alice") })).removeRecipient("bob");
    const notices: string[] = [];
    const store = await openStore({
      dir: t.staging,
      env: t.as("carol"),
      notice: (message) => notices.push(message),
    });
    assert.equal(store.get("DB_URL")?.value.toString(), "team-staging");
    assert.ok(
      notices.some((m) => /first use.*root store endorses it/.test(m)),
      notices.join(),
    );
    assert.equal(keyringBody(t.dir).environments?.staging?.storeId, keyringBody(t.staging).storeId);
  });

  it("a root store that does not open for the reader endorses nothing; a CI pin decides instead", async () => {
    const t = await withStaging();
    const deploy = await newAgeIdentity();
    const production = environmentStore(t.dir, "production");
    const asDeploy = { HOME: tempProject(), STRONGBOX_IDENTITY: deploy.secret };
    const made = await initRecipientStore({
      dir: production,
      env: asDeploy,
      recipients: [{ recipient: deploy.recipient }],
    });
    assert.equal(made.endorsement?.endorsed, false);
    await openStore({ dir: production, env: asDeploy }); // the maker pinned it
    const ciHome = { ...asDeploy, HOME: tempProject() };
    await assert.rejects(
      openStore({ dir: production, env: ciHome }),
      code("E_STORE_UNTRUSTED", /root store did not open for you/),
    );
    const print = (await openStore({ dir: production, env: asDeploy })).fingerprint();
    await openStore({ dir: production, env: { ...ciHome, STRONGBOX_STORE_FINGERPRINT: print } });
  });

  it("attack: a moved store path (a new store where the project's config now points) is refused; the same store moved is followed", async () => {
    const t = await team(["alice", "carol"]);
    await openStore({ dir: t.dir, env: t.as("carol"), project: t.project });
    const mallory = await newAgeIdentity();
    const elsewhere = join(t.project, "secrets-store");
    await initRecipientStore({
      dir: elsewhere,
      env: { HOME: tempProject(), STRONGBOX_IDENTITY: mallory.secret },
      recipients: [{ recipient: t.recipient("carol") }, { recipient: mallory.recipient }],
    });
    await assert.rejects(
      openStore({ dir: elsewhere, env: t.as("carol"), project: t.project }),
      code("E_STORE_UNTRUSTED", /was in .*\.strongbox/),
    );
    const moved = join(t.project, "moved");
    renameSync(t.dir, moved);
    await openStore({ dir: moved, env: t.as("carol"), project: t.project });
    // Someone who first opened only an environment store of the project then opens its root.
    const deploy = await newAgeIdentity();
    const asDeploy = { HOME: tempProject(), STRONGBOX_IDENTITY: deploy.secret };
    const production = environmentStore(moved, "production");
    await initRecipientStore({
      dir: production,
      env: asDeploy,
      project: t.project,
      recipients: [{ recipient: deploy.recipient }],
    });
    await (await openStore({ dir: moved, env: t.as("alice") })).addRecipient(deploy.recipient);
    await openStore({ dir: moved, env: asDeploy, project: t.project });
  });
});

/** A server that records every request and answers 400 (neither Vault nor KMS opens anything). */
async function recorder(): Promise<{
  url: string;
  seen: Array<{ path: string; body: string }>;
  close: () => void;
}> {
  const seen: Array<{ path: string; body: string }> = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      seen.push({ path: request.url ?? "", body });
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ errors: ["no"], __type: "InvalidCiphertextException" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}

describe("item 3: what a stanza read before authentication can make the reader do", () => {
  const remote = [
    { kind: "transit", named: "transit:transit/prod", hostile: "transit:secret/planted" },
    { kind: "transit", named: "transit:transit/prod", hostile: "transit:sys/policies/acl/x" },
    { kind: "transit", named: "transit:transit/prod", hostile: "transit:transit/other-key" },
    {
      kind: "aws-kms",
      named: "aws-kms:alias/prod",
      hostile: "aws-kms:arn:aws:kms:us-east-1:999999999999:key/attacker",
    },
    { kind: "aws-kms", named: "aws-kms:alias/prod", hostile: "aws-kms:alias/someone-elses" },
  ] as const;

  for (const { kind, named, hostile } of remote)
    it(`attack: a hand-edited ${kind} stanza (${hostile}) is not sent to the service; the one the reader names is`, async () => {
      const server = await recorder();
      try {
        const carol = await newAgeIdentity();
        const dir = join(tempProject(), ".strongbox");
        await initRecipientStore({
          dir,
          env: { HOME: tempProject() },
          recipients: [{ recipient: carol.recipient }],
        });
        editKeyring(dir, (body) => {
          body.master.stanzas = [
            { type: kind, recipient: hostile, wrapped: "vault:v1:QVRUQUNLRVItREFUQQ==" },
            { type: kind, recipient: named, wrapped: "vault:v1:bGVnaXQ=" },
            ...body.master.stanzas,
          ];
        });
        const env: Env = {
          HOME: tempProject(),
          STRONGBOX_REMOTE_RECIPIENTS: named,
          ...(kind === "transit"
            ? { VAULT_ADDR: server.url, VAULT_TOKEN: "reader-token" }
            : {
                AWS_ACCESS_KEY_ID: "AKIDREADER",
                AWS_SECRET_ACCESS_KEY: "reader-secret",
                AWS_REGION: "us-east-1",
                AWS_ENDPOINT_URL_KMS: server.url,
              }),
        };
        await assert.rejects(openStore({ dir, env }), code("E_STORE_KEY"));
        const hostileId = hostile.slice(hostile.indexOf(":") + 1);
        const namedId = named.slice(named.indexOf(":") + 1);
        const mentions = (id: string) =>
          server.seen.filter((request) =>
            kind === "transit"
              ? request.path.startsWith(`/v1/${id.slice(0, id.lastIndexOf("/"))}/decrypt/`) &&
                request.path.endsWith(`/${id.slice(id.lastIndexOf("/") + 1)}`)
              : request.body.includes(JSON.stringify(id)),
          );
        assert.equal(mentions(hostileId).length, 0, JSON.stringify(server.seen));
        assert.ok(mentions(namedId).length > 0, JSON.stringify(server.seen));
        // Not named at all: nothing is asked, and the error says how to name it.
        const before = server.seen.length;
        const { STRONGBOX_REMOTE_RECIPIENTS: _named, ...unnamed } = env;
        await assert.rejects(
          openStore({ dir, env: unnamed }),
          code("E_STORE_KEY", /STRONGBOX_REMOTE_RECIPIENTS/),
        );
        assert.equal(server.seen.length, before);
      } finally {
        server.close();
      }
    });

  /** The armored age file with its scrypt stanza's work factor changed (its header MAC then fails, after scrypt). */
  function withWorkFactor(armored: string, logN: number): string {
    const body = armored
      .replace("-----BEGIN AGE ENCRYPTED FILE-----", "")
      .replace("-----END AGE ENCRYPTED FILE-----", "")
      .replace(/\s+/g, "");
    const bytes = Buffer.from(body, "base64").toString("latin1");
    const changed = bytes.replace(/^(-> scrypt \S+) 18$/m, `$1 ${logN}`);
    assert.notEqual(changed, bytes);
    const b64 = Buffer.from(changed, "latin1").toString("base64");
    return `-----BEGIN AGE ENCRYPTED FILE-----\n${b64.match(/.{1,64}/g)?.join("\n")}\n-----END AGE ENCRYPTED FILE-----\n`;
  }

  for (const logN of [19, 20, 22, 40, 16, 10])
    it(`attack: a passphrase stanza with scrypt work factor 2^${logN} is refused before any scrypt work`, async () => {
      const dir = join(tempProject(), ".strongbox");
      const passphrase = "correct horse battery";
      await initRecipientStore({
        dir,
        env: { HOME: tempProject() },
        recipients: [{ recipient: "passphrase" }],
        newPassphrase: passphrase,
      });
      const wrapped = keyringBody(dir).master.stanzas[0]?.wrapped as string;
      editKeyring(dir, (body) => {
        (body.master.stanzas[0] as Record<string, string>).wrapped = withWorkFactor(wrapped, logN);
      });
      // The bound's own refusal, not a timer, shows no scrypt ran: had scrypt run first, the
      // edited header would fail its MAC (or, at 2^22 and above, Node's memory limit) instead.
      await assert.rejects(
        openStore({ dir, env: { HOME: tempProject(), STRONGBOX_PASSPHRASE: passphrase } }),
        code("E_STORE_FORMAT", /work factor/),
      );
    });

  it("the work factor Strongbox and age write (2^18) opens", async () => {
    const dir = join(tempProject(), ".strongbox");
    await initRecipientStore({
      dir,
      env: { HOME: tempProject() },
      recipients: [{ recipient: "passphrase" }],
      newPassphrase: "correct horse battery",
    });
    assert.match(await agePassphraseWrap(randomBytes(32), "x"), /BEGIN AGE/);
    await openStore({
      dir,
      env: { HOME: tempProject(), STRONGBOX_PASSPHRASE: "correct horse battery" },
    });
  });
});

describe("item 3: the files trust rests on fall under the ownership rule", () => {
  const OTHER = 4242; // a uid and gid nobody on the test machine has
  /** Ways another user could control a file that is otherwise in place. */
  const unsafe: Record<string, (path: string) => void> = {
    "owned by another user": (path) => chownSync(path, OTHER, OTHER),
    "writable by a group that is not the user's own": (path) => {
      chownSync(path, process.getuid?.() ?? 0, OTHER);
      chmodSync(path, 0o660);
    },
    "writable by everyone": (path) => chmodSync(path, 0o606),
    "a symlink to a copy elsewhere": (path) => {
      const copy = join(tempProject(), "elsewhere");
      cpSync(path, copy);
      rmSync(path);
      symlinkSync(copy, path);
    },
  };

  async function teamStore() {
    const carol = await newAgeIdentity();
    const dir = join(tempProject(), ".strongbox");
    const env = { HOME: tempProject(), STRONGBOX_IDENTITY: carol.secret };
    await initRecipientStore({ dir, env, recipients: [{ recipient: carol.recipient }] });
    (await openStore({ dir, env })).set("DB_URL", Buffer.from("value"));
    return { dir, env };
  }

  const files: Record<string, (t: Awaited<ReturnType<typeof teamStore>>) => string> = {
    "the keyring": (t) => join(t.dir, "keyring.sbx"),
    "the manifest": (t) => join(t.dir, "manifest.sbx"),
    "a secret file": (t) => join(t.dir, "secrets", "DB_URL.sbx"),
    "the known-stores pin file": (t) => knownStoresFile(t.env),
  };

  const storeDirs: Record<string, (path: string) => void> = {
    "owned by another user": (path) => chownSync(path, OTHER, OTHER),
    "writable by everyone, without the sticky bit": (path) => chmodSync(path, 0o777),
    "a symlink to a copy elsewhere": (path) => {
      const copy = join(tempProject(), "elsewhere");
      cpSync(path, copy, { recursive: true });
      rmSync(path, { recursive: true });
      symlinkSync(copy, path);
    },
  };
  for (const [how, make] of Object.entries(storeDirs))
    it(`attack: the store's secrets directory ${how} is refused (E_UNSAFE_PATH) before it is used`, async () => {
      const t = await teamStore();
      make(join(t.dir, "secrets"));
      await assert.rejects(
        (async () => (await openStore({ dir: t.dir, env: t.env })).get("DB_URL"))(),
        code("E_UNSAFE_PATH"),
      );
    });

  for (const [file, where] of Object.entries(files))
    for (const [how, make] of Object.entries(unsafe))
      it(`attack: ${file} ${how} is refused (E_UNSAFE_PATH) before it is used`, async () => {
        const t = await teamStore();
        make(where(t));
        await assert.rejects(
          (async () => (await openStore({ dir: t.dir, env: t.env })).get("DB_URL"))(),
          code("E_UNSAFE_PATH"),
        );
      });

  const dirs: Record<string, (path: string) => void> = {
    "owned by another user": (path) => chownSync(path, OTHER, OTHER),
    "writable by a group that is not the user's own": (path) => {
      chownSync(path, process.getuid?.() ?? 0, OTHER);
      chmodSync(path, 0o770);
    },
    "writable by everyone, without the sticky bit": (path) => chmodSync(path, 0o777),
    "a symlink to another user's directory": (path) => {
      const target = join(tempProject(), "theirs");
      mkdirSync(target);
      chownSync(target, OTHER, OTHER);
      rmSync(path, { recursive: true });
      symlinkSync(target, path);
    },
  };
  for (const [how, make] of Object.entries(dirs))
    it(`attack: the audit file's directory ${how} is refused before a record is written`, () => {
      const logs = join(tempProject(), "logs");
      mkdirSync(logs, { mode: 0o700 });
      const open = () =>
        openAuditSink({
          baseDir: tempProject(),
          env: { HOME: tempProject(), STRONGBOX_AUDIT_FILE: join(logs, "audit.jsonl") },
        });
      assert.ok(open() !== undefined, "a safe directory is used");
      make(logs);
      assert.throws(open, code("E_UNSAFE_PATH"));
    });
});
