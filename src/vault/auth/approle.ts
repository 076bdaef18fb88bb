import {
  type AuthContext,
  type AuthMethod,
  firstSet,
  fromFile,
  login,
  missing,
  vaultEnv,
} from "./common.js";

/** AppRole: `VAULT_ROLE_ID` and `VAULT_SECRET_ID` (or their `_FILE` forms, or the config's extra names). */
export const approleMethod: AuthMethod = {
  name: "approle",
  needs: "$VAULT_ROLE_ID and $VAULT_SECRET_ID for AppRole",
  present: ({ env, spec }) =>
    !!(
      vaultEnv(env, "ROLE_ID") ||
      vaultEnv(env, "ROLE_ID_FILE") ||
      firstSet(env, spec.roleIdVariables)
    ),
  async login(context: AuthContext) {
    const { env, spec, origin } = context;
    const roleId =
      vaultEnv(env, "ROLE_ID") ||
      firstSet(env, spec.roleIdVariables) ||
      fromFile(env, "ROLE_ID_FILE", origin);
    const secretId =
      vaultEnv(env, "SECRET_ID") ||
      firstSet(env, spec.secretIdVariables) ||
      fromFile(env, "SECRET_ID_FILE", origin);
    if (!roleId) throw missing("approle", spec, [approleMethod.needs]);
    const mount = spec.mount ?? "approle";
    return login(context, {
      path: `${mount}/login`,
      body: { role_id: roleId, ...(secretId ? { secret_id: secretId } : {}) },
      method: "approle",
      source: "AppRole login",
      mount,
    });
  },
};
