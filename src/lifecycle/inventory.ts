import { selectEnvironment } from "../environments/select.js";
import { formatRef } from "../refs/ref.js";
import { declaredPlace } from "../resolve/declared-place.js";
import { concreteEnvironmentNames } from "./environments.js";
import { type LifecycleContext, lifecycleStates, refIn } from "./rotate.js";

/** One secret in the inventory: who uses it, where it lives per environment, its cadence and state. */
export interface InventoryRow {
  readonly name: string;
  readonly owner?: string;
  readonly usedBy: readonly string[];
  /** Environment → the real location (a ref such as vault://…, aws-sm://…, store://…), or "environment" without one. */
  readonly storage: Readonly<Record<string, string>>;
  readonly every?: string;
  readonly lastRotated?: string;
  readonly nextDue?: string;
  readonly overdue: boolean;
  readonly expires?: string;
  readonly expired: boolean;
  /** The source holds no value yet in the context's environment: nothing is due. */
  readonly neverSet?: true;
  /**
   * The environments whose policy forbids where the secret is declared to
   * come from (the dashboard's "not allowed here", by the same judgement).
   */
  readonly forbiddenIn: readonly string[];
  readonly note?: string;
}

/**
 * Every secret of the schema (seed 001's inventory): used by, owner, storage
 * in each environment the config declares, rotation cadence, and, for the
 * context's environment, last rotated, next due, overdue and expiry.
 */
export async function inventory(ctx: LifecycleContext): Promise<InventoryRow[]> {
  const states = await lifecycleStates(ctx);
  const environments = concreteEnvironmentNames(ctx.config);
  return states.map((state) => {
    const storage: Record<string, string> = {};
    const forbiddenIn: string[] = [];
    for (const environment of environments) {
      const policy = selectEnvironment(ctx.config, environment, ctx.processEnv);
      const where = { baseDir: ctx.baseDir, processEnv: ctx.processEnv };
      if (declaredPlace(state.name, ctx.config, environment, policy, where).state === "forbidden")
        forbiddenIn.push(environment);
      try {
        const ref = refIn(state.name, state.spec, { ...ctx, environment });
        storage[environment] =
          ref === undefined ? "environment" : formatRef({ ...ref, params: {} });
      } catch {
        storage[environment] = "(invalid ref)";
      }
    }
    const rotation = state.spec.rotation;
    const every =
      rotation === undefined
        ? undefined
        : "every" in rotation && typeof rotation.every === "string"
          ? rotation.every
          : "per environment";
    const { status } = state;
    return {
      name: state.name,
      ...(state.spec.owner === undefined ? {} : { owner: state.spec.owner }),
      usedBy:
        state.spec.usedBy ?? (state.spec.component === undefined ? [] : [state.spec.component]),
      storage,
      ...(every === undefined ? {} : { every }),
      ...(status.lastRotated === undefined
        ? {}
        : { lastRotated: status.lastRotated.toISOString() }),
      ...(status.due === undefined ? {} : { nextDue: status.due.toISOString() }),
      overdue: status.overdue,
      ...(status.expires === undefined ? {} : { expires: status.expires.toISOString() }),
      expired: status.expired,
      ...(status.neverSet === true ? { neverSet: true as const } : {}),
      forbiddenIn,
      ...(state.note === undefined ? {} : { note: state.note }),
    };
  });
}
