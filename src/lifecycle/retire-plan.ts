import { StrongboxError } from "../errors.js";
import { keyRetirement } from "../providers/key-versions.js";
import {
  canKeyHistory,
  type HistoryCapability,
  type Provider,
  type ReadContext,
  type VersionInfo,
} from "../providers/provider.js";
import type { Ref } from "../refs/ref.js";

/** What finishing a rotation retires, and what it would take from the path's other keys. */
export interface RetirePlan {
  /** When the current value was written: the soak counts from there. */
  readonly since: string | undefined;
  readonly retire: readonly (number | string)[];
  /** Other keys of a shared path whose previous value lives only in a version to retire. */
  readonly shared: ReadonlyArray<{ readonly key: string; readonly version: number }>;
}

/**
 * The versions finishing the rotation of `ref` retires. On a path several keys
 * share (Vault KV), only the versions that hold an old value of THIS key: the
 * ones before the write of its current value (later versions made by writes of
 * other keys are kept); elsewhere every live version older than the current
 * one. Undefined when nothing is live.
 */
export async function retirePlan(
  provider: Provider & HistoryCapability,
  ref: Ref,
  read: ReadContext,
): Promise<RetirePlan | undefined> {
  if (canKeyHistory(provider) && ref.key !== undefined) {
    const plan = keyRetirement(ref.key, await provider.keyHistory(ref, read));
    if (plan.since === undefined) return undefined;
    return { since: plan.since.createdAt, retire: plan.retire, shared: plan.shared };
  }
  const history = await provider.history(ref, read);
  const live = history.find((version) => version.current) ?? history.at(-1);
  if (live === undefined) return undefined;
  const at = history.indexOf(live);
  const older = history.filter(
    (version: VersionInfo, index) => index < at && version !== live && version.state === "live",
  );
  return { since: live.createdAt, retire: older.map((version) => version.version), shared: [] };
}

/**
 * `E_ROTATION` when retiring `name`'s old values would also take another key's
 * previous value: a version of a shared path holds both. `--force` (and a
 * compromise) retires anyway and reports it.
 */
export function refuseShared(name: string, ref: string, plan: RetirePlan): void {
  if (plan.shared.length === 0) return;
  const held = plan.shared
    .map((entry) => `${entry.key}'s previous value (version ${entry.version})`)
    .join(", ");
  throw new StrongboxError(
    "E_ROTATION",
    `${name}: the versions to retire at ${ref} also hold ${held}; retiring them would take that away too, so nothing was retired`,
    {
      hint: "finish the other key's rotation first (strongbox rotate --finish NAME), or pass --force to retire those versions anyway; a key rotated on its own schedule is best kept on its own path",
    },
  );
}
