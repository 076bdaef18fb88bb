import { parseDuration, smokeTest } from "../../api/lifecycle.js";
import { StrongboxError } from "../../errors.js";
import { openProject } from "../../index.js";
import { type Command, RESOLVE_HELP, RESOLVE_OPTIONS, stringOption } from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { writeJson, writeReport } from "../io.js";
import { resolveOpenProject } from "../resolve-for-cli.js";
import { table } from "../table.js";

/** `strongbox smoke`: the resolved configuration against the real services. */
export const smokeCommand: Command = {
  name: "smoke",
  options: {
    ...RESOLVE_OPTIONS,
    json: { type: "boolean" },
    "critical-only": { type: "boolean" },
    timeout: { type: "string" },
  },
  usage: `Usage: strongbox smoke [--env E] [--critical-only] [--timeout 5s] [--json]

Checks every variable declared smoke: true (or "critical", or a mapping)
against the service it points at, in parallel: a PostgreSQL URL connects and
runs SELECT 1, a Redis URL authenticates and answers PING, an SMTP URL answers
EHLO and accepts its credentials (after STARTTLS when offered), an HTTP(S) URL
answers without a server error, a *_BUCKET can be listed (with the variables
smoke: { s3: { endpoint, accessKey, secretKey, region } } names, else the AWS
ones), and smoke: { https: { url, header, status } } sends the value to an
HTTPS API ('Authorization: Bearer {value}') and expects the status. An
optional variable that is unset is skipped. A credential never travels
without TLS. A table of pass/skip/fail per variable, never a value; exit 4
when any check fails (a deploy gate, and the verify step of a rotation).

Options:
${RESOLVE_HELP}
      --critical-only only the variables declared smoke: critical
      --timeout D     per check (default 5s)
      --json          print the results as JSON
`,
  async run(invocation, io) {
    const timeout = stringOption(invocation, "timeout");
    const parsed = timeout === undefined ? undefined : parseDuration(timeout);
    if (parsed !== undefined && !parsed.ok)
      throw new StrongboxError("E_USAGE", "smoke: --timeout takes a duration such as 5s");
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const resolution = await resolveOpenProject(project, invocation, io);
    const results = await smokeTest(project.config, resolution, {
      criticalOnly: invocation.values["critical-only"] === true,
      env: io.env,
      ...(parsed === undefined ? {} : { timeoutMs: parsed.value as number }),
    });
    if (invocation.values.json === true)
      writeJson(
        io,
        { environment: resolution.environment.name, results },
        results.every((r) => r.ok),
      );
    else if (results.length === 0) writeReport(io, "no variable is declared smoke: true\n");
    else
      writeReport(
        io,
        table(
          ["VARIABLE", "KIND", "RESULT", "DETAIL", "MS"],
          results.map((r) => [
            `${r.variable}${r.critical ? " (critical)" : ""}`,
            r.kind,
            r.skipped === true ? "skip" : r.ok ? "pass" : "FAIL",
            r.detail,
            String(r.ms),
          ]),
        ),
      );
    return results.length === 0 ? EXIT_OK : verdict(results.every((r) => r.ok));
  },
};
