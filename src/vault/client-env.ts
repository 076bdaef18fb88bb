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
  const address =
    vaultEnv(env, "ADDR") ||
    (settings.addressVariables ?? []).map((name) => envValue(env, name)).find((value) => !!value) ||
    settings.address;
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
