import { createHmac, randomBytes } from "node:crypto";
import { selectEnvironment } from "../environments/select.js";
import { type Project, resolveProject } from "../project/open.js";
import { declaredPlace } from "../resolve/declared-place.js";
import { h, table } from "./html.js";

/** The environment × variable matrix: where each variable comes from in each environment, and what is wrong. */
export function matrix(
  project: Project,
  environments: readonly string[],
  processEnv: Readonly<Record<string, string | undefined>>,
  live?: { readonly at: Date; readonly columns: LiveColumns; readonly refresh: string },
): string {
  const policies = new Map(
    environments.map((name) => [name, selectEnvironment(project.config, name, processEnv)]),
  );
  const rows = Object.entries(project.config.variables).map(([name, spec]) => {
    const cells = environments.map((environment) => {
      const where = { baseDir: project.baseDir, processEnv };
      const policy = policies.get(environment);
      const { text, state } = declaredPlace(name, project.config, environment, policy, where);
      const first = declaredPlace(
        name,
        project.config,
        environments[0] as string,
        undefined,
        where,
      ).text;
      const differs = state === "ok" && text !== first ? " different" : "";
      const found = live?.columns.get(environment)?.get(name);
      const status =
        found === undefined
          ? ""
          : found.status === "ok"
            ? ` <span class="value-group" title="environments with the same letter have equal values">${h(found.group ?? "")}</span>`
            : ` <span class="status-${found.status}">${h(found.status === "problem" ? (found.code ?? "problem") : "unset")}</span>`;
      return `<td class="${state}${differs}" data-env="${h(environment)}">${h(text)}${status}</td>`;
    });
    const link = `<a href="explain?name=${encodeURIComponent(name)}">${h(name)}</a>`;
    return [
      `<th scope="row">${link}${spec.secret === true ? ' <span class="tag">secret</span>' : ""}</th>`,
      ...cells,
    ];
  });
  const legend =
    (live === undefined
      ? ""
      : `<p class="legend" id="live">Resolved live at <time datetime="${h(live.at.toISOString())}">${h(live.at.toISOString().slice(11, 19))} UTC</time> (<a href="./?refresh=${h(live.refresh)}">resolve again</a>): cells with the same letter hold equal values (compared by HMAC under a key made for that resolution and then dropped).</p>`) +
    '<p class="legend"><span class="missing">missing</span> required, nothing declared · <span class="forbidden">forbidden</span> its source is not allowed there · <span class="ok different">different</span> declared otherwise than in the first environment</p>';
  return `${legend}${table(["variable", ...environments], rows, "matrix")}`;
}

export type LiveColumns = ReadonlyMap<
  string,
  ReadonlyMap<string, { status: "ok" | "unset" | "problem"; code?: string; group?: string }>
>;

/**
 * Every environment resolved (each under its own policy), and for each variable
 * a letter per distinct value: equal values share a letter. The letters come
 * from HMACs under a key drawn for this page and dropped with it, so nothing on
 * the page, or across pages, lets anyone test a guess.
 */
export async function liveColumns(
  project: Project,
  environments: readonly string[],
  options: { processEnv: Readonly<Record<string, string | undefined>>; cwd: string },
): Promise<LiveColumns> {
  const key = randomBytes(32);
  const resolutions = await Promise.all(
    environments.map((environment) =>
      resolveProject(project, {
        environment,
        processEnv: options.processEnv,
        cwd: options.cwd,
        isolateCredentials: true,
      }),
    ),
  );
  const columns = new Map<
    string,
    Map<string, { status: "ok" | "unset" | "problem"; code?: string; group?: string }>
  >();
  const letters = new Map<string, Map<string, string>>();
  for (const [i, environment] of environments.entries()) {
    const resolution = resolutions[i] as (typeof resolutions)[number];
    const column = new Map<
      string,
      { status: "ok" | "unset" | "problem"; code?: string; group?: string }
    >();
    for (const name of Object.keys(project.config.variables)) {
      const problem = resolution.issues.find((issue) => issue.variable === name);
      const raw = resolution.entries.find((entry) => entry.name === name)?.raw;
      if (problem !== undefined) column.set(name, { status: "problem", code: problem.code });
      else if (raw === undefined) column.set(name, { status: "unset" });
      else {
        const mac = createHmac("sha256", key).update(raw).digest("base64");
        const seen = letters.get(name) ?? new Map<string, string>();
        letters.set(name, seen);
        if (!seen.has(mac)) seen.set(mac, String.fromCharCode(65 + (seen.size % 26)));
        column.set(name, { status: "ok", group: seen.get(mac) as string });
      }
    }
    columns.set(environment, column);
  }
  key.fill(0);
  return columns;
}
