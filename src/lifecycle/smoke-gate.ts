import { type Project, resolveProject } from "../project/open.js";
import { smokeTest } from "./smoke.js";

/**
 * The check a rotation's finish waits for (seed 001: "smoke tests pass
 * against the rotated stack", then revoke the previous version): the
 * project's smoke checks in `environment`, run once however many rotations
 * ask. Undefined when the schema declares no smoke check.
 */
export function smokeGate(
  project: Project,
  environment: string,
  processEnv: Readonly<Record<string, string | undefined>>,
): (() => Promise<string | undefined>) | undefined {
  const declared = Object.values(project.config.variables).some(
    (spec) => spec.smoke !== undefined && spec.smoke !== false,
  );
  if (!declared) return undefined;
  let verdict: Promise<string | undefined> | undefined;
  return () => {
    verdict ??= (async () => {
      const resolution = await resolveProject(project, { environment, processEnv });
      const failing = (await smokeTest(project.config, resolution, { env: processEnv })).filter(
        (result) => !result.ok,
      );
      return failing.length === 0
        ? undefined
        : `smoke checks fail for ${failing.map((result) => `${result.variable} (${result.detail})`).join(", ")}`;
    })();
    return verdict;
  };
}
