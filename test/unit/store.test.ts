import assert from "node:assert/strict";
import {
  chmodSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { AuditEvent } from "../../src/audit/event.js";
import { StrongboxError } from "../../src/errors.js";
import { openKeyring, sealKeyring } from "../../src/store/keyring.js";
import { initStore, openStore } from "../../src/store/open.js";
import { openSecretFile, sealSecretFile } from "../../src/store/secret-file.js";
import type { StoreOptions } from "../../src/store/store.js";
import { ROOT, tempProject } from "../helpers/cli.js";
import { VECTOR_MASTER_KEY } from "../vectors/make-vector-store.js";

const MASTER = Buffer.from(VECTOR_MASTER_KEY, "hex");
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return error instanceof StrongboxError
      ? error.code
      : `not a StrongboxError: ${(error as Error).message}`;
  }
  return "no error";
};

function vectorCopy(): { dir: string; options: StoreOptions } {
  const dir = join(tempProject(), "store");
  cpSync(join(ROOT, "test/vectors/store-v1"), dir, { recursive: true });
  return { dir, options: { dir, env: { STRONGBOX_MASTER_KEY: VECTOR_MASTER_KEY } } };
}

function freshStore(): {
  dir: string;
  home: string;
  options: StoreOptions;
} {
  const home = tempProject();
  const dir = join(home, "project/.strongbox");
  const options = { dir, env: { HOME: home } };
  initStore(options);
  return { dir, home, options };
}

