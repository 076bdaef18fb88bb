import { existsSync, readFileSync } from "node:fs";
import { identityClaims } from "./claims.js";
import { type AuthMethod, login, missing, vaultEnv, vaultEnvName } from "./common.js";

/** Where Kubernetes projects a pod's service-account token. */
const PROJECTED = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * Kubernetes: the role (`vault.auth.role` or `VAULT_K8S_ROLE`) and the
 * pod's service-account token, read again at every login because the
 * kubelet rotates the projected file.
 */
export const kubernetesMethod: AuthMethod = {
  name: "kubernetes",
  needs: "$VAULT_K8S_ROLE in Kubernetes",
  present: ({ env }) => !!vaultEnv(env, "K8S_ROLE"),
  async login(context) {
    const { env, spec, origin } = context;
    const role = spec.role ?? vaultEnv(env, "K8S_ROLE");
    const named = vaultEnv(env, "K8S_JWT_FILE");
    const path = named || PROJECTED;
    if (!role || !existsSync(path)) throw missing("kubernetes", spec, [kubernetesMethod.needs]);
    const jwt = readFileSync(path, "utf8").trim();
    const mount = spec.mount ?? "kubernetes";
    const from = named ? origin(vaultEnvName(env, "K8S_JWT_FILE")) : PROJECTED;
    return login(context, {
      path: `${mount}/login`,
      body: { role, jwt },
      method: "kubernetes",
      source: `Kubernetes login (service-account token from ${from})`,
      mount,
      identity: { ...identityClaims(jwt) },
    });
  },
};
