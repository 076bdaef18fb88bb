import { StrongboxError } from "../../errors.js";
import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox rm NAME`: delete a secret with a tombstone, or destroy it with --purge. */
export const rmCommand: Command = {
  name: "rm",
  options: { ...STORE_OPTION, purge: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  usage: `Usage: strongbox rm NAME [--purge]

Adds a tombstone version: the secret reads as absent, its history stays, and
\`strongbox rollback\` can bring it back. --purge destroys the secret file and
every version in it (git history may still hold older copies).

Options:
${STORE_HELP}
      --purge         destroy the secret and its history
`,
  async run(invocation, io) {
    const [name] = invocation.positionals;
    if (name === undefined) throw new StrongboxError("E_USAGE", "rm: give a secret name");
    const store = await openStoreForCli(invocation, io);
    const version = store.remove(name, { purge: invocation.values.purge === true });
    say(
      io,
      version === undefined
        ? `strongbox: destroyed ${name}`
        : `strongbox: deleted ${name} (tombstone version ${version})`,
    );
    return EXIT_OK;
  },
};
