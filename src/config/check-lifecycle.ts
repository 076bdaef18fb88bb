import { type Issue, issue } from "../errors.js";
import { parseDuration } from "../schema/coerce.js";
import { parseGenerator } from "../schema/generator-spec.js";
import { rotationsOf } from "../schema/rotation.js";
import type { VariableSpec } from "../schema/types.js";

const ROTATION_KEYS = new Set(["every", "generator", "overlap", "soak"]);

/**
 * Checks a variable's lifecycle fields (rotation, expiry, inventory), every
 * problem at once: durations that do not parse, a rotation without a cadence,
 * an unknown generator, an expiry that is not a date, a rotation on a value
 * that is not secret.
 */
export function checkLifecycle(name: string, spec: VariableSpec): Issue[] {
  const issues: Issue[] = [];
  const add = (message: string, hint?: string) =>
    issues.push(issue("E_SCHEMA", `${name}: ${message}`, { variable: name, hint }));
  const duration = (value: unknown, field: string) => {
    if (value === undefined) return;
    if (typeof value !== "string" || !parseDuration(value).ok)
      add(`${field} must be a duration such as "24h" or "90d"`);
  };
  if (spec.rotation !== undefined) {
    if (spec.secret !== true)
      add("only a secret is rotated", "add `secret: true`, or drop `rotation`");
    for (const [where, rotation] of rotationsOf(spec.rotation)) {
      const field = where === undefined ? "rotation" : `rotation.${where}`;
      if (typeof rotation !== "object" || rotation === null) {
        add(`${field} must be a mapping such as { every: 90d, generator: bytes:32 }`);
        continue;
      }
      for (const key of Object.keys(rotation))
        if (!ROTATION_KEYS.has(key))
          add(`${field}: unknown field "${key}"`, "known: every, generator, overlap, soak");
      if (rotation.every === undefined) add(`${field} needs every (a cadence such as 90d)`);
      duration(rotation.every, `${field}.every`);
      duration(rotation.overlap, `${field}.overlap`);
      duration(rotation.soak, `${field}.soak`);
      if (rotation.generator !== undefined)
        try {
          parseGenerator(rotation.generator, `${name}: ${field}.generator`);
        } catch (error) {
          issues.push(
            issue("E_SCHEMA", (error as Error).message, {
              variable: name,
              hint: "see docs/lifecycle.md",
            }),
          );
        }
    }
  }
  if (
    spec.expires !== undefined &&
    (typeof spec.expires !== "string" || Number.isNaN(Date.parse(spec.expires)))
  )
    add('expires must be an RFC 3339 date or time such as "2027-03-31"');
  duration(spec.warnBefore, "warnBefore");
  for (const field of ["usedBy", "rotatesWith"] as const) {
    const value = spec[field];
    if (
      value !== undefined &&
      (!Array.isArray(value) || !value.every((item) => typeof item === "string"))
    )
      add(`${field} must be a list of names`);
  }
  if (spec.owner !== undefined && typeof spec.owner !== "string") add("owner must be a string");
  return issues;
}
