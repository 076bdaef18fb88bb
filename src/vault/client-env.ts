import { StrongboxError } from "../errors.js";
import { insecureTransport } from "../security/transport.js";
import { envValue } from "../util/env-value.js";
import { type VaultAuthSpec, vaultEnv, vaultEnvName } from "./auth.js";
import type { VaultConnection } from "./http.js";

/** Settings a config may give for Vault (`vault:` in strongbox.config). */
export interface VaultSettings {
  readonly address?: string;
  /**
   * More variables that hold the address, read after `BAO_ADDR`/`VAULT_ADDR`
   * and before `address`, in order: `VAULT__ADDR` (seed 002's nested settings).
   */
  readonly addressVariables?: readonly string[];
  readonly namespace?: string;
  readonly auth?: VaultAuthSpec;
  readonly allowInsecure?: boolean;
}

/** How {@link connectionFromEnv} builds: pure mode's checks, and the environment's credential scope. */
export interface FromEnvOptions {
  strict?: boolean;
  /** The environment's credential scope (see `VaultAuthSpec.scope`). */
  scope?: VaultAuthSpec["scope"];
}

/**
 * The connection and auth a client gets from `BAO_*`/`VAULT_*` variables, then
 * the config. Throws `E_VAULT_UNREACHABLE` when no address is known.
 */
export function connectionFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  settings: VaultSettings,
  options: FromEnvOptions,
): { connection: VaultConnection; auth: VaultAuthSpec } {
  const address = loginAddress(env, settings, options.scope);
  if (!address) {
    throw new StrongboxError(
      "E_VAULT_UNREACHABLE",
      `no Vault address: VAULT_ADDR (or ${["BAO_ADDR", ...(settings.addressVariables ?? [])].join(", ")}) is not set`,
      {
        hint: "export VAULT_ADDR=https://vault.example.com:8200, or set vault.address in the config",
      },
    );
  }
  const namespace = vaultEnv(env, "NAMESPACE") || settings.namespace;
  const tls = {
    ca: vaultEnv(env, "CACERT") || undefined,
    caPath: vaultEnv(env, "CAPATH") || undefined,
    cert: vaultEnv(env, "CLIENT_CERT") || undefined,
    key: vaultEnv(env, "CLIENT_KEY") || undefined,
    names: {
      ca: vaultEnvName(env, "CACERT"),
      caPath: vaultEnvName(env, "CAPATH"),
      cert: vaultEnvName(env, "CLIENT_CERT"),
      key: vaultEnvName(env, "CLIENT_KEY"),
    },
    serverName: vaultEnv(env, "TLS_SERVER_NAME") || undefined,
    skipVerify: ["1", "true"].includes(vaultEnv(env, "SKIP_VERIFY") ?? ""),
  };
  if (options.strict === true && settings.allowInsecure !== true) refuseInsecure(address, tls);
  const auth = settings.auth ?? {};
  return {
    connection: { address, namespace, tls },
    auth: options.scope === undefined ? auth : { ...auth, scope: options.scope },
  };
}

/**
 * Where a login's credentials are sent: `BAO_ADDR`/`VAULT_ADDR` (then the
 * config's `addressVariables`), else the config's `vault.address`. Once an
 * environment's own (prefixed) credentials are in force, the address comes
 * from the same scope: a prefixed variable (`PRODUCTION_VAULT_ADDR`), else
 * the config (`environments.NAME.vault.address` over `vault.address`), never
 * a plain variable the process happens to have, which would send one
 * environment's login to whichever server the ambient `VAULT_ADDR` names.
 */
function loginAddress(
  env: Readonly<Record<string, string | undefined>>,
  settings: VaultSettings,
  scope: VaultAuthSpec["scope"],
): string | undefined {
  const variables = [vaultEnvName(env, "ADDR"), ...(settings.addressVariables ?? [])];
  const set = variables.find((name) => !!envValue(env, name));
  const value = set === undefined ? undefined : envValue(env, set);
  if (scope === undefined || scope.ambient) return value || settings.address;
  if (set !== undefined && scope.origin(set) !== set) return value;
  if (settings.address) return settings.address;
  if (set === undefined) return undefined;
  throw new StrongboxError(
    "E_CONFIG",
    `the environment's own credentials (${scope.prefix}…) are in force, but its Vault address would be the plain ${set}, which is not its own`,
    {
      hint: `set ${scope.prefix}VAULT_ADDR, or vault.address under this environment in the config (environments.NAME.vault.address); a login's credentials are never sent to the ambient ${set}`,
    },
  );
}

/**
 * Pure Vault mode sends its token only over verified TLS: plain `http://` or
 * `VAULT_SKIP_VERIFY` would hand it to anyone on the path. Refused before any
 * connection is made, unless the config sets `vault.allowInsecure`.
 */
function refuseInsecure(address: string, tls: { skipVerify: boolean }): void {
  if (!URL.canParse(address))
    throw new StrongboxError("E_VAULT", `the Vault address ${address} is not a URL`, {
      hint: "set VAULT_ADDR to https://host:8200",
    });
  const why = insecureTransport(address, tls.skipVerify);
  if (why === undefined) return;
  throw new StrongboxError(
    "E_VAULT_INSECURE",
    `pure Vault mode refuses an insecure connection: ${why}`,
    {
      hint: "use https:// with a trusted certificate (VAULT_CACERT for a private CA); only for a lab, set vault.allowInsecure: true in the config, and every run will warn",
    },
  );
}
