import { StrongboxError } from "../../errors.js";
import { type Command, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox rollback NAME --to N`: make an older version current again. */
export const rollbackCommand: Command = {
  name: "rollback",
  options: { ...STORE_OPTION, to: { type: "string" }, help: { type: "boolean", short: "h" } },
  usage: `Usage: strongbox rollback NAME --to N

Copies version N into a new version, so history only grows.

Options:
${STORE_HELP}
      --to N          the version to restore
`,
  async run(invocation, io) {
    const [name] = invocation.positionals;
    const to = Number(stringOption(invocation, "to"));
    if (name === undefined || !Number.isInteger(to) || to < 1)
      throw new StrongboxError("E_USAGE", "rollback: give a secret name and --to N");
    const version = (await openStoreForCli(invocation, io)).rollback(name, to);
    say(io, `strongbox: ${name} version ${version} now holds the value of version ${to}`);
    return EXIT_OK;
  },
};
