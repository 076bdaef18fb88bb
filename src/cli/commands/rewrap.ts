import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox rewrap`: re-encrypt every version under the active data key. */
export const rewrapCommand: Command = {
  name: "rewrap",
  options: { ...STORE_OPTION, help: { type: "boolean", short: "h" } },
  usage: `Usage: strongbox rewrap

Re-encrypts every live version under the active data key, one atomic write
per secret; safe to interrupt and run again.

Options:
${STORE_HELP}
`,
  async run(invocation, io) {
    const count = (await openStoreForCli(invocation, io)).rewrap();
    say(io, `strongbox: re-encrypted ${count} version${count === 1 ? "" : "s"}`);
    return EXIT_OK;
  },
};
