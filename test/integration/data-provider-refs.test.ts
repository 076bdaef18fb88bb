// App-data refs kept by any provider that can write (issue 25): the same rows and values through
// the provider seam (providerRefs) as through the Vault-client backend (vaultRefs), on a real OpenBao.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { awsSecretsRefs, vaultRefs } from "../../src/data/backends.js";
import { providerRefs } from "../../src/data/provider-refs.js";
import { secretRefs } from "../../src/data/secret-refs.js";
import { knownSchemes } from "../../src/providers/registry.js";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, startBao } from "../helpers/bao.js";

const PATH = "wireguard/servers/{id}/private-key";

describe("app-data refs in any writable provider", () => {
  let bao: Bao;
  let vault: VaultClient;
  let env: Record<string, string>;
  before(async () => {
    bao = await startBao();
    env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    vault = VaultClient.fromEnv(env);
  });
  after(async () => {
    await vault?.close();
    await bao?.stop();
  });

  it("a row written through the vault provider reads back through vaultRefs, and the other way", async () => {
    const viaProvider = secretRefs({
      backend: providerRefs("vault", { env, prefix: "secret/", key: "value" }),
      path: PATH,
    });
    const viaClient = secretRefs({ backend: vaultRefs(vault), path: PATH });
    const id = `srv-${randomBytes(4).toString("hex")}=`;
    const canary = `private-${randomBytes(8).toString("hex")}`;
    const ref = await viaProvider.put(id, canary);
    assert.equal(ref, `vault:wireguard/servers/${id}/private-key`);
    assert.ok(!ref.includes(canary), "the ref holds no value");
    assert.equal(await viaClient.get(ref, id), canary);
    assert.equal(await viaProvider.get(ref, id), canary);
    const rotated = `rotated-${randomBytes(8).toString("hex")}`;
    assert.equal(await viaClient.rotate(ref, id, rotated), ref);
    assert.equal(await viaProvider.get(ref, id), rotated);
    await viaProvider.delete(ref, id);
    assert.equal(await vaultRefs(vault).read(`wireguard/servers/${id}/private-key`), undefined);
  });

  it("whether pure mode accepts a backend comes from the provider registry", () => {
    for (const scheme of knownSchemes())
      assert.equal(typeof providerRefs(scheme, { env }).pure, "boolean", scheme);
    assert.equal(providerRefs("vault", { env }).pure, true);
    assert.equal(providerRefs("store", { env }).pure, false);
    // The client-held backends ask the same registry.
    assert.equal(vaultRefs(vault).pure, true);
    assert.equal(awsSecretsRefs().pure, true);
  });

  it("a scheme no provider claims, or a provider that cannot write, is a usage error", async () => {
    assert.throws(
      () => providerRefs("nope", { env }),
      (error: Error & { code?: string }) => error.code === "E_USAGE",
    );
    const envBackend = providerRefs("env", { env });
    await assert.rejects(
      envBackend.write("APP_SECRET", "x", {}),
      (error: Error & { code?: string }) =>
        error.code === "E_USAGE" && /cannot keep values/.test(error.message),
    );
  });
});
