import { StrongboxError } from "../../errors.js";
import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeJson, writeReport } from "../io.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox history NAME`: every version of a secret, never a value. */
export const historyCommand: Command = {
  name: "history",
  options: { ...STORE_OPTION, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  usage: `Usage: strongbox history NAME [--json]

Options:
${STORE_HELP}
      --json          print the versions as JSON
`,
  async run(invocation, io) {
    const [name] = invocation.positionals;
    if (name === undefined) throw new StrongboxError("E_USAGE", "history: give a secret name");
    const versions = (await openStoreForCli(invocation, io)).history(name);
    if (invocation.values.json === true) {
      writeJson(io, { name, versions });
      return EXIT_OK;
    }
    for (const version of versions) {
      const state = version.state === "deleted" ? "deleted" : `key ${version.kid}`;
      writeReport(
        io,
        `v${version.version}  ${version.createdAt}  ${version.createdBy}  ${state}\n`,
      );
    }
    return EXIT_OK;
  },
};