describe("store operations", () => {
  it("init writes a 0700 store and a 0600 key file outside it, whatever the umask", async () => {
    const previous = process.umask(0);
    try {
      const { dir, home } = freshStore();
      for (const path of [dir, join(dir, "secrets")])
        assert.equal(statSync(path).mode & 0o777, 0o700, path);
      assert.equal(statSync(join(dir, "keyring.sbx")).mode & 0o777, 0o600);
      const keys = readdirSync(join(home, ".config/strongbox/keys"));
      assert.equal(keys.length, 1);
      assert.equal(
        statSync(join(home, ".config/strongbox/keys", keys[0] ?? "")).mode & 0o777,
        0o600,
      );
      assert.throws(() => initStore({ dir, env: { HOME: home } }), { code: "E_STORE_EXISTS" });
    } finally {
      process.umask(previous);
    }
  });

  it("set, get, versions, tombstones, rollback, history and metadata", async () => {
    const { options } = freshStore();
    const store = await openStore({ ...options, actor: "tester@host" });
    assert.equal(
      store.set("db/password", Buffer.from("one"), { description: "db", tags: ["a"] }),
      1,
    );
    assert.equal(store.set("db/password", Buffer.from("two"), { rotateEvery: "30d" }), 2);
    assert.equal(store.get("db/password")?.value.toString(), "two");
    assert.equal(store.get("db/password", 1)?.value.toString(), "one");
    assert.deepEqual(store.get("db/password")?.meta, {
      description: "db",
      tags: ["a"],
      rotateEvery: "30d",
    });
    assert.equal(store.remove("db/password"), 3);
    assert.equal(store.get("db/password"), undefined);
    assert.equal(store.rollback("db/password", 1), 4);
    assert.equal(store.get("db/password")?.value.toString(), "one");
    assert.deepEqual(
      store.history("db/password").map((v) => [v.version, v.state, v.createdBy]),
      [
        [1, "live", "tester@host"],
        [2, "live", "tester@host"],
        [3, "deleted", "tester@host"],
        [4, "live", "tester@host"],
      ],
    );
    assert.equal(
      codeOf(() => store.rollback("db/password", 3)),
      "E_STORE_NOT_FOUND",
    );
    store.remove("db/password", { purge: true });
    // A purge keeps the count (one more, so the mark never goes down) and nothing else.
    assert.deepEqual(
      store.history("db/password").map((v) => [v.version, v.state, v.kid]),
      [1, 2, 3, 4, 5].map((n) => [n, "deleted", undefined]),
    );
    assert.equal(store.get("db/password"), undefined);
    assert.deepEqual(store.list(), []);
  });

  it("refuses bad names, case twins and expired secrets", async () => {
    const { options } = freshStore();
    const store = await openStore({ ...options, now: () => new Date("2030-01-01T00:00:00Z") });
    for (const name of ["../x", "a/../b", "/abs", "a\\b", "a\0b", ".hidden", "", "x".repeat(129)]) {
      assert.equal(
        codeOf(() => store.set(name, Buffer.from("v"))),
        "E_STORE_NAME",
        JSON.stringify(name),
      );
    }
    store.set("Token", Buffer.from("v"));
    assert.equal(
      codeOf(() => store.set("TOKEN", Buffer.from("v"))),
      "E_STORE_NAME",
    );
    store.set("OLD", Buffer.from("v"), { expires: "2029-12-31T00:00:00.000Z" });
    assert.equal(
      codeOf(() => store.get("OLD")),
      "E_STORE_EXPIRED",
    );
  });

  it("rotate-key, rewrap and rekey keep every secret readable; rewrap retires old data keys; rekey re-authenticates without re-encrypting", async () => {
    const { dir, home, options } = freshStore();
    const store = await openStore(options);
    store.set("A", Buffer.from("a"));
    assert.equal(store.rotateKey(), 2);
    store.set("B", Buffer.from("b"));
    assert.deepEqual(
      [...store.keyUsage()],
      [
        [1, 1],
        [2, 1],
      ],
    );
    writeFileSync(join(dir, "secrets/A.sbx.tmp-deadbeef"), "left by a killed writer");
    assert.equal(store.rewrap(), 1);
    assert.ok(
      !existsSync(join(dir, "secrets/A.sbx.tmp-deadbeef")),
      "maintenance sweeps temp files of dead writers",
    );
    assert.deepEqual([...store.keyUsage()], [[2, 2]], "key 1 is retired");
    const records = (path: string) =>
      (
        JSON.parse(readFileSync(path, "utf8").split("\nmac ")[0] ?? "") as {
          versions: { ct: string }[];
        }
      ).versions.map((version) => version.ct);
    const before = records(join(dir, "secrets/A.sbx"));
    const { keyFile } = store.rekey();
    assert.ok(keyFile?.startsWith(home));
    assert.deepEqual(records(join(dir, "secrets/A.sbx")), before, "rekey re-encrypts nothing");
    assert.ok(!existsSync(`${keyFile}.new`));
    assert.equal(store.activeKey, 3, "rekey starts a data key the old master key never saw");
    const reopened = await openStore(options);
    assert.equal(reopened.get("A")?.value.toString(), "a");
    assert.equal(reopened.get("B")?.value.toString(), "b");
    assert.equal(reopened.rotateKey(), 4, "retired key ids are never reused");
  });

  it("a passphrase store opens only with its passphrase, and refuses absurd scrypt parameters", async () => {
    const home = tempProject();
    const dir = join(home, "s");
    initStore({ dir, env: { HOME: home }, newPassphrase: "correct horse" });
    const store = await openStore({
      dir,
      env: { HOME: home, STRONGBOX_PASSPHRASE: "correct horse" },
    });
    store.set("X", Buffer.from("x"));
    await assert.rejects(
      openStore({ dir, env: { HOME: home, STRONGBOX_PASSPHRASE: "wrong horse" } }),
      { code: "E_STORE_WRONG_KEY" },
    );
    await assert.rejects(openStore({ dir, env: { HOME: home } }), { code: "E_STORE_KEY" });
    assert.equal(
      (await openStore({ dir, env: { HOME: home }, passphrase: () => "correct horse" }))
        .get("X")
        ?.value.toString(),
      "x",
    );
    const keyring = readFileSync(join(dir, "keyring.sbx"), "utf8");
    writeFileSync(join(dir, "keyring.sbx"), keyring.replace('"N": 131072', '"N": 1073741824'));
    await assert.rejects(
      openStore({ dir, env: { HOME: home, STRONGBOX_PASSPHRASE: "correct horse" } }),
      { code: "E_STORE_FORMAT" },
    );
  });

  it("master keys: env (hex or base64), key files that others can read are refused, wrong keys named", async () => {
    const { dir, home, options } = freshStore();
    const keyDir = join(home, ".config/strongbox/keys");
    const keyFile = join(keyDir, readdirSync(keyDir)[0] ?? "");
    const key = readFileSync(keyFile, "utf8").trim();
    const asHex = Buffer.from(key, "base64url").toString("hex");
    for (const text of [key, asHex, Buffer.from(key, "base64url").toString("base64")]) {
      await openStore({ dir, env: { STRONGBOX_MASTER_KEY: text } });
    }
    await assert.rejects(openStore({ dir, env: { STRONGBOX_MASTER_KEY: VECTOR_MASTER_KEY } }), {
      code: "E_STORE_WRONG_KEY",
    });
    await assert.rejects(
      openStore({ dir, env: { STRONGBOX_MASTER_KEY: "too-short" } }),
      (error: StrongboxError) =>
        error.code === "E_STORE_KEY" && !error.message.includes("too-short"),
    );
    chmodSync(keyFile, 0o644);
    await assert.rejects(
      openStore(options),
      (error: StrongboxError) =>
        error.code === "E_STORE_KEY" &&
        /mode 0644/.test(error.message) &&
        /chmod 600/.test(error.hint ?? ""),
    );
    await assert.rejects(openStore({ dir: join(home, "nowhere"), env: {} }), {
      code: "E_STORE_NOT_FOUND",
    });
  });

  it("audits every read and write, with names and versions but never values", async () => {
    const events: AuditEvent[] = [];
    const { options } = freshStore();
    const store = await openStore({
      ...options,
      audit: { write: (batch) => events.push(...batch) },
    });
    store.set("S", Buffer.from("audit-canary-value"));
    store.get("S");
    store.get("MISSING");
    assert.deepEqual(
      events.map((e) => [e.action, e.secret, e.version, e.outcome]),
      [
        ["write", "S", 1, "ok"],
        ["read", "S", 1, "ok"],
        ["read", "MISSING", undefined, "missing"],
      ],
    );
    assert.ok(!JSON.stringify(events).includes("audit-canary"));
  });

  it("round-trips arbitrary names and values, including empty, binary and 1 MiB", async () => {
    const { options } = freshStore();
    const store = await openStore(options);
    const name = fc
      .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}(\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}){0,2}$/)
      .filter((n) => !n.split("/").includes(".."));
    const seen = new Map<string, string>();
    fc.assert(
      fc.property(name, fc.uint8Array({ maxLength: 300 }), (key, value) => {
        const twin = [...seen.keys()].find(
          (other) => other !== key && other.toLowerCase() === key.toLowerCase(),
        );
        fc.pre(twin === undefined);
        const version = store.set(key, value);
        seen.set(key, key);
        assert.deepEqual(new Uint8Array(store.get(key)?.value ?? []), value);
        assert.equal(store.get(key)?.version, version);
      }),
      { numRuns: 150 },
    );
    const big = Buffer.alloc(1024 * 1024, 7);
    store.set("BIG", big);
    assert.ok((await openStore(options)).get("BIG")?.value.equals(big));
    assert.equal(
      codeOf(() => store.set("TOO_BIG", Buffer.alloc(1024 * 1024 + 1))),
      "E_INVALID",
    );
  });
});

