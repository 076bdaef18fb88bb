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
  const settings = (context.config as { vault?: VaultSpec }).vault;
  // A laptop that reads Vault only in production has no address: that is how this machine
  // stands, not a reason to stop the other checks.
  if (!context.env.VAULT_ADDR && !context.env.BAO_ADDR && !settings?.address)
    return {
      check: "vault",
      status: "warn",
      detail:
        "not configured: the project reads vault:// refs, but VAULT_ADDR (or BAO_ADDR) is not set",
      hint: "export VAULT_ADDR (and VAULT_TOKEN, or the config's vault.auth) to check Vault from here; environments that read Vault need them",
    };
  const { VaultClient } = await import("../../vault/client.js");
  const client = VaultClient.fromEnv(context.env, settings);
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
