import { type AuthMethod, login, missing, vaultEnv } from "./common.js";

/** userpass, for people: `VAULT_USERNAME` and `VAULT_PASSWORD`. */
export const userpassMethod: AuthMethod = {
  name: "userpass",
  needs: "$VAULT_USERNAME and $VAULT_PASSWORD for userpass",
  present: ({ env }) => !!vaultEnv(env, "USERNAME"),
  async login(context) {
    const username = vaultEnv(context.env, "USERNAME");
    const password = vaultEnv(context.env, "PASSWORD");
    if (!username || !password) throw missing("userpass", context.spec, [userpassMethod.needs]);
    const mount = context.spec.mount ?? "userpass";
    return login(context, {
      path: `${mount}/login/${encodeURIComponent(username)}`,
      body: { password },
      method: "userpass",
      source: "userpass login",
      mount,
    });
  },
};
