// Secret references in application data (issue 14), on the local store: the path a row
// may point at, the inline development fallback, pure Vault mode and the read cache.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type RefBackend, storeRefs } from "../../src/data/backends.js";
import { secretRefs } from "../../src/data/secret-refs.js";
import { tempStore } from "../helpers/store.js";

const PATH = "wireguard/servers/{id}/private-key";

function counting(backend: RefBackend, scheme = backend.scheme) {
  const calls = { read: 0, write: 0, remove: 0 };
  return {
    calls,
    backend: {
      ...backend,
      scheme,
      async read(path: string) {
        calls.read++;
        return backend.read(path);
      },
      async write(path: string, value: string, metadata: Readonly<Record<string, string>>) {
        calls.write++;
        return backend.write(path, value, metadata);
      },
      async remove(path: string) {
        calls.remove++;
        return backend.remove(path);
      },
    } satisfies RefBackend,
  };
}

describe("secret refs in data", () => {
  it("put keeps the value out of the ref; get, getMany, rotate and delete follow it", async () => {
    const s = await tempStore();
    const { backend, calls } = counting(storeRefs(s));
    const refs = secretRefs({ backend, path: PATH });
    const id = "pNKC8FhUj8cJGMON4LKC9j8pCH=";
    const ref = await refs.put(id, "private-canary-1");
    assert.equal(ref, "store:wireguard/servers/pNKC8FhUj8cJGMON4LKC9j8pCH=/private-key");
    assert.equal(await refs.get(ref, id), "private-canary-1");
    const other = await refs.put("server-2", "private-canary-2");
    calls.read = 0;
    assert.deepEqual(
      await refs.getMany(
        [ref, other, ref, other, ref].map((r) => ({ ref: r, id: r === ref ? id : "server-2" })),
      ),
      [
        "private-canary-1",
        "private-canary-2",
        "private-canary-1",
        "private-canary-2",
        "private-canary-1",
      ],
    );
    assert.equal(calls.read, 2, "each distinct ref read once");
    assert.equal(await refs.rotate(ref, id, "private-canary-3"), ref);
    assert.equal(await refs.get(ref, id), "private-canary-3");
    // The store cannot name "=": that segment is kept base64url-encoded.
    assert.equal(
      s.history(
        `wireguard/servers/b64.${Buffer.from("pNKC8FhUj8cJGMON4LKC9j8pCH=").toString("base64url")}/private-key`,
      ).length,
      2,
    );
    await refs.delete(ref, id);
    await assert.rejects(refs.get(ref, id), { code: "E_MISSING" });
  });

  it("attacks: a row cannot point a reader outside the path, and nothing from the row is quoted", async () => {
    const { backend, calls } = counting(storeRefs(await tempStore()));
    const refs = secretRefs({ backend, path: PATH });
    await refs.put("a", "x");
    for (const hostile of [
      "store:other-service/db-password",
      "store:wireguard/servers/../../other/private-key",
      "store:wireguard/servers/a/b/private-key",
      "store:wireguard/servers//private-key",
      "store:wireguard/servers/a/private-key/extra",
      "vault:wireguard/servers/a/private-key",
      "hunter2-plaintext-canary",
      "s3cr3t:canary-scheme",
    ]) {
      await assert.rejects(refs.get(hostile, "a"), (error: Error & { code?: string }) => {
        assert.equal(error.code, "E_DATA_REF", hostile);
        assert.ok(!/canary|hunter2|s3cr3t/.test(error.message), error.message);
        return true;
      });
    }
    assert.equal(calls.read, 0, "no hostile ref reached the backend");
    for (const id of ["a/b", "..", ".", "", "x".repeat(201), "a\nb"])
      await assert.rejects(refs.put(id, "v"), { code: "E_DATA_REF" });
    assert.throws(() => secretRefs({ backend, path: "servers/{id}/../x" }), { code: "E_DATA_REF" });
    assert.throws(() => secretRefs({ backend, path: "servers/{id}/{id}" }), { code: "E_DATA_REF" });
  });

  it("development without Vault: the value is encrypted into the row with one warning; a copied row does not decrypt", async () => {
    const warnings: string[] = [];
    const refs = secretRefs({
      path: PATH,
      fallback: await tempStore(),
      onWarning: (m) => warnings.push(m),
    });
    const one = await refs.put("server-1", "private-canary-7");
    const two = await refs.put("server-2", "private-canary-8");
    assert.match(one, /^enc:wireguard\/servers\/server-1\/private-key~sbf1\./);
    assert.ok(!one.includes("private-canary"));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /development only/);
    assert.equal(await refs.get(one, "server-1"), "private-canary-7");
    // Row 2's ciphertext pasted into row 1's ref: refused.
    const pasted = `enc:wireguard/servers/server-1/private-key~${two.split("~")[1]}`;
    await assert.rejects(refs.get(pasted, "server-1"), { code: "E_ENVELOPE" });
  });

  it("pure Vault mode refuses the fallback and the store, with the code an HTTP layer maps to 503", async () => {
    const s = await tempStore();
    const dev = secretRefs({ path: PATH, fallback: s, onWarning: () => {} });
    const inline = await dev.put("server-1", "private-canary-9");
    const prod = secretRefs({ path: PATH, fallback: s, pure: true });
    await assert.rejects(prod.put("server-2", "x"), { code: "E_VAULT_REQUIRED" });
    await assert.rejects(prod.get(inline, "server-1"), (error: Error & { code?: string }) => {
      assert.equal(error.code, "E_VAULT_REQUIRED");
      assert.match(error.message, /inline ciphertext/);
      return true;
    });
    assert.throws(() => secretRefs({ path: PATH, backend: storeRefs(s), pure: true }), {
      code: "E_VAULT_REQUIRED",
    });
  });

  it("migrate moves an inline value into the backend and returns the new ref; the read cache honours its TTL and invalidate", async () => {
    const s = await tempStore();
    const dev = secretRefs({ path: PATH, fallback: s, onWarning: () => {} });
    const inline = await dev.put("server-1", "private-canary-10");
    let clock = 0;
    const { backend, calls } = counting(storeRefs(s));
    const refs = secretRefs({
      path: PATH,
      backend,
      fallback: s,
      cacheTtlMs: 1000,
      now: () => clock,
    });
    const moved = await refs.migrate(inline, "server-1");
    assert.equal(moved, "store:wireguard/servers/server-1/private-key");
    assert.equal(await refs.migrate(moved, "server-1"), moved, "already moved: unchanged");
    await assert.rejects(refs.migrate(inline, "server-2"), { code: "E_DATA_REF" });
    calls.read = 0;
    await refs.get(moved, "server-1");
    await refs.get(moved, "server-1");
    assert.equal(calls.read, 1);
    clock = 1000;
    await refs.get(moved, "server-1");
    assert.equal(calls.read, 2, "expired");
    refs.invalidate(moved);
    await refs.get(moved, "server-1");
    assert.equal(calls.read, 3, "invalidated");
    await refs.rotate(moved, "server-1", "new");
    assert.equal(await refs.get(moved, "server-1"), "new", "a write drops the cached value");
  });

  it("audits each read from the backend, write, rotation and deletion, with a keyed MAC and never the value", async () => {
    const events: Array<Record<string, unknown>> = [];
    const refs = secretRefs({
      backend: storeRefs(await tempStore()),
      path: PATH,
      cacheTtlMs: 60_000,
      audit: {
        write: (batch) => events.push(...(batch as unknown as Array<Record<string, unknown>>)),
        digest: (value) => `mac(${String(value).length})`,
      },
    });
    const ref = await refs.put("server-1", "audited-canary-1");
    await refs.get(ref, "server-1");
    await refs.get(ref, "server-1");
    await refs.rotate(ref, "server-1", "audited-canary-2");
    await refs.delete(ref, "server-1");
    await assert.rejects(refs.get(ref, "server-1"));
    assert.deepEqual(
      events.map((e) => [e.action, e.source, e.secret, e.outcome]),
      [
        ["write", "store", "wireguard/servers/server-1/private-key", "ok"],
        ["read", "store", "wireguard/servers/server-1/private-key", "ok"],
        ["rotate", "store", "wireguard/servers/server-1/private-key", "ok"],
        ["delete", "store", "wireguard/servers/server-1/private-key", "ok"],
        ["read", "store", "wireguard/servers/server-1/private-key", "missing"],
      ],
      "the second read was a cache hit",
    );
    assert.equal(events[0]?.valueMac, "mac(16)");
    assert.ok(!JSON.stringify(events).includes("audited-canary"));
  });

  it("attacks: a row holding another row's ref (copied whole, another id, another table) is refused by every operation, for every ref kind", async () => {
    // The victim (tenant A's row) and the attacker's row (tenant B) in the same table; the
    // attacker can write their own row's ref column (an UPDATE, an import, a restored dump).
    const VICTIM = "tenant-a-server";
    const ATTACKER = "tenant-b-server";
    const OTHER_TABLE = "wireguard/peers/{id}/preshared-key";
    const kinds = {
      // The rule is the reader's, not the backend's: a Vault-scheme backend over the store
      // (the real Vault case runs in test/integration/data-postgres.test.ts).
      vault: async () => counting(storeRefs(await tempStore()), "vault"),
      store: async () => counting(storeRefs(await tempStore())),
      enc: async () => ({ calls: { read: 0, write: 0, remove: 0 }, backend: undefined }),
    };
    let cases = 0;
    for (const [kind, make] of Object.entries(kinds)) {
      const s = await tempStore();
      const { calls, backend } = await make();
      const options = { backend, fallback: s, onWarning: () => {} };
      const refs = secretRefs({ ...options, path: PATH });
      const peers = secretRefs({ ...options, path: OTHER_TABLE });
      const victimRef = await refs.put(VICTIM, "victim-canary-1");
      const ownRef = await refs.put(ATTACKER, "attacker-value");
      const peerRef = await peers.put(ATTACKER, "peer-canary");
      const prefix = `${kind}:`;
      assert.ok(victimRef.startsWith(prefix), victimRef);
      const swapId = (ref: string) => ref.split(VICTIM).join("tenant-c-server");
      const hostile: Record<string, string> = {
        "the victim's ref copied whole": victimRef,
        "a ref with another id, same table": swapId(victimRef),
        "the attacker's own id's ref from another table": peerRef,
        "the victim's id's ref from another table": await peers.put(VICTIM, "peer-canary-2"),
      };
      const ops: Record<string, (ref: string) => Promise<unknown>> = {
        get: (ref) => refs.get(ref, ATTACKER),
        getMany: (ref) =>
          refs.getMany([
            { ref: ownRef, id: ATTACKER },
            { ref, id: ATTACKER },
          ]),
        rotate: (ref) => refs.rotate(ref, ATTACKER, "attacker-overwrite"),
        delete: (ref) => refs.delete(ref, ATTACKER),
        ...(kind === "enc" ? {} : { migrate: (ref: string) => refs.migrate(ref, ATTACKER) }),
      };
      for (const [how, ref] of Object.entries(hostile))
        for (const [op, run] of Object.entries(ops)) {
          const before = { ...calls };
          await assert.rejects(run(ref), (error: Error & { code?: string }) => {
            assert.equal(error.code, "E_DATA_REF", `${kind} ${how} ${op}: ${error.message}`);
            assert.ok(!/tenant-|canary/.test(error.message), error.message);
            return true;
          });
          assert.deepEqual(calls, before, `${kind} ${how} ${op}: the backend was not asked`);
          cases++;
        }
      // The victim's secret is intact and still theirs; the attacker's own row still works.
      assert.equal(await refs.get(victimRef, VICTIM), "victim-canary-1");
      assert.equal(await refs.get(ownRef, ATTACKER), "attacker-value");
      assert.equal(await peers.get(peerRef, ATTACKER), "peer-canary");
      // A call without the row's id (the old signature) is refused, not followed.
      await assert.rejects((refs.get as (ref: string) => Promise<string>)(victimRef), {
        code: "E_DATA_REF",
      });
    }
    assert.ok(cases >= 3 * 4 * 4, `${cases} cases`);
  });

  it("attacks: an id no backend may read as another address (ARN, partial ARN, .., /, encoded, lookalikes) is refused by put and get, for every ref kind and template, before any request", async () => {
    const VICTIM = "victim-device";
    const hostile = [
      `arn:aws:secretsmanager:us-east-1:123456789012:secret:${VICTIM}`,
      `arn:aws:secretsmanager:us-east-1:123456789012:secret:${VICTIM}-AbCdEf`,
      `arn:aws:ssm:us-east-1:123456789012:parameter/${VICTIM}`,
      `arn:aws:secretsmanager:${VICTIM}`,
      `secret:${VICTIM}`,
      `${VICTIM}:1`,
      `vault:${VICTIM}`,
      "..",
      ".",
      `../${VICTIM}`,
      `x/../${VICTIM}`,
      `/${VICTIM}`,
      `${VICTIM}/`,
      `a/${VICTIM}`,
      `..%2F${VICTIM}`,
      `%2e%2e`,
      `${VICTIM}%00`,
      "v\u0456ctim-device", // Cyrillic і
      "\uff56ictim-device", // fullwidth v
      `${VICTIM}\u200b`,
      `${VICTIM}\n`,
      ` ${VICTIM}`,
      `.${VICTIM}`,
      "",
      "a".repeat(201),
    ];
    const kinds = {
      vault: async () => counting(storeRefs(await tempStore()), "vault"),
      store: async () => counting(storeRefs(await tempStore())),
      "aws-sm": async () => counting(storeRefs(await tempStore()), "aws-sm"),
    };
    let cases = 0;
    for (const [kind, make] of Object.entries(kinds))
      for (const template of ["{id}", PATH, "servers/{id}", "{id}/key"]) {
        const { calls, backend } = await make();
        const refs = secretRefs({ backend, path: template });
        const victimRef = await refs.put(VICTIM, "victim-canary");
        const before = { ...calls };
        for (const id of hostile) {
          const at = `${kind} ${template} ${JSON.stringify(id)}`;
          await assert.rejects(refs.put(id, "attacker-value"), { code: "E_DATA_REF" }, at);
          const ref = `${kind}:${template.replace("{id}", id)}`;
          await assert.rejects(refs.get(ref, id), { code: "E_DATA_REF" }, at);
          await assert.rejects(refs.rotate(ref, id, "attacker-value"), { code: "E_DATA_REF" }, at);
          await assert.rejects(refs.delete(ref, id), { code: "E_DATA_REF" }, at);
          cases++;
        }
        assert.deepEqual(calls, before, `${kind} ${template}: the backend was never asked`);
        assert.equal(await refs.get(victimRef, VICTIM), "victim-canary");
      }
    assert.ok(cases >= 3 * 4 * 25, `${cases} cases`);
  });
});
