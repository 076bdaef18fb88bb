import { canonicalEnvironment } from "../environments/aliases.js";
import { StrongboxError } from "../errors.js";
import { identityName, identityPartProblem } from "../schema/identity-name.js";
import type { ConfigSpec } from "../schema/types.js";
import type { MountInfo, VaultClient } from "../vault/client.js";
import { vaultNeeds } from "./plan.js";
import { type PathUse, policyRules, policyText, type VaultFeature } from "./policy.js";
import { type LoginBinding, type LoginRole, loginRole } from "./setup-login.js";
import { refuseForeignPolicy, refuseForeignRole, setupMarker } from "./setup-owner.js";

/** One least-privilege grant: a policy and the AppRole that carries it. */
export interface Grant {
  readonly environment: string;
  /** The component whose app reads with it, or `rotation` for the rotation identity. */
  readonly component: string;
  /** `app`: what the running app needs; `rotation`: what `rotate` and `rotate --finish` need. */
  readonly kind: "app" | "rotation";
  /**
   * `<project>-<env>-<component>` (or `<project>-<env>-rotation`), a `-` inside
   * a part doubled (schema/identity-name.ts): the policy's and the role's name.
   */
  readonly name: string;
  /** The Strongbox features this identity is granted (see vault-ops/policy.ts). */
  readonly features: readonly VaultFeature[];
  /** API paths the policy names (KV v2 paths include `data/`, `metadata/`…). */
  readonly paths: readonly string[];
  readonly policy: string;
}

/** What `vault setup` will do, as data: shown by `--dry-run`, carried out by {@link applySetup}. */
export interface SetupPlan {
  readonly grants: readonly Grant[];
  readonly calls: readonly string[];
  /** With {@link SetupOptions.login}: the login role per grant (same order), instead of AppRoles. */
  readonly logins?: readonly LoginRole[];
}

export interface SetupResult {
  readonly name: string;
  readonly roleId: string;
  /** A response-wrapped secret id (single use, short TTL); unwrap it where the app runs. */
  readonly wrappedSecretId: string;
  readonly changed: { readonly policy: boolean; readonly role: boolean };
}

/** What the environments use beyond `run` that the schema alone does not say. */
export interface SetupOptions {
  /** The app also runs `strongbox agent` (it polls each path's versions). */
  readonly agent?: boolean;
  /**
   * Log in with this method instead of AppRole: the plan keeps the one app
   * grant (name it with `component` when the environment has several) and
   * binds its policy to a role of the method. The rotation identity is never
   * bound this way: a CI job or pod that logs in as the app must not gain
   * write and destroy.
   */
  readonly login?: LoginBinding | undefined;
  /** With `login`: the component whose app logs in. */
  readonly component?: string | undefined;
}

/** The component name of the identity that rotates (`<project>-<env>-rotation`). */
const ROTATION = "rotation";

/** AppRole token settings for services: short-lived, renewable within an hour. */
const ROLE = {
  token_ttl: "15m",
  token_max_ttl: "1h",
  secret_id_ttl: "720h",
  token_type: "service",
};

/**
 * Plans, per environment, one policy and AppRole per component that reads
 * from Vault (the features the app uses: `run`, `previous` for rotated
 * secrets, `agent` when asked), and one `rotation` policy and AppRole when a
 * variable there has `rotation:` (write and destroy, kept from the apps).
 * Paths are exactly the ones the schema references, each passed through the
 * client's KV gate (`VaultClient#kvMount`), so a policy never grants what a
 * reference may not read; KV versions are asked of the server (read-only
 * calls). The capabilities come from vault-ops/policy.ts. Names are held to
 * the identity-name rule (schema/identity-name.ts), and two grants of one plan
 * never share a name.
 */
export async function planSetup(
  config: ConfigSpec,
  environments: readonly string[],
  client: VaultClient,
  options: SetupOptions = {},
): Promise<SetupPlan> {
  const project = config.project ?? "app";
  const grants: Grant[] = [];
  // `--env prod` plans production's policies and paths, under production's name.
  for (const environment of environments.map((name) => canonicalEnvironment(config, name))) {
    const needs = vaultNeeds(config, environment);
    // Only names that become identities are held to the rule (as `check` holds them).
    if (needs.length > 0) {
      refuseName("project", project, "project");
      refuseName("environment", environment, `environments.${environment}`);
    }
    const apps = new Map<string, PathUse[]>();
    const rotation: PathUse[] = [];
    for (const need of needs) {
      refuseName("component", need.component, need.variable);
      const { mount, version } = await gatedMount(client, need.path, need.variable, environment);
      const features = new Set<VaultFeature>(["run"]);
      if (need.previous) features.add("previous");
      if (options.agent === true) features.add("agent");
      const uses = apps.get(need.component) ?? [];
      apps.set(need.component, [...uses, { path: need.path, mount, kvVersion: version, features }]);
      if (need.rotates)
        rotation.push({
          path: need.path,
          mount,
          kvVersion: version,
          features: new Set(["rotate"]),
        });
    }
    for (const [component, uses] of [...apps].sort(([a], [b]) => (a < b ? -1 : 1)))
      grants.push(grant(project, environment, component, "app", uses));
    if (rotation.length > 0)
      grants.push(grant(project, environment, ROTATION, "rotation", rotation));
  }
  refuseSharedNames(grants);
  if (options.login !== undefined) return loginPlan(grants, options.login, options.component);
  const calls = [
    "GET sys/auth (enable approle at auth/approle/ if missing)",
    ...grants.flatMap((grant) => [
      `PUT ${aclPath(grant.name)}`,
      `POST ${rolePath(grant.name)} token_policies=${grant.name} token_ttl=${ROLE.token_ttl} token_max_ttl=${ROLE.token_max_ttl}`,
      `GET ${rolePath(grant.name)}/role-id`,
      `POST ${rolePath(grant.name)}/secret-id (response-wrapped, 10m)`,
    ]),
  ];
  return { grants, calls };
}

