import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";
import { envValue } from "../util/env-value.js";
import { vaultError } from "./errors.js";
import type { VaultHttp } from "./http.js";

/** How Strongbox authenticates to Vault, as a config may state it (`vault.auth`). */
export interface VaultAuthSpec {
  readonly method?: "token" | "approle" | "kubernetes" | "userpass";
  /** The auth mount, when not the method's default name. */
  readonly mount?: string;
  /** The role for Kubernetes auth. */
  readonly role?: string;
  /**
   * More variables that hold the token, read after `BAO_TOKEN`/`VAULT_TOKEN`
   * and before `VAULT_TOKEN_FILE`, in order: `VAULT_APP_TOKEN`,
   * `VAULT_ROOT_TOKEN` (seed 000), `VAULT__TOKEN` (seed 002's nested
   * settings). The config check admits only names the credential rule
   * already classifies, so they stay out of child processes and templates.
   */
  readonly tokenVariables?: readonly string[];
  /**
   * More variables that hold the AppRole role ID and secret ID, read after
   * `VAULT_ROLE_ID`/`VAULT_SECRET_ID` (and their `BAO_` forms), in order:
   * `VAULT__ROLE_ID`, `VAULT__SECRET_ID` (seed 002's nested settings). The
   * config check admits only names the credential rule classifies.
   */
  readonly roleIdVariables?: readonly string[];
  readonly secretIdVariables?: readonly string[];
  /**
   * The environment's credential scope (environments/scope.ts), not a config
   * field: names the variables a credential really came from in messages, and
   * with `ambient: false` never reads the token helper's `~/.vault-token` (an
   * environment read with its own credentials alone must not borrow whichever
   * server's token `bao login` left there).
   */
  readonly scope?: {
    readonly prefix: string;
    readonly ambient: boolean;
    origin(name: string): string;
  };
}

/** A token in hand, and whether we created it (then we revoke it when done). */
export interface Session {
  readonly token: string;
  readonly created: boolean;
  readonly method: string;
  /** Where the credential came from, in words for errors: "token from ~/.vault-token", "AppRole login". */
  readonly source: string;
  /** The token's accessor (safe to log: it can look a token up or revoke it, not use it), from a login. */
  readonly accessor?: string;
  /** The role logged in as (AppRole's role name, the Kubernetes role), from a login. */
  readonly role?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `BAO_X`, else `VAULT_X`, as the official clients read them (an empty `BAO_X` wins). */
export function vaultEnv(env: Env, name: string): string | undefined {
  const bao = envValue(env, `BAO_${name}`);
  return bao !== undefined ? bao : envValue(env, `VAULT_${name}`);
}

/** Which of `BAO_X` and `VAULT_X` {@link vaultEnv} reads: the name to quote in a message. */
export function vaultEnvName(env: Env, name: string): string {
  return envValue(env, `BAO_${name}`) !== undefined ? `BAO_${name}` : `VAULT_${name}`;
}

/** The content of the file a `_FILE` variable names; `origin` names the variable as the user set it. */
function fromFile(
  env: Env,
  name: string,
  origin: (name: string) => string = (plain) => plain,
): string | undefined {
  const path = vaultEnv(env, name);
  if (path === undefined || path === "") return undefined;
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    throw new StrongboxError(
      "E_VAULT_AUTH",
      `cannot read ${name.toLowerCase().replaceAll("_", " ")} ${path}`,
      { hint: `check ${origin(variableName(env, name))} points at a readable file` },
    );
  }
}

/**
 * Obtains a token: a given token (`BAO_TOKEN`/`VAULT_TOKEN`, `VAULT_TOKEN_FILE`,
 * `~/.vault-token`), or a login with AppRole (`VAULT_ROLE_ID` and
 * `VAULT_SECRET_ID`, or their `_FILE` forms), Kubernetes (`VAULT_K8S_ROLE` and
 * the service-account JWT) or userpass (`VAULT_USERNAME`, `VAULT_PASSWORD`).
 * The method is the config's, else the first whose credentials are present.
 */
export async function authenticate(
  http: VaultHttp,
  env: Env,
  spec: VaultAuthSpec = {},
  signal?: AbortSignal,
): Promise<Session> {
  const helper = spec.scope?.ambient !== false;
  const origin = spec.scope?.origin ?? ((name: string) => name);
  const named = spec.tokenVariables ?? [];
  const noCredentials = (method: string | undefined) =>
    missing(method, spec.scope?.prefix ?? "", named);
  const method =
    spec.method ??
    detectMethod(env, helper, noCredentials, origin, named, spec.roleIdVariables ?? []);
  switch (method) {
    case "token": {
      const given = givenToken(env, origin, named) ?? (helper ? helperToken(env) : undefined);
      if (given === undefined) throw noCredentials("token");
      return { token: given.token, created: false, method, source: given.source };
    }
    case "approle": {
      const roleId =
        vaultEnv(env, "ROLE_ID") ||
        firstSet(env, spec.roleIdVariables) ||
        fromFile(env, "ROLE_ID_FILE", origin);
      const secretId =
        vaultEnv(env, "SECRET_ID") ||
        firstSet(env, spec.secretIdVariables) ||
        fromFile(env, "SECRET_ID_FILE", origin);
      if (!roleId) throw noCredentials("approle");
      return login(
        http,
        spec.mount ?? "approle",
        { role_id: roleId, ...(secretId ? { secret_id: secretId } : {}) },
        "AppRole login",
        signal,
      );
    }
    case "kubernetes": {
      const role = spec.role ?? vaultEnv(env, "K8S_ROLE");
      const jwtPath =
        vaultEnv(env, "K8S_JWT_FILE") || "/var/run/secrets/kubernetes.io/serviceaccount/token";
      if (!role || !existsSync(jwtPath)) throw noCredentials("kubernetes");
      return login(
        http,
        spec.mount ?? "kubernetes",
        { role, jwt: readFileSync(jwtPath, "utf8").trim() },
        "Kubernetes login",
        signal,
      );
    }
    case "userpass": {
      const username = vaultEnv(env, "USERNAME");
      const password = vaultEnv(env, "PASSWORD");
      if (!username || !password) throw noCredentials("userpass");
      return login(
        http,
        `${spec.mount ?? "userpass"}/login/${encodeURIComponent(username)}`,
        { password },
        "userpass login",
        signal,
        true,
      );
    }
  }
}

