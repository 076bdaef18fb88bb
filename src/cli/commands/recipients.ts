import type { Stanza, Store } from "../../api/store.js";
import { StrongboxError } from "../../errors.js";
import type { Command, Invocation } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { type CliIo, say, writeJson, writeReport } from "../io.js";
import { promptHidden } from "../prompt.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox recipients list|add|rm`: who can open the store. */
export const recipientsCommand: Command = {
  name: "recipients",
  options: {
    ...STORE_OPTION,
    name: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox recipients list [--json]
       strongbox recipients add RECIPIENT [--name NAME]
       strongbox recipients rm RECIPIENT|NAME [--json]
       strongbox recipients trust [--env NAME] [--json]
       strongbox recipients fingerprint

Who can open the store. Any one recipient opens it:
  age1…               an age identity (strongbox keygen, or age-keygen)
  ssh-ed25519 AAAA…   an SSH ed25519 public key (opened with ~/.ssh/id_ed25519)
  transit:MOUNT/KEY   a Vault/OpenBao Transit key (opened with VAULT_ADDR and a token)
  aws-kms:KEY         an AWS KMS key id, ARN or alias (opened with AWS credentials)
                      (a reader opens with these only when it names them in
                      STRONGBOX_REMOTE_RECIPIENTS, comma-separated)
  passphrase          a passphrase (STRONGBOX_NEW_PASSPHRASE or a prompt when added)

add wraps the store's current master key for one more recipient; you must be
able to open the store. A store made before recipients keeps its shared
master key as the recipient "master-key" until you remove it.

rm takes the recipient's access away for everything written afterwards: a
new master key wrapped for the others, a new data key and a new integrity
key. What they could read before, they may have kept: rm lists those
secrets; rotate them (strongbox rotate NAME). Both are audited.

Each user's first open of a team store pins its master key (a public key
derived from it, in ~/.local/state/strongbox/known-stores.json). rm signs
the step to the new key with the old one, so teammates follow it. A keyring
replaced by someone who held no key (wrapped anew for your public keys) has
no such step and is refused (E_STORE_TAMPERED); a copy from before a rekey
(a removed recipient's) is refused too (E_STORE_KEY_ROLLBACK). An
environment's store (init --env) is taken on first use only when the root
store endorses it (init --env does, for whoever can open the root);
otherwise E_STORE_UNTRUSTED until trust --env NAME. trust pins the store's key
as it is now, after you checked the change (git log -p -- keyring.sbx),
and lists the recipients it trusted. fingerprint prints the store's key
fingerprint (a public key, safe to publish): a CI job whose home does not
persist pins it with STRONGBOX_STORE_FINGERPRINT (comma-separate several,
one per store); it stays valid across rekeys signed by a recipient, so
move it to the fingerprint rm prints after each removal.

Options:
${STORE_HELP}
      --name NAME     a name for the recipient being added (alice, ci, prod-deploy)
      --json          print the result as JSON
`,
  async run(invocation, io) {
    const [action, ...rest] = invocation.positionals;
    const who = rest.join(" ");
    if (action === undefined || action === "list") return listRecipients(invocation, io);
    if (action === "fingerprint") {
      const store = await openStoreForCli(invocation, io);
      if (invocation.values.json === true) writeJson(io, { fingerprint: store.fingerprint() });
      else writeReport(io, `${store.fingerprint()}\n`);
      return EXIT_OK;
    }
    if (action === "trust") return trustKeyring(invocation, io);
    if (action !== "add" && action !== "rm")
      throw new StrongboxError("E_USAGE", `recipients: unknown action ${action}`, {
        hint: "use list, add, rm, trust or fingerprint",
      });
    if (who === "")
      throw new StrongboxError("E_USAGE", `recipients ${action}: which recipient?`, {
        hint: `strongbox recipients ${action} age1… (see strongbox recipients list)`,
      });
    const store = await openStoreForCli(invocation, io);
    const passphrase = await passphraseFor(store.recipients(), who, action, io);
    if (action === "add") {
      const stanza = await store.addRecipient(who, {
        name: invocation.values.name as string | undefined,
        passphrase,
      });
      if (invocation.values.json === true) writeJson(io, { added: shown(stanza) });
      else say(io, `strongbox: added ${describe(stanza)}; commit the store's keyring.sbx`);
      return EXIT_OK;
    }
    return removeRecipient(store, who, passphrase, invocation, io);
  },
};

