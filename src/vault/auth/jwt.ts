import { identityClaims } from "./claims.js";
import {
  type AuthContext,
  type AuthMethod,
  fromFile,
  login,
  missing,
  vaultEnv,
  vaultEnvName,
} from "./common.js";
import { githubIdToken, githubRunnerPresent } from "./github-oidc.js";

/**
 * JWT/OIDC (`auth/jwt`): a CI provider's or identity provider's signed token
 * instead of a long-lived secret. The token comes from `VAULT_JWT`, the file
 * `VAULT_JWT_FILE` names (read again at every login: such files rotate), or
 * the GitHub Actions runner's request (`ACTIONS_ID_TOKEN_REQUEST_URL` and
 * `_TOKEN`, with the audience `vault.auth.audience` or `VAULT_JWT_AUDIENCE`).
 * The role is `vault.auth.role` or `VAULT_JWT_ROLE` (none: the mount's `default_role`).
 */
export const jwtMethod: AuthMethod = {
  name: "jwt",
  needs:
    "$VAULT_JWT or $VAULT_JWT_FILE (or, in GitHub Actions with `id-token: write`, $VAULT_JWT_ROLE) for JWT",
  present: ({ env }) =>
    !!(vaultEnv(env, "JWT") || vaultEnv(env, "JWT_FILE")) ||
    (!!vaultEnv(env, "JWT_ROLE") && githubRunnerPresent(env)),
  async login(context) {
    const { env, spec } = context;
    const { jwt, from } = await jwtOf(context);
    const role = spec.role ?? (vaultEnv(env, "JWT_ROLE") || undefined);
    const mount = spec.mount ?? "jwt";
    const source = `JWT login (token from ${from})`;
    return login(context, {
      path: `${mount}/login`,
      body: { jwt, ...(role === undefined ? {} : { role }) },
      method: "jwt",
      source,
      mount,
      identity: { ...identityClaims(jwt) },
    });
  },
};

/** The token and, in words, where it came from (a variable, a file, the runner). */
async function jwtOf(context: AuthContext): Promise<{ jwt: string; from: string }> {
  const { env, spec, origin, signal } = context;
  const direct = vaultEnv(env, "JWT");
  if (direct) return { jwt: direct.trim(), from: origin(vaultEnvName(env, "JWT")) };
  const file = fromFile(env, "JWT_FILE", origin);
  if (file) return { jwt: file, from: `the file ${origin(vaultEnvName(env, "JWT_FILE"))} names` };
  if (githubRunnerPresent(env)) {
    const audience = spec.audience ?? (vaultEnv(env, "JWT_AUDIENCE") || undefined);
    return { jwt: await githubIdToken(env, audience, signal), from: "the GitHub Actions runner" };
  }
  throw missing("jwt", spec, [jwtMethod.needs]);
}
