import { StrongboxError } from "../../errors.js";
import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";
import { promptHidden } from "../prompt.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox rekey`: change the master key (re-wraps only the keyring). */
export const rekeyCommand: Command = {
  name: "rekey",
  options: {
    ...STORE_OPTION,
    passphrase: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox rekey [--passphrase]

Replaces the master key: a new random key in the key file, or with
--passphrase a new passphrase (STRONGBOX_NEW_PASSPHRASE or a prompt). Only
the keyring is re-wrapped. Update STRONGBOX_MASTER_KEY wherever it is set.

Options:
${STORE_HELP}
      --passphrase    protect the store with a new passphrase
`,
  async run(invocation, io) {
    const store = await openStoreForCli(invocation, io);
    if (store.recipients().some((stanza) => stanza.wrapped !== undefined)) {
      // A recipients store: the new key is wrapped for every recipient; nobody gets a key file.
      const keeps = store.recipients().some((stanza) => stanza.type === "passphrase");
      const passphrase = keeps
        ? (io.env.STRONGBOX_PASSPHRASE ?? (await promptHidden(io, "store passphrase: ")))
        : undefined;
      await store.rekeyRecipients({ passphrase });
      say(io, "strongbox: new master key wrapped for every recipient; commit the store");
      return EXIT_OK;
    }
    let passphrase: string | undefined;
    if (invocation.values.passphrase === true) {
      passphrase =
        io.env.STRONGBOX_NEW_PASSPHRASE ?? (await promptHidden(io, "new store passphrase: "));
      if (passphrase === undefined || passphrase.length < 8)
        throw new StrongboxError(
          "E_USAGE",
          "rekey: a passphrase of at least 8 characters is needed",
        );
    }
    const { keyFile } = store.rekey(passphrase === undefined ? {} : { passphrase });
    say(
      io,
      keyFile === undefined
        ? "strongbox: the store now opens with the new passphrase"
        : `strongbox: new master key written to ${keyFile}; back it up`,
    );
    if (store.origin === "env")
      say(
        io,
        "strongbox: the old STRONGBOX_MASTER_KEY no longer opens the store: update it wherever it is set",
      );
    return EXIT_OK;
  },
};
