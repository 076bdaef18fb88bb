import { type Project, resolveProject } from "../project/open.js";
import { h } from "./html.js";

/** One variable's provenance in one environment: where it came from, what it shadowed, what is wrong. */
export async function explainPage(
  project: Project,
  url: URL,
  environments: readonly string[],
  options: { processEnv: Readonly<Record<string, string | undefined>>; cwd: string },
): Promise<string> {
  const name = url.searchParams.get("name") ?? "";
  const environment = url.searchParams.get("env") ?? (environments[0] as string);
  if (!Object.hasOwn(project.config.variables, name))
    return `<p>${h(name)} is not in the schema.</p>`;
  const resolution = await resolveProject(project, {
    environment,
    processEnv: options.processEnv,
    cwd: options.cwd,
  });
  const entry = resolution.entries.find((candidate) => candidate.name === name);
  const issues = resolution.issues.filter((issue) => issue.variable === name);
  const switcher = environments
    .map(
      (env) =>
        `<a href="explain?name=${encodeURIComponent(name)}&amp;env=${encodeURIComponent(env)}"${env === environment ? ' class="here"' : ""}>${h(env)}</a>`,
    )
    .join(" ");
  const winner = entry?.provenance.winner;
  return `<p class="envs">${switcher}</p><h2 id="variable">${h(name)} in ${h(environment)}</h2>
<dl id="provenance"><dt>status</dt><dd>${h(entry?.provenance.status ?? "unset")}</dd>
<dt>from</dt><dd>${h(winner === undefined ? "nowhere" : `${winner.place} (${winner.kind}${winner.ref ? ` ${winner.ref}` : ""}${winner.version === undefined ? "" : ` v${winner.version}`})`)}</dd>
${(entry?.provenance.shadowed ?? []).map((s) => `<dt>shadowed</dt><dd>${h(`${s.place}: ${s.reason}`)}</dd>`).join("")}
${issues.map((issue) => `<dt>problem</dt><dd class="missing">${h(`${issue.code}: ${issue.message}`)}</dd>`).join("")}</dl>`;
}
