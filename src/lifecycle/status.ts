import { parseDuration } from "../schema/coerce.js";
import { DAY, rotationIn } from "../schema/rotation.js";
import type { VariableSpec } from "../schema/types.js";

/** How long before a due date or an expiry `check` starts warning, unless `warnBefore` says. */
export const DEFAULT_WARN_BEFORE = 14 * DAY;

// The rotation policy grammar lives with the schema; re-exported for the lifecycle API.
export { type Rotation, rotationIn } from "../schema/rotation.js";

/** Where a secret stands in its lifecycle at one moment. Times only, never a value. */
export interface LifecycleStatus {
  /** When the current value was written, where the source records it. */
  readonly lastRotated?: Date;
  /** When the next rotation is due (last rotation + cadence). */
  readonly due?: Date;
  readonly overdue: boolean;
  /** Due within `warnBefore`. */
  readonly dueSoon: boolean;
  readonly expires?: Date;
  readonly expired: boolean;
  /** Expires within `warnBefore`. */
  readonly expiringSoon: boolean;
  /** The source holds no value at all: nothing to rotate yet, so nothing is due. */
  readonly neverSet?: true;
}

/**
 * The lifecycle status of a secret in `environment` at `now`, given when its
 * current value was written. A rotated secret whose source keeps no time is
 * due at once: nothing proves it was ever rotated. A secret its source does
 * not hold (`neverSet`) is not due: there is no value to rotate, and a due
 * date counted from the epoch would be nonsense (it is missing, which
 * resolution reports).
 */
export function lifecycleStatus(
  spec: VariableSpec,
  environment: string,
  lastRotated: Date | undefined,
  now: Date,
  neverSet = false,
): LifecycleStatus {
  const warnParsed = spec.warnBefore === undefined ? undefined : parseDuration(spec.warnBefore);
  const warnMs = warnParsed?.ok === true ? (warnParsed.value as number) : DEFAULT_WARN_BEFORE;
  const rotation = rotationIn(spec, environment);
  // No time recorded: due now (not the epoch plus the cadence, a date in 1970).
  const due =
    neverSet || rotation === undefined || !Number.isFinite(rotation.everyMs)
      ? undefined
      : lastRotated === undefined
        ? now
        : new Date(lastRotated.getTime() + rotation.everyMs);
  const expiresAt = spec.expires === undefined ? undefined : new Date(spec.expires);
  const expires =
    expiresAt !== undefined && !Number.isNaN(expiresAt.getTime()) ? expiresAt : undefined;
  const at = now.getTime();
  return {
    ...(lastRotated === undefined ? {} : { lastRotated }),
    ...(due === undefined ? {} : { due }),
    overdue: due !== undefined && due.getTime() <= at,
    dueSoon: due !== undefined && due.getTime() > at && due.getTime() - at <= warnMs,
    ...(expires === undefined ? {} : { expires }),
    expired: expires !== undefined && expires.getTime() <= at,
    expiringSoon:
      expires !== undefined && expires.getTime() > at && expires.getTime() - at <= warnMs,
    ...(neverSet ? { neverSet: true as const } : {}),
  };
}
