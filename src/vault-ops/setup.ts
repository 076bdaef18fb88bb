import { StrongboxError } from "../errors.js";
import type { ConfigSpec } from "../schema/types.js";
import type { VaultClient } from "../vault/client.js";
import { vaultNeeds } from "./plan.js";
import { type PathUse, policyRules, policyText, type VaultFeature } from "./policy.js";

/** One least-privilege grant: a policy and the AppRole that carries it. */
export interface Grant {
  readonly environment: string;
  /** The component whose app reads with it, or `rotation` for the rotation identity. */
  readonly component: string;
  /** `app`: what the running app needs; `rotation`: what `rotate` and `rotate --finish` need. */
  readonly kind: "app" | "rotation";
  /** `<project>-<env>-<component>` (or `<project>-<env>-rotation`): the policy's and the role's name. */
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
 * Paths are exactly the ones the schema references; KV versions are asked of
 * the server (read-only calls). The capabilities come from vault-ops/policy.ts.
 */
export async function planSetup(
  config: ConfigSpec,
  environments: readonly string[],
  client: VaultClient,
  options: SetupOptions = {},
): Promise<SetupPlan> {
  const project = config.project ?? "app";
  const grants: Grant[] = [];
  for (const environment of environments) {
    const apps = new Map<string, PathUse[]>();
    const rotation: PathUse[] = [];
    for (const need of vaultNeeds(config, environment)) {
      const { mount, version } = await client.mountOf(need.path);
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
    if (rotation.length > 0) {
      if (apps.has(ROTATION))
        throw new StrongboxError(
          "E_CONFIG",
          `vault setup: component "${ROTATION}" in ${environment} would share its policy name with the rotation identity (${project}-${environment}-${ROTATION})`,
          { hint: `rename the component: "${ROTATION}" names the identity that rotates secrets` },
        );
      grants.push(grant(project, environment, ROTATION, "rotation", rotation));
    }
  }
  const calls = [
    "GET sys/auth (enable approle at auth/approle/ if missing)",
    ...grants.flatMap((grant) => [
      `PUT sys/policies/acl/${grant.name}`,
      `POST auth/approle/role/${grant.name} token_policies=${grant.name} token_ttl=${ROLE.token_ttl} token_max_ttl=${ROLE.token_max_ttl}`,
      `GET auth/approle/role/${grant.name}/role-id`,
      `POST auth/approle/role/${grant.name}/secret-id (response-wrapped, 10m)`,
    ]),
  ];
  return { grants, calls };
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
    name: `${project}-${environment}-${component}`,
    features: (["run", "previous", "agent", "rotate"] as const).filter((f) => features.has(f)),
    paths: [...policyRules(uses).keys()],
    policy: policyText(uses),
  };
}

/**
 * Carries out a plan. Idempotent: a policy or role that already has the planned
 * content is left alone (reported as unchanged); each run issues a new wrapped
 * secret id, since secret ids are never read back.
 */
export async function applySetup(plan: SetupPlan, client: VaultClient): Promise<SetupResult[]> {
  const auths = (await client.call({ method: "GET", path: "sys/auth" })).body as Record<
    string,
    unknown
  >;
  const mounted = (auths.data as Record<string, unknown> | undefined) ?? auths;
  if (!Object.hasOwn(mounted, "approle/"))
    await client.call({ method: "POST", path: "sys/auth/approle", body: { type: "approle" } });
  const results: SetupResult[] = [];
  for (const grant of plan.grants) {
    const existing = await client.call(
      { method: "GET", path: `sys/policies/acl/${grant.name}` },
      [404],
    );
    const current = (existing.body?.data as { policy?: string } | undefined)?.policy;
    const policyChanged = current !== grant.policy;
    if (policyChanged)
      await client.call({
        method: "PUT",
        path: `sys/policies/acl/${grant.name}`,
        body: { policy: grant.policy },
      });
    const role = await client.call(
      { method: "GET", path: `auth/approle/role/${grant.name}` },
      [404],
    );
    const roleData = role.body?.data as
      | { token_policies?: string[]; token_ttl?: number }
      | undefined;
    const roleChanged =
      role.status === 404 ||
      roleData?.token_policies?.join() !== grant.name ||
      roleData?.token_ttl !== 900;
    if (roleChanged)
      await client.call({
        method: "POST",
        path: `auth/approle/role/${grant.name}`,
        body: { ...ROLE, token_policies: [grant.name] },
      });
    const roleId = stringField(
      (await client.call({ method: "GET", path: `auth/approle/role/${grant.name}/role-id` })).body
        ?.data,
      "role_id",
    );
    const wrapped = await client.call({
      method: "POST",
      path: `auth/approle/role/${grant.name}/secret-id`,
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

/** A string field of a Vault response, or a typed error saying which is missing. */
function stringField(container: unknown, name: string): string {
  const value = (container as Record<string, unknown> | null | undefined)?.[name];
  if (typeof value !== "string")
    throw new StrongboxError("E_VAULT", `Vault returned no ${name}`, {
      hint: "check the server version and the token's capabilities",
    });
  return value;
}
