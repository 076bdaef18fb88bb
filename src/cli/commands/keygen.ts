import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../../fs/atomic-write.js";
import { readPrivateFile } from "../../security/key-file.js";
import { ageIdentitiesIn, newAgeIdentity } from "../../store/recipients/age.js";
import { identitiesFile } from "../../store/recipients/identities.js";
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
    const file = identitiesFile(io.env);
    if (invocation.values.show === true) {
      const recipients = existsSync(file)
        ? ageIdentitiesIn(readPrivateFile(file, "identity file"), file).map(
            (identity) => identity.recipient,
          )
        : [];
      if (invocation.values.json === true) writeJson(io, { recipients, file });
      else for (const recipient of recipients) writeReport(io, `${recipient}\n`);
      return EXIT_OK;
    }
    const { secret, recipient } = await newAgeIdentity();
    const entry = `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${secret}\n`;
    if (existsSync(file)) {
      // Checked as a key file before anything is added to it.
      readPrivateFile(file, "identity file");
      appendFileSync(file, `${readFileSync(file, "utf8").endsWith("\n") ? "" : "\n"}${entry}`);
    } else {
      ensurePrivateDir(dirname(file));
      writeFileAtomic(file, Buffer.from(entry), 0o600);
    }
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
