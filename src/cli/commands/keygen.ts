import { addIdentity, identityRecipients } from "../../api/store.js";
import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say, writeJson, writeReport } from "../io.js";

/** `strongbox keygen`: an age identity for opening team stores. */
export const keygenCommand: Command = {
  name: "keygen",
  options: {
    show: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox keygen [--json]
       strongbox keygen --show [--json]

Creates an age X25519 identity in ~/.config/strongbox/identities (mode 0600,
as age-keygen writes it, so the age CLI can use the file too) and prints its
public recipient (age1…) on stdout: give that to whoever adds you to a store
(strongbox recipients add age1…). Run again to add another identity; every
identity in the file is tried when a store is opened. --show prints the
recipients of the identities already there. The secret key is never printed.

In CI, set STRONGBOX_IDENTITY to the secret key line (or
STRONGBOX_IDENTITY_FILE to a file holding it) instead.

Options:
      --show          print the recipients of the existing identities
      --json          print { recipient, file } (or { recipients, file })
`,
  async run(invocation, io) {
    if (invocation.values.show === true) {
      const { file, recipients } = identityRecipients(io.env);
      if (invocation.values.json === true) writeJson(io, { recipients, file });
      else for (const recipient of recipients) writeReport(io, `${recipient}\n`);
      return EXIT_OK;
    }
    const { file, recipient } = await addIdentity(io.env);
    if (invocation.values.json === true) writeJson(io, { recipient, file });
    else {
      writeReport(io, `${recipient}\n`);
      say(
        io,
        `strongbox: identity written to ${file} (mode 0600); share the recipient above, never the file`,
      );
    }
    return EXIT_OK;
  },
};
