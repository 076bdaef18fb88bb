import { StrongboxError } from "../errors.js";
import { isLoopbackUrl, unsafeIdentityUrl } from "../security/transport.js";
import type { VaultClient } from "../vault/client.js";
import { aclPath, type Grant, type SetupPlan, writePolicyIfChanged } from "./setup.js";
import { FRESH_DEFAULTS, GENERATED, type LoginRole, MOUNT_URLS } from "./setup-login.js";
import { refuseForeignPolicy } from "./setup-owner.js";

/** What `vault setup --method` did for one grant. */
export interface LoginSetupResult {
  /** The policy's and the role's name. */
  readonly name: string;
  readonly method: LoginRole["method"];
  /** The auth mount (`jwt` → `auth/jwt/`). */
  readonly mount: string;
  readonly changed: { readonly policy: boolean; readonly role: boolean; readonly config: boolean };
}

/**
 * Carries out a login-method plan ({@link SetupPlan.logins}). Every existing
 * policy and role is judged before anything is written, so a refusal leaves
 * Vault as it was: a policy setup did not write, or a role that carries any
 * other policy (or whose policy is absent: made by someone in advance), is
 * never taken over, and neither is a mount whose configuration names a URL
 * Vault calls to verify identities that is not https (or loopback): the
 * values setup would write and the ones it would keep are judged alike
 * (`unsafeIdentityUrl`). A role of setup's that holds anything but setup's
 * settings (a wider audience, templated policies, no max TTL, bound CIDRs
 * removed…) is deleted and written again, so it ends with exactly setup's
 * settings and the method's defaults. Idempotent: what already matches is
 * left alone.
 */
export async function applyLoginSetup(
  plan: SetupPlan,
  client: VaultClient,
): Promise<LoginSetupResult[]> {
  const logins = plan.logins ?? [];
  const found: Array<{ policy: string | undefined; role: Record<string, unknown> | undefined }> =
    [];
  for (const [index, grant] of plan.grants.entries()) {
    found.push(await existing(grant, logins[index] as LoginRole, client));
    await refuseUnsafeMountUrls(logins[index] as LoginRole, client);
  }
  const results: LoginSetupResult[] = [];
  for (const [index, grant] of plan.grants.entries()) {
    const login = logins[index] as LoginRole;
    const { policy, role } = found[index] as (typeof found)[number];
    await enableMount(login, client);
    const config = await configure(login, client);
    const policyChanged = await writePolicyIfChanged(client, grant, policy);
    const roleChanged = role === undefined || !asSetupWritesIt(role, login);
    if (role !== undefined && roleChanged)
      await client.call({ method: "DELETE", path: login.path });
    if (roleChanged) await client.call({ method: "POST", path: login.path, body: login.body });
    results.push({
      name: grant.name,
      method: login.method,
      mount: login.mount,
      changed: { policy: policyChanged, role: roleChanged, config },
    });
  }
  return results;
}

/** The grant's policy and role as Vault has them; refuses either when setup did not make it for this grant. */
async function existing(grant: Grant, login: LoginRole, client: VaultClient) {
  const read = await client.call({ method: "GET", path: aclPath(grant.name) }, [404]);
  const policy = (read.body?.data as { policy?: string } | undefined)?.policy;
  refuseForeignPolicy(grant, policy);
  const found = await client.call({ method: "GET", path: login.path }, [404]);
  if (found.status === 404) return { policy, role: undefined };
  const role = (found.body?.data ?? {}) as Record<string, unknown>;
  const own = (list: unknown) => Array.isArray(list) && list.length === 1 && list[0] === grant.name;
  const empty = (list: unknown) => list == null || (Array.isArray(list) && list.length === 0);
  if (
    own(role.token_policies) &&
    (empty(role.policies) || own(role.policies)) &&
    policy !== undefined
  )
    return { policy, role };
  throw new StrongboxError(
    "E_CONFIG",
    `vault setup: the ${login.method} role ${grant.name} at auth/${login.mount}/ exists ${policy === undefined ? `but its policy ${grant.name} does not` : `with the policies ${JSON.stringify(role.token_policies ?? [])}`}, so vault setup did not make it; nothing was changed`,
    {
      hint: `read it with \`bao read ${login.path}\`: delete it if it is stale, or rename the project, environment or component`,
    },
  );
}

/**
 * Whether a role read back holds exactly what setup writes: each field of
 * its body, the method's fresh defaults, and nothing else but empty values.
 * A field setup never heard of that someone set counts as a change.
 */
function asSetupWritesIt(role: Readonly<Record<string, unknown>>, login: LoginRole): boolean {
  const expected: Record<string, unknown> = { ...FRESH_DEFAULTS[login.method], ...login.body };
  const keys = new Set([...Object.keys(role), ...Object.keys(expected)]);
  for (const key of GENERATED[login.method]) keys.delete(key);
  return [...keys].every((key) =>
    Object.hasOwn(expected, key) ? same(role[key], expected[key]) : isEmpty(role[key]),
  );
}

/** Equal as Vault reads it back: it trims PEM text (a string, or strings in a list). */
function same(found: unknown, wanted: unknown): boolean {
  const trimmed = (value: unknown): unknown =>
    typeof value === "string" ? value.trim() : Array.isArray(value) ? value.map(trimmed) : value;
  return JSON.stringify(trimmed(found)) === JSON.stringify(trimmed(wanted));
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === "" || value === 0 || value === false)
    return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value).length === 0;
}

