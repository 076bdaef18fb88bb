import { readFileSync } from "node:fs";
import { StrongboxError } from "../../errors.js";
import type { VaultSpec } from "../../schema/types.js";
import { envValue } from "../../util/env-value.js";
import { vaultError } from "../errors.js";
import type { VaultHttp } from "../http.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** How Strongbox authenticates to Vault: the config's `vault.auth` (schema/types.ts), with the environment's scope. */
export interface VaultAuthSpec extends Omit<NonNullable<VaultSpec["auth"]>, "method"> {
  /** A name in the method table (auth/methods.ts): token, approle, jwt, kubernetes, aws, cert, userpass. */
  readonly method?: string;
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
  /**
   * Who the login says we are, beyond the role: the claims and names that
   * matter (a JWT's `sub`, `aud`, `iss`; a service account; a certificate's
   * common name). Never the credential itself.
   */
  readonly identity?: Readonly<Record<string, string>>;
}

/** What every method's login reads: the request, the environment, the config's `vault.auth`. */
export interface AuthContext {
  readonly http: VaultHttp;
  readonly env: Env;
  readonly spec: VaultAuthSpec;
  readonly signal: AbortSignal | undefined;
  /** The name a variable was set under by the user (the environment's prefix, when it has one). */
  origin(name: string): string;
  /** Whether ambient credentials (the token helper's file) may be used. */
  readonly ambient: boolean;
}

/**
 * One auth method: a file under src/vault/auth/ and a line in methods.ts.
 * `present` says whether this process was given the method's credentials
 * (detection, in the table's order); `login` obtains a token or throws
 * `E_VAULT_AUTH` naming the method and where its credential came from.
 */
export interface AuthMethod {
  readonly name: string;
  /** What to set for it, for the hint of "no credentials" (without a prefix). */
  readonly needs: string;
  present(context: AuthContext): boolean;
  login(context: AuthContext): Promise<Session>;
}

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
export function fromFile(
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
      { hint: `check ${origin(vaultEnvName(env, name))} points at a readable file` },
    );
  }
}

/** The value of the first of `names` set (non-empty) in `env`. */
export function firstSet(env: Env, names: readonly string[] = []): string | undefined {
  for (const name of names) {
    const value = envValue(env, name);
    if (value) return value;
  }
  return undefined;
}

/** How a login is sent and described: the request's path, and who to name when it fails. */
export interface LoginRequest {
  /** The path under `auth/`: `approle/login`, `userpass/login/alice`. */
  readonly path: string;
  readonly body: Record<string, string>;
  /** The method's name as `Session.method` carries it. */
  readonly method: string;
  /** Where the credential came from, in words: "AppRole login", "JWT login (JWT from VAULT_JWT_FILE)". */
  readonly source: string;
  /** The mount, for the hint. */
  readonly mount: string;
  /** Claims or names that matter, for `vault doctor` and audit (never the credential). */
  readonly identity?: Readonly<Record<string, string>>;
  /** The role asked for, when the login's metadata does not name it (AWS IAM's does not). */
  readonly role?: string;
}

/**
 * Sends a login and turns its answer into a session. A refusal is one
 * `E_VAULT_AUTH` naming the method and the credential's source with Vault's
 * reason (an expired JWT, a wrong audience, an unknown role), never the credential.
 */
export async function login(context: AuthContext, request: LoginRequest): Promise<Session> {
  const { http } = context;
  const sent = {
    method: "POST" as const,
    path: `auth/${request.path}`,
    body: request.body,
    signal: context.signal,
  };
  const response = await http.send(sent);
  const auth = response.body?.auth as
    | { client_token?: string; accessor?: string; metadata?: Record<string, unknown> | null }
    | undefined;
  if (response.status >= 400 || auth?.client_token === undefined) {
    const error = vaultError(sent, response, http.connection.address);
    throw new StrongboxError(
      "E_VAULT_AUTH",
      `${request.source} failed: ${error.message.replace(/^Vault /, "")}`,
      { hint: `check the ${request.method} credentials and the auth mount ${request.mount}` },
    );
  }
  const metadata = auth.metadata ?? {};
  const role = metadata.role_name ?? metadata.role ?? metadata.cert_name ?? request.role;
  const identity = { ...request.identity, ...namesIn(metadata) };
  return {
    token: auth.client_token,
    created: true,
    method: request.method,
    source: request.source,
    ...(typeof auth.accessor === "string" ? { accessor: auth.accessor } : {}),
    ...(typeof role === "string" ? { role } : {}),
    ...(Object.keys(identity).length === 0 ? {} : { identity }),
  };
}

/** The names a login's metadata gives that say who logged in (never a credential: Vault's metadata holds none). */
const IDENTITY_METADATA = [
  "common_name",
  "service_account_name",
  "service_account_namespace",
  // AWS IAM: the principal STS named, as Vault canonicalised it, and its account.
  "canonical_arn",
  "account_id",
];

function namesIn(metadata: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of IDENTITY_METADATA)
    if (typeof metadata[name] === "string") out[name] = metadata[name] as string;
  return out;
}

/** No credential for the method; the hint names what each method needs, under the environment's prefix. */
export function missing(
  method: string | undefined,
  spec: VaultAuthSpec,
  needs: readonly string[],
): StrongboxError {
  const p = spec.scope?.prefix ?? "";
  const also = (spec.tokenVariables ?? []).map((name) => `, ${p}${name}`).join("");
  const what = needs.map((need) => need.replace(/\$/g, p).replace("@ALSO", also));
  return new StrongboxError(
    "E_VAULT_AUTH",
    `${method === undefined ? "no Vault credentials found" : `no credentials for Vault ${method} auth`}${p === "" ? "" : ` under the environment's credentialPrefix ${p}`}`,
    { hint: `set ${what.join(", or ")}` },
  );
}
