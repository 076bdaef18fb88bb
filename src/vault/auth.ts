import {
  type AuthContext,
  type AuthMethod,
  type Env,
  missing,
  type Session,
  type VaultAuthSpec,
} from "./auth/common.js";
import { AUTH_METHODS, authMethod } from "./auth/methods.js";
import { helperToken, tokenMethod } from "./auth/token.js";
import type { VaultHttp } from "./http.js";

export type { Session, VaultAuthSpec } from "./auth/common.js";
export { vaultEnv, vaultEnvName } from "./auth/common.js";
export { AUTH_METHOD_NAMES } from "./auth/methods.js";

/**
 * Obtains a token with the config's method (`vault.auth.method`), else the
 * first in the method table (auth/methods.ts) whose credentials this process
 * was given: a token (`BAO_TOKEN`/`VAULT_TOKEN`, `VAULT_TOKEN_FILE`), AppRole,
 * JWT/OIDC, Kubernetes, userpass, a TLS client certificate; only when none is
 * present, the token helper's `~/.vault-token`.
 */
export async function authenticate(
  http: VaultHttp,
  env: Env,
  spec: VaultAuthSpec = {},
  signal?: AbortSignal,
): Promise<Session> {
  const context: AuthContext = {
    http,
    env,
    spec,
    signal,
    origin: spec.scope?.origin ?? ((name: string) => name),
    ambient: spec.scope?.ambient !== false,
  };
  return chosenMethod(context).login(context);
}

/**
 * Explicit credentials win over ambient ones: a token or login variables set
 * for this process, in the table's order, and the token helper's
 * `~/.vault-token` only when nothing explicit is set. A stale token left in
 * the home directory by an earlier `bao login` must never shadow the AppRole
 * this process was given.
 */
function chosenMethod(context: AuthContext): AuthMethod {
  const named = context.spec.method;
  if (named !== undefined) {
    const method = authMethod(named);
    // The config check refuses an unknown name; a library caller gets the same words.
    if (method === undefined) throw missing(named, context.spec, needs());
    return method;
  }
  const present = AUTH_METHODS.find((method) => method.present(context));
  if (present !== undefined) return present;
  if (context.ambient && helperToken(context.env) !== undefined) return tokenMethod;
  throw missing(undefined, context.spec, needs());
}

function needs(): string[] {
  return AUTH_METHODS.map((method) => method.needs);
}
