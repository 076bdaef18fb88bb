// Azure Key Vault rows: 100 secrets resolved by Strongbox (concurrent gets, one bearer
// challenge) against one SDK getSecret per secret in sequence, on the loopback Key
// Vault of the tests with the real SDK and @azure/identity; requests counted by the
// server, token challenges included.
import { readFileSync } from "node:fs";
import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { ConfigSpec } from "../src/schema/types.js";
import { startFakeKeyVault } from "../test/helpers/azure-kv.js";
import { type ComparisonRow, compare, resolveAll } from "./compare.js";

/** `latencyMs`: the simulated round trip to the vault (0 on loopback; a real vault is tens of ms away). */
export async function azureRows(runs: number, latencyMs: number): Promise<ComparisonRow[]> {
  const kv = await startFakeKeyVault({ latencyMs });
  try {
    const names = Array.from({ length: 100 }, (_, i) => `bench-secret-${i}`);
    for (const name of names) kv.setSecret(name, `value-of-${name}`);
    const env = { ...kv.env, HOME: "/nonexistent" };
    const sections = {
      azure: { vaults: { bench: kv.url }, caFile: kv.caFile },
    } as unknown as Partial<ConfigSpec>; // provider sections are open-ended in the spec type
    const tls = { tlsOptions: { ca: readFileSync(kv.caFile, "utf8") } };
    return await compare(
      () => kv.requests.length,
      runs,
      [
        `strongbox: resolve 100 Key Vault secrets (concurrent gets), ${latencyMs} ms round trip`,
        `one getSecret per secret, in sequence, ${latencyMs} ms round trip`,
      ],
      () =>
        resolveAll(
          names.map((name) => `azure-kv://bench/${name}`),
          env,
          sections,
        ),
      async () => {
        const credential = new ClientSecretCredential(
          kv.env.AZURE_TENANT_ID as string,
          kv.env.AZURE_CLIENT_ID as string,
          kv.env.AZURE_CLIENT_SECRET as string,
          { ...tls, authorityHost: kv.url, disableInstanceDiscovery: true },
        );
        const client = new SecretClient(kv.url, credential, {
          ...tls,
          disableChallengeResourceVerification: true,
        });
        for (const name of names) await client.getSecret(name);
      },
    );
  } finally {
    await kv.stop();
  }
}
