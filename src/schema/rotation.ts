import { parseDuration } from "./coerce.js";
import { lookupByGlob } from "./glob.js";
import type { RotationSpec, VariableSpec } from "./types.js";

/** One day in milliseconds. */
export const DAY = 86_400_000;
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

/**
 * A variable's rotation policies: one for every environment (`[undefined, spec]`),
 * or one per environment name or glob.
 */
export function rotationsOf(
  rotation: RotationSpec | Readonly<Record<string, RotationSpec>>,
): Array<[string | undefined, RotationSpec]> {
  if (typeof rotation === "object" && rotation !== null && "every" in rotation)
    return [[undefined, rotation as RotationSpec]];
  if (typeof rotation !== "object" || rotation === null)
    return [[undefined, rotation as RotationSpec]];
  return Object.entries(rotation as Readonly<Record<string, RotationSpec>>);
}
