import { StrongboxError } from "../../errors.js";
import { type Command, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeData, writeJson } from "../io.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox get NAME`: print one secret's value (the one command whose job is to show a value). */
export const getCommand: Command = {
  name: "get",
  options: {
    ...STORE_OPTION,
    version: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox get NAME [--version N]

Prints the value of secret NAME to stdout: exactly its bytes when stdout is a
pipe or file, with a newline added on a terminal. Exit status 7
(E_STORE_NOT_FOUND, as for rm and history) when the secret, or that version,
does not exist or is deleted; 4 when it has expired.

Options:
${STORE_HELP}
      --version N     a given version instead of the latest
      --json          print {"name", "version", "value"} as JSON
`,
  async run(invocation, io) {
    const [name] = invocation.positionals;
    if (name === undefined) throw new StrongboxError("E_USAGE", "get: give a secret name");
    const versionText = stringOption(invocation, "version");
    const version = versionText === undefined ? undefined : Number(versionText);
    if (version !== undefined && (!Number.isInteger(version) || version < 1))
      throw new StrongboxError("E_USAGE", "get: --version takes a positive integer");
    const store = await openStoreForCli(invocation, io);
    const found = store.get(name, version);
    if (found === undefined) {
      throw new StrongboxError(
        // The store's own code for an absent secret, as `rm`, `history` and `rollback` answer:
        // E_MISSING is a schema variable without a value, which `get` knows nothing of.
        "E_STORE_NOT_FOUND",
        `${name}${version === undefined ? "" : ` version ${version}`} is not in the store, or is deleted`,
        { hint: "see `strongbox list` and `strongbox history NAME`" },
      );
    }
    if (invocation.values.json === true) {
      writeJson(io, { name, version: found.version, value: found.value.toString("utf8") });
    } else {
      writeData(io, found.value);
      if (io.stdout.isTTY === true) writeData(io, "\n");
    }
    return EXIT_OK;
  },
};
