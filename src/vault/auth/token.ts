import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { envValue } from "../../util/env-value.js";
import {
  type AuthContext,
  type AuthMethod,
  type Env,
  fromFile,
  missing,
  vaultEnv,
  vaultEnvName,
} from "./common.js";

/**
 * A token given to this process: `BAO_TOKEN`/`VAULT_TOKEN`, the config's
 * `tokenVariables`, `VAULT_TOKEN_FILE`; else (ambient, only when no method's
 * credentials are present) the token helper's `~/.vault-token`.
 */
export const tokenMethod: AuthMethod = {
  name: "token",
  needs: "$VAULT_TOKEN (or $BAO_TOKEN@ALSO)",
  present: (context) => givenToken(context) !== undefined,
  async login(context) {
    const given = givenToken(context) ?? (context.ambient ? helperToken(context.env) : undefined);
    if (given === undefined) throw missing("token", context.spec, [tokenMethod.needs]);
    return { token: given.token, created: false, method: "token", source: given.source };
  },
};

function givenToken(context: AuthContext): { token: string; source: string } | undefined {
  const { env, origin } = context;
  const direct = vaultEnv(env, "TOKEN");
  if (direct) return { token: direct, source: `token from ${origin(vaultEnvName(env, "TOKEN"))}` };
  for (const name of context.spec.tokenVariables ?? []) {
    const token = envValue(env, name);
    if (token) return { token, source: `token from ${origin(name)}` };
  }
  const fromPath = fromFile(env, "TOKEN_FILE", origin);
  if (fromPath)
    return { token: fromPath, source: `token from ${origin(vaultEnvName(env, "TOKEN_FILE"))}` };
  return undefined;
}

/**
 * The token helper's file, in the HOME of the environment given: never the
 * home of whatever process runs the library, so a caller (or a test) that
 * passes its own environment sees only its own files, as the Go client does.
 */
export function helperToken(env: Env): { token: string; source: string } | undefined {
  const home = envValue(env, "HOME");
  if (home === undefined || home === "") return undefined;
  const helper = join(home, ".vault-token");
  if (!existsSync(helper)) return undefined;
  const token = readFileSync(helper, "utf8").trim();
  return token === "" ? undefined : { token, source: "token from ~/.vault-token" };
}
