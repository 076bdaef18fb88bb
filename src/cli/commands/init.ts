import { StrongboxError } from "../../errors.js";
import { parseMasterKey } from "../../store/master-key.js";
import { initStore } from "../../store/open.js";
import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";
import { promptHidden } from "../prompt.js";
import { STORE_HELP, STORE_OPTION, storeOptions } from "../store-context.js";

/** `strongbox init`: create the encrypted store and its master key. */
export const initCommand: Command = {
  name: "init",
  options: {
    ...STORE_OPTION,
    passphrase: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox init [--store DIR] [--passphrase]

Creates an encrypted store (safe to commit) and a random 32-byte master key
in a key file readable only by you, outside the project. With --passphrase
the master key is derived from a passphrase instead (STRONGBOX_PASSPHRASE or
a prompt; scrypt N=2^17, r=8, p=1).

Options:
${STORE_HELP}
      --passphrase    protect the store with a passphrase instead of a key file
      --json          print the result as JSON
`,
  async run(invocation, io) {
    const options = await storeOptions(invocation, io);
    let newPassphrase: string | undefined;
    if (invocation.values.passphrase === true) {
      newPassphrase =
        io.env.STRONGBOX_PASSPHRASE ?? (await promptHidden(io, "new store passphrase: "));
      if (newPassphrase === undefined || newPassphrase.length < 8) {
        throw new StrongboxError(
          "E_USAGE",
          "init: a passphrase of at least 8 characters is needed",
          { hint: "set STRONGBOX_PASSPHRASE or run in a terminal" },
        );
      }
    }
    const fromEnv = io.env.STRONGBOX_MASTER_KEY;
    const masterKey =
      fromEnv === undefined || fromEnv === "" || newPassphrase !== undefined
        ? undefined
        : parseMasterKey(fromEnv, "STRONGBOX_MASTER_KEY");
    const result = initStore({
      ...options,
      ...(newPassphrase === undefined ? {} : { newPassphrase }),
      ...(masterKey === undefined ? {} : { masterKey }),
    });
    if (invocation.values.json === true) {
      io.stdout.write(`${JSON.stringify({ store: options.dir, ...result }, null, 2)}\n`);
      return EXIT_OK;
    }
    say(io, `strongbox: created the store ${options.dir} (id ${result.storeId})`);
    if (result.keyFile !== undefined) {
      say(io, `strongbox: master key written to ${result.keyFile} (mode 0600)`);
      say(
        io,
        "strongbox: back that file up somewhere safe (a password manager): without it the store cannot be opened.",
      );
      say(
        io,
        "strongbox: on a server or in CI, set STRONGBOX_MASTER_KEY to the file's content instead.",
      );
    } else if (masterKey !== undefined) {
      say(
        io,
        "strongbox: the store uses the master key in STRONGBOX_MASTER_KEY; no key file was written",
      );
    } else {
      say(
        io,
        "strongbox: the store opens with its passphrase (STRONGBOX_PASSPHRASE or a prompt). Do not lose it.",
      );
    }
    say(io, "strongbox: commit the store directory; its .gitignore keeps lock and temp files out.");
    return EXIT_OK;
  },
};