/**
 * Explicit credentials win over ambient ones: a token or login variables set
 * for this process, in that order, and the token helper's `~/.vault-token`
 * only when nothing explicit is set. A stale token left in the home directory
 * by an earlier `bao login` must never shadow the AppRole this process was
 * given.
 */
function detectMethod(
  env: Env,
  helper: boolean,
  noCredentials: (method: undefined) => StrongboxError,
  origin: (name: string) => string,
  named: readonly string[],
  roleIds: readonly string[],
): "token" | "approle" | "kubernetes" | "userpass" {
  if (givenToken(env, origin, named) !== undefined) return "token";
  if (vaultEnv(env, "ROLE_ID") || vaultEnv(env, "ROLE_ID_FILE") || firstSet(env, roleIds))
    return "approle";
  if (vaultEnv(env, "K8S_ROLE")) return "kubernetes";
  if (vaultEnv(env, "USERNAME")) return "userpass";
  if (helper && helperToken(env) !== undefined) return "token";
  throw noCredentials(undefined);
}

/** The value of the first of `names` set (non-empty) in `env`. */
function firstSet(env: Env, names: readonly string[] = []): string | undefined {
  for (const name of names) {
    const value = envValue(env, name);
    if (value) return value;
  }
  return undefined;
}

function givenToken(
  env: Env,
  origin: (name: string) => string,
  named: readonly string[],
): { token: string; source: string } | undefined {
  const direct = vaultEnv(env, "TOKEN");
  if (direct) return { token: direct, source: `token from ${origin(variableName(env, "TOKEN"))}` };
  for (const name of named) {
    const token = envValue(env, name);
    if (token) return { token, source: `token from ${origin(name)}` };
  }
  const fromPath = fromFile(env, "TOKEN_FILE", origin);
  if (fromPath)
    return { token: fromPath, source: `token from ${origin(variableName(env, "TOKEN_FILE"))}` };
  return undefined;
}

/**
 * The token helper's file, in the HOME of the environment given: never the
 * home of whatever process runs the library, so a caller (or a test) that
 * passes its own environment sees only its own files, as the Go client does.
 */
function helperToken(env: Env): { token: string; source: string } | undefined {
  const home = envValue(env, "HOME");
  if (home === undefined || home === "") return undefined;
  const helper = join(home, ".vault-token");
  if (!existsSync(helper)) return undefined;
  const token = readFileSync(helper, "utf8").trim();
  return token === "" ? undefined : { token, source: "token from ~/.vault-token" };
}

/** Which of `BAO_X` and `VAULT_X` supplied a value, for messages. */
function variableName(env: Env, name: string): string {
  return envValue(env, `BAO_${name}`) !== undefined ? `BAO_${name}` : `VAULT_${name}`;
}

async function login(
  http: VaultHttp,
  mount: string,
  body: Record<string, string>,
  source: string,
  signal: AbortSignal | undefined,
  exactPath = false,
): Promise<Session> {
  const method = source.split(" ")[0]?.toLowerCase() ?? "login";
  const request = {
    method: "POST" as const,
    path: exactPath ? `auth/${mount}` : `auth/${mount}/login`,
    body,
    signal,
  };
  const response = await http.send(request);
  const auth = response.body?.auth as
    | { client_token?: string; accessor?: string; metadata?: Record<string, unknown> | null }
    | undefined;
  if (response.status >= 400 || auth?.client_token === undefined) {
    const error = vaultError(request, response, http.connection.address);
    throw new StrongboxError(
      "E_VAULT_AUTH",
      `${source} failed: ${error.message.replace(/^Vault /, "")}`,
      { hint: `check the ${method} credentials and the auth mount ${mount}` },
    );
  }
  const role = auth.metadata?.role_name ?? auth.metadata?.role;
  return {
    token: auth.client_token,
    created: true,
    method,
    source,
    ...(typeof auth.accessor === "string" ? { accessor: auth.accessor } : {}),
    ...(typeof role === "string" ? { role } : {}),
  };
}

/** No credential for the method; `prefix` is the environment's `credentialPrefix`, whose variables the hint names. */
function missing(
  method: string | undefined,
  prefix: string,
  named: readonly string[],
): StrongboxError {
  const p = prefix;
  const also = named.map((name) => `, ${p}${name}`).join("");
  return new StrongboxError(
    "E_VAULT_AUTH",
    `${method === undefined ? "no Vault credentials found" : `no credentials for Vault ${method} auth`}${p === "" ? "" : ` under the environment's credentialPrefix ${p}`}`,
    {
      hint: `set ${p}VAULT_TOKEN (or ${p}BAO_TOKEN${also}), or ${p}VAULT_ROLE_ID and ${p}VAULT_SECRET_ID for AppRole, or ${p}VAULT_K8S_ROLE in Kubernetes`,
    },
  );
}
