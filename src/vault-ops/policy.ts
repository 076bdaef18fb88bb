/**
 * What each Strongbox feature asks of Vault, per KV secret, as the one source
 * every policy `vault setup` writes (and `--print-policy` shows) is derived
 * from. A capability appears here because a feature's code makes that call;
 * a feature added to Strongbox that calls Vault differently changes this table,
 * and the policy follows.
 */

/** A Strongbox feature that reads or writes Vault KV secrets. */
export type VaultFeature = "run" | "previous" | "agent" | "rotate";

/** The KV v2 API sections (after the mount). KV v1 has one path per secret. */
type Section = "data" | "metadata" | "destroy";

/** One grant on one section of a secret's API paths. */
interface SectionGrant {
  readonly section: Section;
  readonly capabilities: readonly string[];
}

/**
 * Per feature, the calls it makes on each secret path it touches:
 * - `run` (also `render`, `exec`, `check`): reads the current version (`GET data/P`).
 * - `previous` (a variable with `rotation:` gets `NAME_PREVIOUS`): reads the
 *   version list (`GET metadata/P`) to find the version before the current one,
 *   then that version (`GET data/P?version=N`).
 * - `agent`: polls versions, never data (`GET metadata/P`), and reads the data
 *   when it re-renders (as `run`).
 * - `rotate`: reads the history (`GET metadata/P`) and the current keys, writes
 *   the new value with check-and-set (`PATCH data/P`, or `POST data/P` when the
 *   key is new), and `rotate --finish` destroys the older versions
 *   (`PUT destroy/P`). This is the rotation identity's, never an app's: an app
 *   that could destroy versions could wipe its own secrets' history.
 */
export const FEATURE_GRANTS: Readonly<Record<VaultFeature, readonly SectionGrant[]>> = {
  run: [{ section: "data", capabilities: ["read"] }],
  previous: [
    { section: "data", capabilities: ["read"] },
    { section: "metadata", capabilities: ["read"] },
  ],
  agent: [
    { section: "data", capabilities: ["read"] },
    { section: "metadata", capabilities: ["read"] },
  ],
  rotate: [
    { section: "data", capabilities: ["create", "read", "update", "patch"] },
    { section: "metadata", capabilities: ["read"] },
    { section: "destroy", capabilities: ["update"] },
  ],
};

/** One secret path and the features that use it. */
export interface PathUse {
  /** The KV path as refs write it, e.g. `secret/shop/production/app`. */
  readonly path: string;
  readonly mount: string;
  readonly kvVersion: 1 | 2;
  readonly features: ReadonlySet<VaultFeature>;
}

/** Vault's capabilities in its own order, so a policy reads the same however it was built. */
const ORDER = ["create", "read", "update", "patch", "delete", "list"];

/**
 * The API paths and capabilities for `uses`: each feature's sections mapped
 * onto each path (`mount/data/rest` on KV v2, the path itself on KV v1, where
 * versions, metadata and destroy do not exist), merged and sorted.
 */
export function policyRules(uses: readonly PathUse[]): Map<string, string[]> {
  const rules = new Map<string, Set<string>>();
  for (const use of uses)
    for (const feature of use.features)
      for (const grant of FEATURE_GRANTS[feature]) {
        const api = apiPath(use, grant.section);
        if (api === undefined) continue;
        const set = rules.get(api) ?? new Set<string>();
        for (const capability of grant.capabilities) set.add(capability);
        rules.set(api, set);
      }
  return new Map(
    [...rules.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([api, set]) => [api, ORDER.filter((capability) => set.has(capability))]),
  );
}

/** The HCL text of a policy over `uses`, each path commented with the features it serves. */
export function policyText(uses: readonly PathUse[]): string {
  // Paths are escaped HCL strings as well as held to the path rule (plan.ts):
  // a quote that slipped past the rule still could not end the string.
  const blocks: string[] = [];
  for (const [api, capabilities] of policyRules(uses)) {
    const features = uses
      .filter((use) => [...use.features].some((f) => covers(use, f, api)))
      .flatMap((use) => [...use.features].filter((f) => covers(use, f, api)));
    blocks.push(
      `# ${[...new Set(features)].sort().join(", ")}\npath ${JSON.stringify(api)} {\n  capabilities = [${capabilities.map((c) => JSON.stringify(c)).join(", ")}]\n}\n`,
    );
  }
  return blocks.join("\n");
}

function covers(use: PathUse, feature: VaultFeature, api: string): boolean {
  return FEATURE_GRANTS[feature].some((grant) => apiPath(use, grant.section) === api);
}

function apiPath(use: PathUse, section: Section): string | undefined {
  if (use.kvVersion === 1) return section === "data" ? use.path : undefined;
  const rest = use.path.slice(use.mount.length).replace(/^(data|metadata)\//, "");
  return `${use.mount}${section}/${rest}`;
}
