import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox rotate-key`: add a data key that new writes use. */
export const rotateKeyCommand: Command = {
  name: "rotate-key",
  options: { ...STORE_OPTION, help: { type: "boolean", short: "h" } },
  usage: `Usage: strongbox rotate-key

Adds a data key to the keyring and makes it active. Existing versions keep
their key until \`strongbox rewrap\` re-encrypts them.

Options:
${STORE_HELP}
`,
  async run(invocation, io) {
    const kid = (await openStoreForCli(invocation, io)).rotateKey();
    say(
      io,
      `strongbox: data key ${kid} is now active; run \`strongbox rewrap\` to re-encrypt older versions`,
    );
    return EXIT_OK;
  },
};
