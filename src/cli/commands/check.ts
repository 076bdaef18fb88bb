import { ResolutionError } from "../../errors.js";
import { type Command, RESOLVE_HELP, RESOLVE_OPTIONS } from "../command.js";
import { say } from "../io.js";
import { resolveForCli } from "../resolve-for-cli.js";

/** `strongbox check`: resolve and validate only. The CI gate. */
export const checkCommand: Command = {
  name: "check",
  options: { ...RESOLVE_OPTIONS, json: { type: "boolean" } },
  usage: `Usage: strongbox check [options]

Resolves and validates every variable for the environment without printing
any value. Exits 0 when all is well, 4 when any variable has a problem (all
are listed), 3 when the config or schema is invalid.

Options:
${RESOLVE_HELP}
      --json          print the result as JSON on stdout
`,
  async run(invocation, io) {
    const resolution = await resolveForCli(invocation, io);
    if (!resolution.ok) throw new ResolutionError(resolution.environment.name, resolution.issues);
    const resolved = resolution.entries.filter((entry) => entry.raw !== undefined);
    const secrets = resolved.filter((entry) => entry.secret).length;
    if (invocation.values.json === true) {
      const body = {
        ok: true,
        environment: resolution.environment.name,
        variables: resolved.length,
        secrets,
        unset: resolution.entries.length - resolved.length,
      };
      io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else {
      say(
        io,
        `strongbox: ok: ${resolved.length} variables resolved for environment "${resolution.environment.name}" (${secrets} secret${secrets === 1 ? "" : "s"})`,
      );
    }
    return 0;
  },
};