/** `recipients list`: how a person checks a store before trusting it: no pin check, no pin, no value read. */
async function listRecipients(invocation: Invocation, io: CliIo): Promise<number> {
  const store = await openStoreForCli(invocation, io, { knownStore: false });
  const recipients = store.recipients();
  if (invocation.values.json === true) writeJson(io, { recipients: recipients.map(shown) });
  else
    for (const stanza of recipients)
      writeReport(io, `${stanza.name ?? "-"}\t${stanza.type}\t${stanza.recipient}\n`);
  return EXIT_OK;
}

/** `recipients trust`: accepts the store's current keyring and shows whom it names. */
async function trustKeyring(invocation: Invocation, io: CliIo): Promise<number> {
  const store = await openStoreForCli(invocation, io, { trustNewKeyring: true });
  const recipients = store.recipients();
  if (invocation.values.json === true)
    writeJson(io, { trusted: true, recipients: recipients.map(shown) });
  else {
    say(io, "strongbox: trusted the store's current keyring; its recipients:");
    for (const stanza of recipients) say(io, `  ${describe(stanza)}`);
  }
  return EXIT_OK;
}

/** `recipients rm`: re-keys the store without the recipient and says what they could read until now. */
async function removeRecipient(
  store: Store,
  who: string,
  passphrase: string | undefined,
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
  const { removed, exposed } = await store.removeRecipient(who, { passphrase });
  if (invocation.values.json === true) {
    writeJson(io, { removed: shown(removed), exposed, fingerprint: store.fingerprint() });
    return EXIT_OK;
  }
  say(
    io,
    `strongbox: removed ${describe(removed)}; the store has a new master key, data key and integrity key`,
  );
  if (exposed.length > 0)
    say(
      io,
      `strongbox: they could read ${exposed.length} secret(s) until now; rotate them: ${exposed.join(", ")}`,
    );
  // A CI pin from before the removal still accepts the store rolled back to the old key.
  say(
    io,
    `strongbox: the store's fingerprint is now ${store.fingerprint()}; set STRONGBOX_STORE_FINGERPRINT to it wherever it is pinned (CI): a pin from before the removal still accepts a copy rolled back to the key the removed recipient holds`,
  );
  say(io, "strongbox: commit the store (keyring.sbx and the secret files)");
  return EXIT_OK;
}

function shown(stanza: Stanza) {
  return {
    type: stanza.type,
    recipient: stanza.recipient,
    ...(stanza.name ? { name: stanza.name } : {}),
  };
}

function describe(stanza: Stanza): string {
  return stanza.name === undefined
    ? stanza.recipient.slice(0, 60)
    : `${stanza.name} (${stanza.recipient.slice(0, 60)})`;
}

/**
 * A passphrase is needed to add a passphrase recipient, and to wrap the new master
 * key again for a passphrase recipient that stays when another is removed.
 */
async function passphraseFor(
  current: readonly Stanza[],
  who: string,
  action: "add" | "rm",
  io: CliIo,
): Promise<string | undefined> {
  const adding = action === "add" && who === "passphrase";
  // A passphrase store from before recipients keeps its passphrase as one: wrapping needs it.
  const legacy = current.some((s) => s.type === "passphrase" && s.wrapped === undefined);
  const keeping =
    (action === "rm" && who !== "passphrase" && current.some((s) => s.type === "passphrase")) ||
    (action === "add" && legacy);
  if (!adding && !keeping) return undefined;
  const variable = adding && !legacy ? "STRONGBOX_NEW_PASSPHRASE" : "STRONGBOX_PASSPHRASE";
  const answer =
    io.env[variable] ??
    (await promptHidden(io, adding ? "new store passphrase: " : "store passphrase: "));
  if (answer === undefined || (adding && answer.length < 8))
    throw new StrongboxError(
      "E_USAGE",
      adding
        ? "recipients add passphrase: a passphrase of at least 8 characters is needed"
        : "the store's passphrase recipient must be wrapped for the new key, which needs the passphrase",
      { hint: `set ${variable} or run in a terminal` },
    );
  return answer;
}

export type { Invocation };
