import { StrongboxError } from "../../errors.js";
import { type Command, listOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox rm NAME`: delete a secret with a tombstone, or destroy it with --purge. */
export const rmCommand: Command = {
  name: "rm",
  options: {
    ...STORE_OPTION,
    purge: { type: "boolean" },
    version: { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox rm NAME [--purge | --version N...]

Adds a tombstone version: the secret reads as absent, its history stays, and
\`strongbox rollback\` can bring it back. --purge destroys every value and
the metadata in the secret's file, keeping only how many versions there were,
so an older copy of the file put back is refused (git history may still hold
older copies). --version N
destroys older versions only (repeatable): their values leave the file, the
current one stays (what \`strongbox rotate --finish\` does after a soak).

Options:
${STORE_HELP}
      --purge         destroy the secret and its history
      --version N     destroy version N (not the current one); repeatable
`,
  async run(invocation, io) {
    const [name] = invocation.positionals;
    if (name === undefined) throw new StrongboxError("E_USAGE", "rm: give a secret name");
    const store = await openStoreForCli(invocation, io);
    const versions = listOption(invocation, "version");
    if (versions !== undefined) {
      if (invocation.values.purge === true)
        throw new StrongboxError("E_USAGE", "rm: give --purge or --version, not both");
      const numbers = versions.map(Number);
      if (!numbers.every((n) => Number.isInteger(n) && n > 0))
        throw new StrongboxError("E_USAGE", "rm: --version takes a version number");
      const destroyed = store.destroyVersions(name, numbers);
      say(
        io,
        destroyed.length === 0
          ? `strongbox: ${name}: nothing to destroy (those versions are gone already)`
          : `strongbox: ${name}: destroyed version${destroyed.length === 1 ? "" : "s"} ${destroyed.join(", ")}`,
      );
      return EXIT_OK;
    }
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