describe("store tampering", () => {
  it("any single bit flip or truncation of a secret file is detected, and no plaintext is returned", async () => {
    const { dir, options } = vectorCopy();
    const path = join(dir, "secrets/DB_PASSWORD.sbx");
    const original = readFileSync(path);
    const store = await openStore(options);
    const outcomes = new Set<string>();
    for (let i = 0; i < original.length; i++) {
      const bit = 1 << (i % 8);
      const bytes = Buffer.from(original);
      bytes[i] = (bytes[i] ?? 0) ^ bit;
      writeFileSync(path, bytes);
      outcomes.add(codeOf(() => store.get("DB_PASSWORD")));
    }
    for (const length of [0, 1, original.length / 2, original.length - 2, original.length - 1]) {
      writeFileSync(path, original.subarray(0, Math.floor(length)));
      outcomes.add(codeOf(() => store.get("DB_PASSWORD")));
    }
    assert.deepEqual([...outcomes], ["E_STORE_TAMPERED"]);
  });

  it("any single bit flip or truncation of the keyring is detected", async () => {
    const { dir, options } = vectorCopy();
    const path = join(dir, "keyring.sbx");
    const original = readFileSync(path);
    const outcomes = new Set<string>();
    for (let i = 0; i < original.length; i++) {
      const bytes = Buffer.from(original);
      bytes[i] = (bytes[i] ?? 0) ^ (1 << (i % 8));
      writeFileSync(path, bytes);
      outcomes.add(
        await openStore(options).then(
          () => "opened",
          (error: StrongboxError) => error.code,
        ),
      );
    }
    for (const length of [0, 10, original.length - 1]) {
      writeFileSync(path, original.subarray(0, length));
      outcomes.add(
        await openStore(options).then(
          () => "opened",
          (error: StrongboxError) => error.code,
        ),
      );
    }
    assert.ok(!outcomes.has("opened"), [...outcomes].join());
    assert.deepEqual(
      [...outcomes].filter((code) => code !== "E_STORE_TAMPERED" && code !== "E_STORE_WRONG_KEY"),
      [],
    );
  });

  it("a record moved to another version, name or store fails to open even with a valid MAC", async () => {
    const { dir } = vectorCopy();
    const keyring = openKeyring(readFileSync(join(dir, "keyring.sbx")), MASTER, "keyring");
    const path = join(dir, "secrets/DB_PASSWORD.sbx");
    const file = openSecretFile(readFileSync(path), keyring, "DB_PASSWORD", path);
    const [v1, v2] = file.versions;
    assert.ok(v1 && v2);
    const swapped = {
      ...file,
      versions: [{ ...v1, salt: v2.salt as string, ct: v2.ct as string }, v2],
    };
    writeFileSync(path, sealSecretFile(swapped, keyring));
    const store = await openStore({ dir, env: { STRONGBOX_MASTER_KEY: VECTOR_MASTER_KEY } });
    assert.equal(
      codeOf(() => store.get("DB_PASSWORD", 1)),
      "E_STORE_TAMPERED",
    );
    assert.equal(store.get("DB_PASSWORD", 2)?.value.toString(), "correct horse battery staple");
    const renamed = { ...file, name: "OTHER" };
    writeFileSync(join(dir, "secrets/OTHER.sbx"), sealSecretFile(renamed, keyring));
    assert.equal(
      codeOf(() => store.get("OTHER")),
      "E_STORE_TAMPERED",
    );
    cpSync(path, join(dir, "secrets/COPY.sbx"));
    assert.equal(
      codeOf(() => store.get("COPY")),
      "E_STORE_TAMPERED",
    );
    const otherDir = join(tempProject(), "other");
    initStore({ dir: otherDir, env: {}, masterKey: MASTER, acceptPatternedKey: true });
    cpSync(join(dir, "secrets/AFTER_ROTATE.sbx"), join(otherDir, "secrets/AFTER_ROTATE.sbx"));
    const otherStore = await openStore({
      dir: otherDir,
      env: { STRONGBOX_MASTER_KEY: VECTOR_MASTER_KEY },
    });
    assert.equal(
      codeOf(() => otherStore.get("AFTER_ROTATE")),
      "E_STORE_TAMPERED",
    );
  });

  it("a removed data key and an unknown format version are reported as such", async () => {
    const { dir, options } = vectorCopy();
    const path = join(dir, "keyring.sbx");
    const keyring = openKeyring(readFileSync(path), MASTER, "keyring");
    const fewer = new Map([...keyring.dataKeys].filter(([kid]) => kid === 1));
    writeFileSync(
      path,
      sealKeyring({ ...keyring, dataKeys: fewer, active: 1 }, MASTER, () => Buffer.alloc(12, 1)),
    );
    const store = await openStore(options);
    assert.equal(
      codeOf(() => store.get("AFTER_ROTATE")),
      "E_STORE_TAMPERED",
    );
    assert.equal(store.get("EMPTY")?.value.length, 0);
    const future = readFileSync(path, "utf8").replace("strongbox-keyring/1", "strongbox-keyring/2");
    const body = future.slice(0, future.lastIndexOf("\nmac "));
    const { derive, hmac } = await import("../../src/store/crypto.js");
    const mac = hmac(
      derive(MASTER, "strongbox/v1/keyring-mac", keyring.storeId),
      Buffer.from(body),
    ).toString("base64url");
    writeFileSync(path, `${body}\nmac ${mac}\n`);
    await assert.rejects(openStore(options), { code: "E_STORE_FORMAT" });
  });

  it("the key wrapper the keyring names opens it; an unknown one is refused before any key is read", async () => {
    const { dir, options } = vectorCopy();
    const path = join(dir, "keyring.sbx");
    const keyring = openKeyring(readFileSync(path), MASTER, "keyring");
    // A store protected by a wrapper from a newer Strongbox (or a hand-edited record):
    // authentic under the right key, and still refused, naming the kind and both causes.
    writeFileSync(
      path,
      sealKeyring({ ...keyring, master: { kind: "kms", keyId: "arn:example" } }, MASTER, () =>
        Buffer.alloc(12, 1),
      ),
    );
    await assert.rejects(
      openStore(options),
      (error: StrongboxError) =>
        error.code === "E_STORE_TAMPERED" &&
        /protected by "kms", which this version of Strongbox does not know/.test(error.message) &&
        /upgrade Strongbox/.test(error.hint ?? ""),
    );
    // A passphrase record with a cost below the floor is refused before scrypt runs.
    writeFileSync(
      path,
      sealKeyring(
        {
          ...keyring,
          master: { kind: "passphrase", kdf: "scrypt", salt: "AAAA", N: 2, r: 1, p: 1 },
        },
        MASTER,
        () => Buffer.alloc(12, 1),
      ),
    );
    await assert.rejects(
      openStore({ dir, env: { STRONGBOX_PASSPHRASE: "anything" } }),
      (error: StrongboxError) =>
        error.code === "E_STORE_FORMAT" && /scrypt parameters refused/.test(error.message),
    );
  });
});
