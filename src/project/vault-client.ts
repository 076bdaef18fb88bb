import { environmentScope, type ScopeOptions } from "../environments/scope.js";
import type { ConfigSpec, VaultSpec } from "../schema/types.js";
import { VaultClient } from "../vault/client.js";

/**
 * The Vault client an environment's secrets are read with: its own `vault:`
 * settings over the top-level ones, its `credentialPrefix` variables, and
 * pure Vault mode's transport rule when `strict`. Every command that talks
 * to an environment's Vault builds its client here, so `render -e production`
 * and `migrate --env production` reach the server `run -e production` reads.
 */
export function vaultClientFor(
  config: ConfigSpec,
  environment: string | undefined,
  processEnv: Readonly<Record<string, string | undefined>>,
  options: ScopeOptions & { readonly strict?: boolean } = {},
): VaultClient {
  const scope = environmentScope(config, environment, processEnv, options);
  return VaultClient.fromEnv(scope.processEnv, (scope.section("vault") ?? {}) as VaultSpec, {
    ...(options.strict === undefined ? {} : { strict: options.strict }),
    ...(scope.credentials === undefined ? {} : { scope: scope.credentials }),
  });
}
