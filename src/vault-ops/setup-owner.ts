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
 * block of it is one setup writes (a features comment, one path, its
 * capabilities), so a hand-written policy is never taken over. An AppRole is
 * setup's when it carries exactly the one policy of the same name.
 */

/** The first line of every policy `vault setup` writes: which identity it is for. */
export function setupMarker(project: string, environment: string, component: string): string {
  return `# strongbox vault setup: ${project}/${environment}/${component} (rewritten by each run)`;
}

const MARKER_PREFIX = "# strongbox vault setup: ";

/** One block of a policy as vault-ops/policy.ts writes it. */
const SETUP_BLOCK =
  /^# [a-z, ]+\npath "(?:[^"\\\n]|\\.)*" \{\n {2}capabilities = \[(?:"[a-z]+", )*"[a-z]+"\]\n\}$/;

/** `E_CONFIG` when the `existing` policy is not one setup wrote for `grant`. */
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
  const legacy =
    !current.includes(MARKER_PREFIX) &&
    current
      .trim()
      .split(/\n\n+/)
      .every((block) => SETUP_BLOCK.test(block));
  if (legacy && current.trim() !== "") return;
  throw new StrongboxError(
    "E_CONFIG",
    `vault setup: the Vault policy ${grant.name} exists and was not written by vault setup for ${marker.slice(MARKER_PREFIX.length).replace(/ \(.*$/, "")}; nothing was changed`,
    {
      hint: `read it with \`bao policy read ${grant.name}\`: if it is a stale one of this project, delete it (bao policy delete ${grant.name}) and run setup again; otherwise rename the project, environment or component`,
    },
  );
}

/** `E_CONFIG` when an existing AppRole carries other policies than its own name's. */
export function refuseForeignRole(
  grant: { readonly name: string },
  policies: readonly string[] | undefined,
): void {
  if (policies !== undefined && policies.length === 1 && policies[0] === grant.name) return;
  throw new StrongboxError(
    "E_CONFIG",
    `vault setup: the AppRole ${grant.name} exists with the policies ${JSON.stringify(policies ?? [])}, so vault setup did not make it; nothing was changed`,
    {
      hint: `read it with \`bao read auth/approle/role/${grant.name}\`: delete it if it is stale, or rename the project, environment or component`,
    },
  );
}
