import { isProductionName } from "../environments/defaults.js";
import { type Issue, issue } from "../errors.js";
import { lookupByGlob } from "../schema/glob.js";
import { type LifecycleContext, lifecycleStates } from "./rotate.js";

/** What `check` says about secrets' lifecycles: warnings, and problems where the environment enforces. */
export interface LifecycleFindings {
  readonly warnings: readonly string[];
  /** `E_OVERDUE` issues: an expired secret or an overdue rotation where the environment enforces. */
  readonly issues: readonly Issue[];
}

/**
 * Expiry and rotation for `check`: a secret due or expiring within its
 * `warnBefore` is a warning; one expired or overdue is an `E_OVERDUE`
 * problem where the environment's `lifecycle` is `enforce` (production's
 * default), else a warning. Only secrets with a rotation or an expiry are
 * looked at, so a schema without them costs nothing.
 */
export async function lifecycleFindings(ctx: LifecycleContext): Promise<LifecycleFindings> {
  const concerned = Object.values(ctx.config.variables).some(
    (spec) => spec.secret === true && (spec.rotation !== undefined || spec.expires !== undefined),
  );
  if (!concerned) return { warnings: [], issues: [] };
  const policy =
    lookupByGlob(ctx.config.environments ?? {}, ctx.environment)?.value.lifecycle ??
    (isProductionName(ctx.environment) ? "enforce" : "warn");
  const warnings: string[] = [];
  const issues: Issue[] = [];
  const day = (date: Date | undefined) => date?.toISOString().slice(0, 10) ?? "?";
  for (const state of await lifecycleStates(ctx)) {
    const { status, name } = state;
    const problems = [
      ...(status.expired ? [`expired on ${day(status.expires)}`] : []),
      ...(status.overdue ? [`overdue for rotation since ${day(status.due)}`] : []),
    ];
    if (problems.length > 0) {
      const message = `${name} is ${problems.join(" and ")}`;
      if (policy === "enforce")
        issues.push(
          issue("E_OVERDUE", message, {
            variable: name,
            hint: status.overdue
              ? `run \`strongbox rotate ${name} --env ${ctx.environment}\``
              : `replace it and update \`expires\` in the schema`,
          }),
        );
      else warnings.push(message);
    }
    if (status.dueSoon) warnings.push(`${name} is due for rotation on ${day(status.due)}`);
    if (status.expiringSoon) warnings.push(`${name} expires on ${day(status.expires)}`);
    if (state.note !== undefined && state.rotation !== undefined)
      warnings.push(`${name}: cannot tell when it was last rotated (${state.note})`);
  }
  return { warnings, issues };
}
