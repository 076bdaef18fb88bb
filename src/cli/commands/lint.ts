import { lintProject } from "../../api/check.js";
import { openProject } from "../../index.js";
import { type Command, stringOption } from "../command.js";
import { verdict } from "../exit-codes.js";
import { findingLine } from "../finding-line.js";
import { say, sayAlways, writeJson } from "../io.js";

/** `strongbox lint`: the DO/DON'T list of secrets hygiene as checks. */
export const lintCommand: Command = {
  name: "lint",
  options: {
    config: { type: "string", short: "c" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox lint [--json]

Checks the project against the rules of secrets hygiene: files holding
secrets that git would commit, in any directory, untracked and not ignored
or already tracked (.env files, migrate journals, rendered files: agent.yaml's
destinations, the outputs package.json scripts give strongbox render and
export, files with an agent provenance record), secrets with values in .env.example, secrets with defaults in
the schema, secrets whose names publish them into front-end builds
(NEXT_PUBLIC_*, VITE_*, …), root-token variables in an app's schema, and one
Vault token variable shared by several components. Exit 4 on any finding.

Options:
  -c, --config PATH   the config file
      --json          print the findings as JSON
`,
  async run(invocation, io) {
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const findings = lintProject(project.config, project.baseDir);
    if (invocation.values.json === true) writeJson(io, { ok: findings.length === 0, findings });
    else if (findings.length === 0) say(io, "strongbox: ok: no findings");
    else {
      // Findings are lint's result, kept under --quiet; only the "ok" line is a notice.
      sayAlways(io, `strongbox: ${findings.length} finding${findings.length === 1 ? "" : "s"}`);
      for (const finding of findings) sayAlways(io, findingLine(finding));
    }
    return verdict(findings.length === 0);
  },
};