/** Enables the method at its mount when nothing is mounted there; refuses another method's mount. */
async function enableMount(login: LoginRole, client: VaultClient): Promise<void> {
  const auths = (await client.call({ method: "GET", path: "sys/auth" })).body as Record<
    string,
    unknown
  >;
  const mounted = ((auths.data as Record<string, unknown> | undefined) ?? auths)[`${login.mount}/`];
  if (mounted === undefined) {
    await client.call({
      method: "POST",
      path: `sys/auth/${login.mount}`,
      body: { type: login.method },
    });
    return;
  }
  const type = (mounted as { type?: unknown }).type;
  if (type !== login.method)
    throw new StrongboxError(
      "E_CONFIG",
      `vault setup: auth/${login.mount}/ is a ${String(type)} mount, not ${login.method}; nothing was changed`,
      { hint: `give the ${login.method} mount's path with --mount` },
    );
}

/** Writes the mount's configuration (JWT issuer, AWS STS endpoint) when asked and different; whether it wrote. */
async function configure(login: LoginRole, client: VaultClient): Promise<boolean> {
  if (login.config === undefined) return false;
  const current = await client.call({ method: "GET", path: login.config.path }, [404]);
  const data = (current.body?.data ?? {}) as Record<string, unknown>;
  const wanted = login.config.body;
  if (Object.entries(wanted).every(([key, value]) => same(data[key], value))) return false;
  await client.call({ method: "POST", path: login.config.path, body: wanted });
  return true;
}

/**
 * Refuses (`E_CONFIG`, before anything is written) a mount whose
 * configuration, as it will be once setup has written its part, names a URL
 * Vault calls to verify identities that fails the https-or-loopback rule: an
 * STS endpoint planted over plain http answers every `GetCallerIdentity`
 * with the bound ARN, and the role setup writes would then let anyone in.
 */
async function refuseUnsafeMountUrls(login: LoginRole, client: VaultClient): Promise<void> {
  const urls = MOUNT_URLS[login.method];
  if (urls === undefined) return;
  const path = `auth/${login.mount}/${urls.path}`;
  // A mount not there yet (or of another method, refused later) has no configuration to keep.
  const read = await client.call({ method: "GET", path }, [400, 404, 405]);
  const current = read.status === 200 ? ((read.body?.data ?? {}) as Record<string, unknown>) : {};
  const wanted = login.config?.body;
  const kept = wanted !== undefined && urls.replaces ? wanted : { ...current, ...wanted };
  const vault = client.http.connection.address;
  for (const field of urls.fields)
    for (const value of fieldValues(kept, field)) {
      const why = mountUrlRefusal(value, vault);
      if (why === undefined) continue;
      throw unsafeMountUrl(login, path, field, value, why, wanted);
    }
}

/**
 * Why Vault must not call `value` to verify logins: the https-or-loopback
 * rule, with loopback read as Vault sees it: plain http to `127.0.0.1` is
 * the Vault server's own machine (or its pod's sidecars), trusted only when
 * the Vault setup talks to is itself on this machine's loopback (a dev or
 * test server); otherwise a mount URL must be https.
 */
export function mountUrlRefusal(value: string, vault: string): string | undefined {
  const why = unsafeIdentityUrl(value);
  if (why !== undefined) return why;
  if (new URL(value).protocol === "https:" || isLoopbackUrl(vault)) return undefined;
  return `is plain http to loopback, which for Vault at ${shownUrl(vault)} is the Vault server's own machine, not this one (plain http is accepted only while Vault itself is on loopback)`;
}

/** The strings at `field` in a mount's configuration: `name`, or `list[].name` for a list of maps (`jwks_pairs[].jwks_url`). */
export function fieldValues(config: Readonly<Record<string, unknown>>, field: string): string[] {
  const [list, name] = field.split("[].");
  const found =
    name === undefined
      ? [config[field]]
      : (Array.isArray(config[list ?? ""]) ? (config[list ?? ""] as unknown[]) : []).map((item) =>
          typeof item === "object" && item !== null
            ? (item as Record<string, unknown>)[name]
            : item,
        );
  return found.filter((value): value is string => typeof value === "string" && value !== "");
}

/** The refusal for `field` = `value`, with what to do: give another value, or fix the one found. */
function unsafeMountUrl(
  login: LoginRole,
  path: string,
  field: string,
  value: string,
  why: string,
  wanted: Readonly<Record<string, unknown>> | undefined,
): StrongboxError {
  const written = wanted !== undefined && Object.hasOwn(wanted, field.split("[]")[0] ?? field);
  const sts = login.method === "aws" && field === "sts_endpoint";
  return new StrongboxError(
    "E_CONFIG",
    `vault setup: ${path} has ${field} ${shownUrl(value)}, which ${why}: Vault asks it who logs in, so anyone on the way could answer for the role setup writes; nothing was changed`,
    {
      hint: written
        ? `give an https:// URL for ${field}`
        : `check who set it, then set it to https:// (or empty for the default) with \`bao write ${path} ${field}=https://…\`${sts ? ", or give --aws-sts-endpoint https://sts.REGION.amazonaws.com" : ""}`,
    },
  );
}

/**
 * A URL as an error may quote it, as written (so a spelling parsers disagree
 * on shows), without what may be a secret: a user name or password, a query,
 * a fragment.
 */
function shownUrl(value: string): string {
  const bare = value
    .replace(/[?#].*$/s, "")
    .replace(/^([a-z][a-z0-9+.-]*:[\\/]*)[^\\/]*@/i, "$1…@")
    .slice(0, 200);
  return JSON.stringify(bare);
}