/**
 * The plan for a login role: the one app grant (of `component` when given)
 * and its role; `E_USAGE` when that is not exactly one grant, since one
 * binding on several roles would let the same job or pod log in as each.
 */
function loginPlan(
  grants: readonly Grant[],
  login: LoginBinding,
  component: string | undefined,
): SetupPlan {
  const apps = grants.filter((g) => g.kind === "app");
  const chosen = apps.filter((g) => component === undefined || g.component === component);
  if (chosen.length !== 1)
    throw new StrongboxError(
      "E_USAGE",
      chosen.length === 0
        ? `vault setup --method ${login.method}: no app reads from Vault${component === undefined ? "" : ` as component ${component}`}`
        : `vault setup --method ${login.method}: ${chosen.map((g) => g.name).join(", ")} would all be bound to the same ${login.method} identity`,
      {
        hint: `name one environment with --env and one component with --component (the plan's: ${apps.map((g) => `${g.environment}/${g.component}`).join(", ") || "none"})`,
      },
    );
  const grant = chosen[0] as Grant;
  const role = loginRole(grant.name, login);
  const calls = [
    `GET sys/auth (enable ${role.method} at auth/${role.mount}/ if missing)`,
    ...(role.config === undefined ? [] : [`POST ${role.config.path} (the issuer)`]),
    `PUT ${aclPath(grant.name)}`,
    `POST ${role.path} token_policies=${grant.name} (rewritten from scratch when it holds anything else)`,
  ];
  return { grants: [grant], calls, logins: [role] };
}

/** The request path of a policy: the name one encoded segment, whatever it holds. */
export const aclPath = (name: string) => `sys/policies/acl/${encodeURIComponent(name)}`;
/** The request path of an AppRole role: the name one encoded segment. */
const rolePath = (name: string) => `auth/approle/role/${encodeURIComponent(name)}`;

/** `E_CONFIG` when `name` breaks the identity-name rule; `where` names the field. */
function refuseName(what: string, name: string, where: string): void {
  const problem = identityPartProblem(name);
  if (problem !== undefined)
    throw new StrongboxError(
      "E_CONFIG",
      `vault setup: ${where}: the ${what} name ${JSON.stringify(name)} ${problem}`,
      {
        hint: "use lower-case letters, digits and _, joined by single -, as in shop, prod-eu, billing_worker",
      },
    );
}

/** The mount of a path a policy would grant, by the client's KV gate; a refusal names the variable. */
async function gatedMount(
  client: VaultClient,
  path: string,
  variable: string,
  environment: string,
): Promise<MountInfo> {
  try {
    return await client.kvMount(path);
  } catch (error) {
    if (!(error instanceof StrongboxError) || error.code !== "E_REF") throw error;
    throw new StrongboxError("E_REF", `${variable} in ${environment}: ${error.message}`, {
      hint: error.hint,
    });
  }
}

/** `E_CONFIG` when two grants would share a name (Vault compares policy names case-insensitively). */
function refuseSharedNames(grants: readonly Grant[]): void {
  const seen = new Map<string, Grant>();
  for (const grant of grants) {
    const other = seen.get(grant.name.toLowerCase());
    if (other !== undefined) {
      const describe = (g: Grant) =>
        g.kind === "rotation"
          ? `the rotation identity of ${g.environment}`
          : `component "${g.component}" in ${g.environment}`;
      throw new StrongboxError(
        "E_CONFIG",
        `vault setup: ${describe(other)} and ${describe(grant)} would share the policy and AppRole ${grant.name}`,
        {
          hint: `rename one of them ("${ROTATION}" names the identity that rotates secrets)`,
        },
      );
    }
    seen.set(grant.name.toLowerCase(), grant);
  }
}

