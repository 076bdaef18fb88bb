import { lookupByGlob } from "../environments/glob.js";
import { parseDuration } from "../schema/coerce.js";
import type { RotationSpec, VariableSpec } from "../schema/types.js";
import { rotationsOf } from "./check-spec.js";

const DAY = 86_400_000;
/** How long before a due date or an expiry `check` starts warning, unless `warnBefore` says. */
export const DEFAULT_WARN_BEFORE = 14 * DAY;
/** How long the previous value stays readable after a rotation, unless `overlap` says. */
export const DEFAULT_OVERLAP = DAY;
/** How long a rotation soaks before the previous version is retired, unless `soak` says. */
export const DEFAULT_SOAK = DAY;

/** A rotation policy with its durations in milliseconds. */
export interface Rotation {
  readonly everyMs: number;
  readonly overlapMs: number;
  readonly soakMs: number;
  readonly generator?: RotationSpec["generator"];
}

/** The rotation policy of `spec` in `environment` (an exact name, else the most specific glob). */
export function rotationIn(spec: VariableSpec, environment: string): Rotation | undefined {
  if (spec.rotation === undefined) return undefined;
  const policies = rotationsOf(spec.rotation);
  const only = policies.length === 1 ? policies[0] : undefined;
  const chosen =
    only !== undefined && only[0] === undefined
      ? only[1]
      : lookupByGlob(Object.fromEntries(policies) as Record<string, RotationSpec>, environment)
          ?.value;
  if (chosen === undefined) return undefined;
  const ms = (text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const parsed = parseDuration(text);
    return parsed.ok ? (parsed.value as number) : fallback;
  };
  return {
    everyMs: ms(chosen.every, Number.POSITIVE_INFINITY),
    overlapMs: ms(chosen.overlap, DEFAULT_OVERLAP),
    soakMs: ms(chosen.soak, DEFAULT_SOAK),
    ...(chosen.generator === undefined ? {} : { generator: chosen.generator }),
  };
}

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
}

/**
 * The lifecycle status of a secret in `environment` at `now`, given when its
 * current value was written. A rotated secret whose source keeps no time is
 * due at once: nothing proves it was ever rotated.
 */
export function lifecycleStatus(
  spec: VariableSpec,
  environment: string,
  lastRotated: Date | undefined,
  now: Date,
): LifecycleStatus {
  const warnParsed = spec.warnBefore === undefined ? undefined : parseDuration(spec.warnBefore);
  const warnMs = warnParsed?.ok === true ? (warnParsed.value as number) : DEFAULT_WARN_BEFORE;
  const rotation = rotationIn(spec, environment);
  const due =
    rotation === undefined || !Number.isFinite(rotation.everyMs)
      ? undefined
      : new Date((lastRotated?.getTime() ?? 0) + rotation.everyMs);
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
  };
}
