import { type AuthMethod, login, missing, vaultEnv, vaultEnvName } from "./common.js";

/**
 * TLS certificates (`auth/cert`): the client certificate and key
 * (`VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY`) are the TLS identity of every
 * request the connection makes (http.ts, tls-files.ts); the login is a
 * request over that connection, naming the certificate role
 * (`vault.auth.role`, `VAULT_CERT_ROLE`) or, without one, letting Vault match any.
 */
export const certMethod: AuthMethod = {
  name: "cert",
  needs: "$VAULT_CLIENT_CERT and $VAULT_CLIENT_KEY for TLS certificate auth",
  present: ({ env }) => !!(vaultEnv(env, "CLIENT_CERT") && vaultEnv(env, "CLIENT_KEY")),
  async login(context) {
    const { env, spec, origin } = context;
    if (!certMethod.present(context)) throw missing("cert", spec, [certMethod.needs]);
    const role = spec.role ?? (vaultEnv(env, "CERT_ROLE") || undefined);
    const mount = spec.mount ?? "cert";
    return login(context, {
      path: `${mount}/login`,
      body: role === undefined ? {} : { name: role },
      method: "cert",
      source: `TLS certificate login (certificate from ${origin(vaultEnvName(env, "CLIENT_CERT"))})`,
      mount,
    });
  },
};