function grant(
  project: string,
  environment: string,
  component: string,
  kind: Grant["kind"],
  uses: readonly PathUse[],
): Grant {
  const features = new Set(uses.flatMap((use) => [...use.features]));
  return {
    environment,
    component,
    kind,
    name: identityName([project, environment, component]),
    features: (["run", "previous", "agent", "rotate"] as const).filter((f) => features.has(f)),
    paths: [...policyRules(uses).keys()],
    policy: `${setupMarker(project, environment, component)}\n${policyText(uses)}`,
  };
}

/**
 * Carries out a plan. Idempotent: a policy or role that already has the planned
 * content is left alone (reported as unchanged); each run issues a new wrapped
 * secret id, since secret ids are never read back.
 */
/** Writes `grant`'s policy unless Vault already holds exactly it; true when it wrote. */
export async function writePolicyIfChanged(
  client: VaultClient,
  grant: { readonly name: string; readonly policy: string },
  current: string | undefined,
): Promise<boolean> {
  if (current === grant.policy) return false;
  await client.call({ method: "PUT", path: aclPath(grant.name), body: { policy: grant.policy } });
  return true;
}

export async function applySetup(plan: SetupPlan, client: VaultClient): Promise<SetupResult[]> {
  if (plan.logins !== undefined)
    throw new StrongboxError(
      "E_USAGE",
      "vault setup: a login-method plan is applied by applyLoginSetup",
      {
        hint: "call applyLoginSetup(plan, client)",
      },
    );
  // Every existing policy and role is looked at before anything is written: a
  // refusal (setup-owner.ts) leaves Vault as it was.
  const found: Existing[] = [];
  for (const grant of plan.grants) found.push(await existingOf(grant, client));
  const auths = (await client.call({ method: "GET", path: "sys/auth" })).body as Record<
    string,
    unknown
  >;
  const mounted = (auths.data as Record<string, unknown> | undefined) ?? auths;
  if (!Object.hasOwn(mounted, "approle/"))
    await client.call({ method: "POST", path: "sys/auth/approle", body: { type: "approle" } });
  const results: SetupResult[] = [];
  for (const [index, grant] of plan.grants.entries()) {
    const { policy, role } = found[index] as Existing;
    const policyChanged = await writePolicyIfChanged(client, grant, policy);
    const roleChanged = role === undefined || !roleAsSetupWritesIt(role, grant);
    if (roleChanged)
      await client.call({
        method: "POST",
        path: rolePath(grant.name),
        body: { ...ROLE, token_policies: [grant.name] },
      });
    const roleId = stringField(
      (await client.call({ method: "GET", path: `${rolePath(grant.name)}/role-id` })).body?.data,
      "role_id",
    );
    const wrapped = await client.call({
      method: "POST",
      path: `${rolePath(grant.name)}/secret-id`,
      headers: { "X-Vault-Wrap-TTL": "10m" },
    });
    const wrappedSecretId = stringField(wrapped.body?.wrap_info, "token");
    results.push({
      name: grant.name,
      roleId,
      wrappedSecretId,
      changed: { policy: policyChanged, role: roleChanged },
    });
  }
  return results;
}

/** A grant's policy text and role as Vault has them (undefined when absent). */
interface Existing {
  readonly policy: string | undefined;
  readonly role: Readonly<Record<string, unknown>> | undefined;
}

/** {@link ROLE} as Vault reads it back (durations in seconds). */
const ROLE_READ: Readonly<Record<string, unknown>> = {
  token_ttl: 900,
  token_max_ttl: 3600,
  secret_id_ttl: 720 * 3600,
  token_type: "service",
};

/**
 * Whether a role holds exactly what setup writes: its one policy and every
 * setting of {@link ROLE}. Anything else (a secret id that never expires, a
 * token without a max TTL, a batch token) is written again, so an adopted
 * role never keeps weaker settings under setup's name.
 */
function roleAsSetupWritesIt(role: Readonly<Record<string, unknown>>, grant: Grant): boolean {
  const policies = role.token_policies;
  return (
    Array.isArray(policies) &&
    policies.join() === grant.name &&
    Object.entries(ROLE_READ).every(([key, value]) => role[key] === value)
  );
}

/** Reads a grant's existing policy and role, refusing either when setup did not write it for this grant. */
async function existingOf(grant: Grant, client: VaultClient): Promise<Existing> {
  const existing = await client.call({ method: "GET", path: aclPath(grant.name) }, [404]);
  const policy = (existing.body?.data as { policy?: string } | undefined)?.policy;
  refuseForeignPolicy(grant, policy);
  const found = await client.call({ method: "GET", path: rolePath(grant.name) }, [404]);
  const data =
    found.status === 404 ? undefined : ((found.body?.data ?? {}) as Record<string, unknown>);
  if (data !== undefined) refuseForeignRole(grant, data, policy);
  return { policy, role: data };
}

/** A string field of a Vault response, or a typed error saying which is missing. */
function stringField(container: unknown, name: string): string {
  const value = (container as Record<string, unknown> | null | undefined)?.[name];
  if (typeof value !== "string")
    throw new StrongboxError("E_VAULT", `Vault returned no ${name}`, {
      hint: "check the server version and the token's capabilities",
    });
  return value;
}
