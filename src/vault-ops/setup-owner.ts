import { StrongboxError } from "../errors.js";

/**
 * Whose a policy or AppRole is. `vault setup` writes a name it built from the
 * config, and the same name may already exist: made by hand, by another tool,
 * or by another project's setup. It rewrites only what it can tell it wrote
 * for the same identity, and refuses the rest, so a config can never take
 * over a policy (`default`, an admin's) or another project's identity by
 * choosing a name.
 *
 * A policy is setup's when its first line is the marker {@link setupMarker}
 * writes for this project, environment and component; a policy with no
 * marker is taken as written by an earlier version of setup only when every
 * block of it is one this grant's policy has (its exact paths, capabilities
 * it grants there), so a hand-written policy is never taken over. An AppRole
 * is setup's when it carries exactly the one policy of the same name and
 * nothing setup does not set, and that policy exists and is setup's: setup
 * writes the policy before the role, so a role whose policy is absent was made
 * by someone else in advance, and secret ids already issued for it would gain
 * the grant setup is about to write.
 */

/** The first line of every policy `vault setup` writes: which identity it is for. */
export function setupMarker(project: string, environment: string, component: string): string {
  return `# strongbox vault setup: ${project}/${environment}/${component} (rewritten by each run)`;
}

const MARKER_PREFIX = "# strongbox vault setup: ";

/** One block of a policy as vault-ops/policy.ts writes it: a features comment, one path, its capabilities. */
const SETUP_BLOCK =
  /^# [a-z, ]+\npath ("(?:[^"\\\n]|\\.)*") \{\n {2}capabilities = \[((?:"[a-z]+", )*"[a-z]+")\]\n\}$/;

/**
 * `E_CONFIG` when the `existing` policy is not one setup wrote for `grant`: its
 * marker, or (a policy of an earlier setup, without one) nothing but blocks this
 * grant's own policy has, each path exactly one of its paths and each capability
 * one it grants there. A glob, `sudo`, another path or another identity's path
 * is a hand-written policy, and is never taken over.
 */
export function refuseForeignPolicy(
  grant: { readonly name: string; readonly policy: string },
  existing: string | undefined,
): void {
  if (existing === undefined) return;
  // `vault setup --print-policy | bao policy write NAME -` (docs/vault.md) keeps the
  // `# policy NAME` heading the command prints above each policy.
  const heading = `# policy ${grant.name}\n`;
  const current = existing.startsWith(heading) ? existing.slice(heading.length) : existing;
  const marker = grant.policy.slice(0, grant.policy.indexOf("\n"));
  const first = current.slice(0, Math.max(0, current.indexOf("\n")));
  if (first === marker) return;
  if (!current.includes(MARKER_PREFIX) && withinPlan(current, grant.policy.slice(marker.length)))
    return;
  throw new StrongboxError(
    "E_CONFIG",
    `vault setup: the Vault policy ${grant.name} exists and was not written by vault setup for ${marker.slice(MARKER_PREFIX.length).replace(/ \(.*$/, "")}; nothing was changed`,
    {
      hint: `read it with \`bao policy read ${grant.name}\`: if it is a stale one of this project, delete it (bao policy delete ${grant.name}) and run setup again; otherwise rename the project, environment or component`,
    },
  );
}

/** Whether every block of `text` is one of `planned`'s paths with capabilities it grants there. */
function withinPlan(text: string, planned: string): boolean {
  const own = rulesOf(planned);
  const found = rulesOf(text);
  if (own === undefined || found === undefined || found.length === 0) return false;
  return found.every(([path, capabilities]) => {
    const granted = own.find(([ownPath]) => ownPath === path)?.[1] ?? [];
    return capabilities.every((capability) => granted.includes(capability));
  });
}

/** The path and capabilities of each block, or undefined when a block is not setup's shape. */
function rulesOf(text: string): Array<[string, string[]]> | undefined {
  const rules: Array<[string, string[]]> = [];
  for (const block of text.trim().split(/\n\n+/)) {
    const match = SETUP_BLOCK.exec(block);
    if (match === null) return undefined;
    rules.push([JSON.parse(match[1] as string) as string, JSON.parse(`[${match[2]}]`) as string[]]);
  }
  return rules;
}

/**
 * The settings of an AppRole that setup leaves at Vault's defaults: a role with any
 * other value here was made (or changed) by hand for a reason setup cannot see
 * (no secret id needed, bound networks, a use count, periodic tokens).
 */
const ROLE_DEFAULTS: Readonly<Record<string, unknown>> = {
  bind_secret_id: true,
  secret_id_bound_cidrs: [],
  token_bound_cidrs: [],
  secret_id_num_uses: 0,
  token_num_uses: 0,
  token_period: 0,
  token_explicit_max_ttl: 0,
  token_no_default_policy: false,
};

/**
 * `E_CONFIG` when an existing AppRole is not one setup made for `grant`: its
 * policies exactly its own name's (the legacy `policies` field too), every
 * setting setup does not set at Vault's default, and its policy present
 * (`policy`, already passed {@link refuseForeignPolicy}).
 */
export function refuseForeignRole(
  grant: { readonly name: string },
  role: Readonly<Record<string, unknown>>,
  policy: string | undefined,
): void {
  refuseRoleShape(grant, role);
  if (policy !== undefined) return;
  throw new StrongboxError(
    "E_CONFIG",
    `vault setup: the AppRole ${grant.name} exists but its policy ${grant.name} does not, so vault setup did not make it (setup writes the policy first) and secret ids already issued for it would gain this grant; nothing was changed`,
    {
      hint: `if the role is stale, delete it with its secret ids (bao delete auth/approle/role/${grant.name}) and run setup again; otherwise rename the project, environment or component`,
    },
  );
}

/** `E_CONFIG` when the role's policies or settings are not the ones setup makes. */
function refuseRoleShape(
  grant: { readonly name: string },
  role: Readonly<Record<string, unknown>>,
): void {
  const policies = role.token_policies as readonly string[] | undefined;
  const own = (list: unknown) => Array.isArray(list) && list.length === 1 && list[0] === grant.name;
  const legacy = role.policies;
  const changed = Object.entries(ROLE_DEFAULTS)
    .filter(([key, value]) => !sameSetting(role[key], value))
    .map(([key]) => key);
  if (
    own(policies) &&
    (legacy === undefined ||
      legacy === null ||
      own(legacy) ||
      (Array.isArray(legacy) && legacy.length === 0)) &&
    changed.length === 0
  )
    return;
  const why =
    changed.length > 0
      ? `settings vault setup does not make (${changed.join(", ")})`
      : `the policies ${JSON.stringify(policies ?? [])}`;
  throw new StrongboxError(
    "E_CONFIG",
    `vault setup: the AppRole ${grant.name} exists with ${why}, so vault setup did not make it; nothing was changed`,
    {
      hint: `read it with \`bao read auth/approle/role/${grant.name}\`: delete it if it is stale, or rename the project, environment or component`,
    },
  );
}

/** A role's setting equals its default: an absent field, and null for an empty list, count as the default. */
function sameSetting(value: unknown, expected: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(expected))
    return value === null || (Array.isArray(value) && value.length === 0);
  return value === expected;
}
