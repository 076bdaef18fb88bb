// create() never replaces a stored secret (red team, issue 26): registering a row with an id that
// is taken (seed 002: another server's WireGuard public key) must neither overwrite that row's
// secret nor, when the row INSERT then fails, destroy it. Generated over every writable backend
// the data layer offers (Vault KV v2 and v1, the provider seam, the store, AWS SM on moto) and
// over how the victim's secret got there (create, or put then rotate: several versions).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { awsSecretsRefs, type RefBackend, storeRefs, vaultRefs } from "../../src/data/backends.js";
import { providerRefs } from "../../src/data/provider-refs.js";
import { secretRefs } from "../../src/data/secret-refs.js";
import { initStore } from "../../src/store/open.js";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { tempProject } from "../helpers/cli.js";
import { type Moto, startMoto } from "../helpers/moto.js";
import { tempStore } from "../helpers/store.js";

const PATH = "wireguard/servers/{id}/private-key";
const duplicate = () =>
  Promise.reject(Object.assign(new Error("duplicate key"), { code: "23505" }));

describe("create() on a taken id refuses and leaves the stored secret whole", () => {
  let bao: Bao;
  let moto: Moto;
  let vault: VaultClient;
  const backends: Record<string, () => Promise<RefBackend>> = {};
  before(async () => {
    [bao, moto] = await Promise.all([startBao(), startMoto()]);
    bao.cli(["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    vault = VaultClient.fromEnv(env);
    backends["vault kv2"] = async () => vaultRefs(vault);
    backends["vault kv1"] = async () => vaultRefs(vault, { mount: "kv1" });
    backends["vault provider"] = async () =>
      providerRefs("vault", { env, prefix: "secret/", key: "value" });
    backends.store = async () => storeRefs(await tempStore());
    backends["aws-sm"] = async () => awsSecretsRefs({ ...moto.sdk, prefix: "t/" });
  });
  after(async () => {
    await vault?.close();
    await Promise.all([bao?.stop(), moto?.stop()]);
  });

  const orders = {
    "created by create()": async (refs: ReturnType<typeof secretRefs>, id: string, v: string) =>
      refs.create(id, v, async (ref) => ref),
    "put, then rotated": async (refs: ReturnType<typeof secretRefs>, id: string, v: string) => {
      const ref = await refs.put(id, `${v}-old`);
      return refs.rotate(ref, id, v);
    },
  };

  it("over every backend and every way the victim's secret got there", async () => {
    let cases = 0;
    for (const [name, make] of Object.entries(backends))
      for (const [order, plant] of Object.entries(orders)) {
        const backend = await make();
        const warnings: string[] = [];
        const refs = secretRefs({ backend, path: PATH, onWarning: (m) => warnings.push(m) });
        const id = `victimPub${randomBytes(4).toString("hex")}=`;
        const victim = `victim-${randomBytes(8).toString("hex")}`;
        const ref = await plant(refs, id, victim);
        for (const commit of [duplicate, async (r: string) => r]) {
          let committed = false;
          await assert.rejects(
            refs.create(id, "attacker-value", (r) => {
              committed = true;
              return commit(r);
            }),
            (error: Error & { code?: string }) =>
              error.code === "E_DATA_REF" &&
              /already stored/.test(error.message) &&
              !error.message.includes(victim),
            `${name}, ${order}`,
          );
          assert.equal(committed, false, `${name}, ${order}: no row written for a taken id`);
          assert.equal(await refs.get(ref, id), victim, `${name}, ${order}: the victim's value`);
        }
        assert.deepEqual(warnings, [], `${name}, ${order}`);
        cases++;
      }
    assert.equal(cases, Object.keys(backends).length * Object.keys(orders).length);
  });

  it("a fresh id whose INSERT fails leaves nothing behind, and the id can be created again", async () => {
    for (const [name, make] of Object.entries(backends)) {
      const backend = await make();
      const refs = secretRefs({ backend, path: PATH, onWarning: () => {} });
      const id = `fresh${randomBytes(4).toString("hex")}`;
      await assert.rejects(refs.create(id, "first-try", duplicate), /duplicate key/, name);
      assert.equal(await backend.read(`wireguard/servers/${id}/private-key`), undefined, name);
      const ref = await refs.create(id, "second-try", async (r) => r);
      assert.equal(await refs.get(ref, id), "second-try", name);
    }
  });

  // rt4 F3: the undo of a create whose INSERT failed took the whole secret, a later writer's
  // version with it (providerRefs, storeRefs). One rule (stillCreatesOwn): only the create's
  // versions go while another's is current. Vault KV v1 keeps no versions: not here.
  it("a later writer's value, written between create and the failing INSERT, survives the undo", async () => {
    // The store provider is here only: its names refuse the `=` of the ids above.
    const storeProvider = async () => {
      const home = tempProject();
      initStore({ dir: join(home, ".strongbox"), env: { HOME: home } });
      return providerRefs("store", { env: { HOME: home }, baseDir: home });
    };
    let cases = 0;
    for (const [name, make] of Object.entries({ ...backends, "store provider": storeProvider })) {
      if (name === "vault kv1") continue;
      const backend = await make();
      const refs = secretRefs({ backend, path: PATH, onWarning: () => {} });
      const id = `srv${randomBytes(4).toString("hex")}`;
      const path = `wireguard/servers/${id}/private-key`;
      const theirs = `theirs-${randomBytes(6).toString("hex")}`;
      await assert.rejects(
        refs.create(id, "mine", async () => {
          await backend.write(path, theirs, {});
          return duplicate();
        }),
        /duplicate key/,
        name,
      );
      assert.equal(await backend.read(path), theirs, `${name}: the later writer's value`);
      cases++;
    }
    assert.equal(cases, 5);
  });

  it("a provider that cannot check-and-set refuses create() rather than risk an overwrite", async () => {
    const refs = secretRefs({ backend: providerRefs("aws-sm", { env: moto.env }), path: PATH });
    const id = `victimPub${randomBytes(4).toString("hex")}`;
    const ref = await refs.put(id, "victim-aws");
    await assert.rejects(refs.create(id, "attacker", duplicate), { code: "E_REF" });
    assert.equal(await refs.get(ref, id), "victim-aws");
  });

  it("on KV v2 the victim's earlier versions survive too", async () => {
    const refs = secretRefs({ backend: vaultRefs(vault), path: PATH });
    const id = `victimPub${randomBytes(4).toString("hex")}`;
    const ref = await refs.put(id, "v1");
    await refs.rotate(ref, id, "v2");
    await assert.rejects(refs.create(id, "attacker", duplicate), { code: "E_DATA_REF" });
    const path = `secret/wireguard/servers/${id}/private-key`;
    assert.equal((await vault.kvRead(path, { version: 1 }))?.data.value, "v1");
    assert.equal((await vault.kvRead(path, { version: 2 }))?.data.value, "v2");
    assert.equal((await vault.kvMetadata(path))?.current_version, 2);
  });
});
