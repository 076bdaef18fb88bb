import { rotationIn } from "../../api/lifecycle.js";
import { StrongboxError } from "../../errors.js";
import { openProject, type Provenance, type VariableSpec } from "../../index.js";
import { type Command, RESOLVE_HELP, RESOLVE_OPTIONS, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeJson, writeReport } from "../io.js";
import { formatIssue } from "../render-error.js";
import { resolveOpenProject } from "../resolve-for-cli.js";

/** `strongbox explain [VAR...]`: where each value came from. Never prints a value. */
export const explainCommand: Command = {
  name: "explain",
  options: { ...RESOLVE_OPTIONS, json: { type: "boolean" } },
  usage: `Usage: strongbox explain [options] [VAR...]

For each variable (or only those named): the source that won, the reference it
followed, and every other source that held a value and why it lost. Problems
are listed under their variable. Values are never printed.

Options:
${RESOLVE_HELP}
      --json          print provenance as JSON on stdout
`,
  async run(invocation, io) {
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const resolution = await resolveOpenProject(project, invocation, io);
    const lifecycleOf = (name: string) =>
      lifecycleFields(project.config.variables[name], resolution.environment.name);
    const wanted = invocation.positionals;
    const known = new Set(resolution.entries.map((entry) => entry.name));
    const unknown = wanted.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new StrongboxError(
        "E_USAGE",
        `explain: ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not in the schema`,
        {
          hint: `variables: ${[...known].join(", ")}`,
        },
      );
    }
    const entries = resolution.entries.filter(
      (entry) => wanted.length === 0 || wanted.includes(entry.name),
    );
    const issuesOf = (name: string) => resolution.issues.filter((item) => item.variable === name);
    if (invocation.values.json === true) {
      const body = {
        environment: resolution.environment.name,
        ok: resolution.ok,
        variables: entries.map((entry) => ({
          ...entry.provenance,
          ...(lifecycleOf(entry.name) === undefined ? {} : { lifecycle: lifecycleOf(entry.name) }),
          issues: issuesOf(entry.name),
        })),
        issues: resolution.issues.filter((item) => item.variable === undefined),
      };
      writeJson(io, body);
      return EXIT_OK;
    }
    const blocks = entries.map((entry) =>
      describe(entry.provenance, issuesOf(entry.name).map(formatIssue), lifecycleOf(entry.name)),
    );
    const general = resolution.issues
      .filter((item) => item.variable === undefined)
      .map(formatIssue);
    writeReport(
      io,
      `environment: ${resolution.environment.name} (declared as ${resolution.environment.declaredAs})\n\n${[...blocks, ...general].join("\n")}\n`,
    );
    return EXIT_OK;
  },
};

/** A variable's lifecycle declarations in this environment, as explain shows them; undefined without any. */
function lifecycleFields(
  spec: VariableSpec | undefined,
  environment: string,
): Record<string, string> | undefined {
  if (spec === undefined) return undefined;
  const rotation = rotationIn(spec, environment);
  const hours = (ms: number) =>
    ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${ms / 3_600_000}h`;
  const fields: Record<string, string> = {
    ...(rotation === undefined
      ? {}
      : {
          rotation: `every ${hours(rotation.everyMs)}${rotation.generator === undefined ? "" : `, generator ${typeof rotation.generator === "string" ? rotation.generator : JSON.stringify(rotation.generator)}`}, overlap ${hours(rotation.overlapMs)}, soak ${hours(rotation.soakMs)}`,
        }),
    ...(spec.expires === undefined ? {} : { expires: spec.expires }),
    ...(spec.owner === undefined ? {} : { owner: spec.owner }),
    ...(spec.usedBy === undefined ? {} : { usedBy: spec.usedBy.join(", ") }),
    ...(spec.rotatesWith === undefined ? {} : { rotatesWith: spec.rotatesWith.join(", ") }),
    ...(spec.smoke === undefined
      ? {}
      : {
          smoke:
            typeof spec.smoke === "object"
              ? [
                  spec.smoke.https === undefined ? "" : "https",
                  spec.smoke.s3 === undefined ? "" : "s3",
                  spec.smoke.critical === true ? "critical" : "",
                ]
                  .filter(Boolean)
                  .join(", ") || "true"
              : String(spec.smoke),
        }),
  };
  return Object.keys(fields).length === 0 ? undefined : fields;
}

function describe(
  p: Provenance,
  problems: string[],
  lifecycle: Record<string, string> | undefined,
): string {
  const traits = [p.secret ? "secret" : "plain", p.required ? "required" : "optional"].join(", ");
  const lines = [
    `${p.variable}${p.envName === p.variable ? "" : ` (as ${p.envName})`}  [${traits}]`,
  ];
  if (p.winner !== undefined) {
    const via =
      p.winner.ref === undefined
        ? ""
        : ` -> ${p.winner.ref}${p.winner.version === undefined ? "" : ` (version ${p.winner.version})`}`;
    lines.push(`  ${p.status === "ok" ? "✓" : "✗"} from ${p.winner.place}${via}`);
  } else {
    lines.push(`  ${p.status === "unset" ? "- not set (optional)" : "✗ not set anywhere"}`);
  }
  for (const s of p.shadowed) lines.push(`    shadows ${s.place}`);
  for (const [field, value] of Object.entries(lifecycle ?? {})) lines.push(`  ${field}: ${value}`);
  lines.push(...problems);
  return `${lines.join("\n")}\n`;
}
