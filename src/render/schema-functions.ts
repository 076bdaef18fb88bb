import { selectEnvironment } from "../environments/select.js";
import { ResolutionError, StrongboxError } from "../errors.js";
import { openProject, type Project, resolveProject } from "../project/open.js";
import { projectReadScope } from "../resolve/read-scope.js";
import type { ReadScope } from "../security/read-guard.js";
import type { RenderContext } from "../template/render.js";
import { didYouMean } from "../util/suggest.js";

/** Where `{{ strongbox "VAR" }}` and `{{ ref "…" }}` resolve: the project, environment and process env. */
export interface SchemaResolveOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly environment?: string | undefined;
  readonly configPath?: string | undefined;
}

/**
 * The schema's template functions (`strongbox`, `ref`) for a caller without a render run
 * of its own (the agent): the project opened on first use, resolved as `render` resolves
 * them, so a template renders alike under `render` and the agent.
 */
export function schemaFunctions(
  options: SchemaResolveOptions,
  secrets: Array<{ name: string; value: string }> = [],
): Required<Pick<RenderContext, "variable" | "ref">> {
  let project: Promise<Project> | undefined;
  const open = () => {
    project ??= openProject({
      cwd: options.cwd,
      configPath: options.configPath,
      processEnv: options.env,
    });
    return project;
  };
  const through = async (name: string, ref: string | undefined) => {
    const { config, baseDir } = await open();
    const environment = selectEnvironment(config, options.environment, options.env).name;
    const reads = projectReadScope(config, environment, options.env, baseDir);
    return resolveThroughSchema(open, options, name, ref, secrets, reads);
  };
  return { variable: (name) => through(name, undefined), ref: (text) => through("REF", text) };
}

/**
 * Resolves `{{ strongbox "VAR" }}` (a schema variable) or `{{ ref "…" }}` (a
 * reference, checked against the environment's policy as a secret) through
 * the project's config. Throws the resolution's own problems.
 */
export async function resolveThroughSchema(
  openConfig: () => Promise<Project>,
  options: SchemaResolveOptions,
  name: string,
  ref: string | undefined,
  secrets: Array<{ name: string; value: string }>,
  reads: ReadScope,
): Promise<string> {
  const project = await openConfig();
  if (ref === undefined && !Object.hasOwn(project.config.variables, name)) {
    throw new StrongboxError(
      "E_TEMPLATE",
      `{{ strongbox "${name}" }}: ${name} is not in the schema`,
      {
        hint: `${didYouMean(name, Object.keys(project.config.variables))}declare it, or use {{ ref "…" }}`,
      },
    );
  }
  const config =
    ref === undefined
      ? project.config
      : { ...project.config, variables: { [name]: { secret: true, ref } } };
  const resolution = await resolveProject(
    { ...project, config },
    { environment: options.environment, processEnv: options.env, cwd: options.cwd, reads },
  );
  const entry = resolution.entries.find((e) => e.name === name);
  const problems = resolution.issues.filter((i) => i.variable === name);
  if (entry?.raw === undefined || problems.length > 0)
    throw new ResolutionError(
      resolution.environment.name,
      problems.length > 0 ? problems : resolution.issues,
    );
  if (entry.secret) secrets.push({ name, value: entry.raw });
  return entry.raw;
}
