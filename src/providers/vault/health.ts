import type { VaultSpec } from "../../schema/types.js";
import type { HealthCheck, HealthContext } from "../provider.js";

/**
 * Vault's line in `strongbox doctor`: whether the server answers, is
 * unsealed, and accepts the token (with the policies it carries). Asked when
 * the project reads Vault or `VAULT_ADDR`/`BAO_ADDR` points at one; the client
 * is loaded only then.
 */
export async function vaultHealth(context: HealthContext): Promise<HealthCheck | undefined> {
  if (!context.used && !context.env.VAULT_ADDR && !context.env.BAO_ADDR) return undefined;
  const { VaultClient } = await import("../../vault/client.js");
  const client = VaultClient.fromEnv(context.env, (context.config as { vault?: VaultSpec }).vault);
  try {
    const health = await client.health();
    if (health.sealed === true)
      return {
        check: "vault",
        status: "fail",
        detail: `${client.http.connection.address} is sealed`,
        hint: "unseal it",
      };
    const self = await client.lookupSelf();
    return {
      check: "vault",
      status: "ok",
      detail: `${client.http.connection.address} answers (version ${String(health.version ?? "?")}); token accepted, policies ${self.policies.join(", ")}`,
    };
  } catch (error) {
    const known = error as { message?: string; hint?: string };
    return {
      check: "vault",
      status: "fail",
      detail: known.message ?? "Vault cannot be reached",
      ...(known.hint === undefined ? {} : { hint: known.hint }),
    };
  } finally {
    await client.close();
  }
}
