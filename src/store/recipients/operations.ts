import { StrongboxError } from "../../errors.js";
import { keyFilePath } from "../../security/key-file.js";
import type { StoreCore } from "../core.js";
import { toB64u } from "../encoding.js";
import { rekey, setMasterRecord } from "../key-operations.js";
import type { MasterRecord } from "../keyring.js";
import { followOwnRekey } from "../known-stores.js";
import { canonicalRecipient, recipientType, type Stanza, stanzasOf, wrapFor } from "./stanzas.js";

/** What a recipient change needs besides the store: a name, a passphrase for passphrase recipients. */
export interface RecipientOptions {
  readonly name?: string | undefined;
  /** For a passphrase recipient being added, or kept while the master key changes. */
  readonly passphrase?: string | undefined;
}

/** The store's recipients; a store from before recipients has one, its shared master key (or passphrase). */
export function listRecipients(core: StoreCore): Stanza[] {
  const master = core.keyring.master;
  if (master.kind === "recipients") return stanzasOf(master, core.options.dir);
  return [
    master.kind === "passphrase"
      ? { type: "passphrase", recipient: "passphrase" }
      : { type: "master-key", recipient: "master-key" },
  ];
}

/**
 * Adds a recipient: the current master key wrapped for it, the rest of the
 * keyring unchanged. A store from before recipients becomes a recipients
 * store, its shared master key kept as the recipient `master-key` until it is
 * removed (a passphrase store's passphrase, likewise, as `passphrase`).
 */
export async function addRecipient(
  core: StoreCore,
  recipient: string,
  options: RecipientOptions = {},
): Promise<Stanza> {
  recipientType(recipient);
  const who = canonicalRecipient(recipient);
  const basedOn = core.keyring.master;
  const current = await currentStanzas(core, options);
  if (current.some((stanza) => stanza.recipient === who))
    throw new StrongboxError(
      "E_USAGE",
      `${who.slice(0, 60)} is already a recipient of this store`,
      {
        hint: "see `strongbox recipients list`",
      },
    );
  if (options.name !== undefined && current.some((stanza) => stanza.name === options.name))
    throw new StrongboxError("E_USAGE", `a recipient is already named ${options.name}`, {
      hint: "choose another --name",
    });
  const stanza = await wrapFor(core.masterKey, who, {
    storeId: toB64u(core.keyring.storeId),
    env: core.options.env,
    name: options.name,
    passphrase: options.passphrase,
  });
  setMasterRecord(
    core,
    recordOf([...current, stanza]),
    { action: "recipient-add", recipient: who },
    basedOn,
  );
  return stanza;
}

/**
 * Removes a recipient (by recipient text or name) and takes its access away
 * for everything written afterwards: a new master key wrapped for the
 * recipients that remain, a new data key and a new integrity key (the rekey
 * of key-operations.ts). What the removed recipient could read before stays
 * readable to whoever kept a copy, so the names of those secrets are
 * returned: they are the ones to rotate.
 */
export async function removeRecipient(
  core: StoreCore,
  who: string,
  options: RecipientOptions = {},
): Promise<{ removed: Stanza; exposed: string[] }> {
  const basedOn = core.keyring.master;
  const current = await currentStanzas(core, options);
  const target = canonicalRecipient(who);
  const removed = current.filter((stanza) => stanza.recipient === target || stanza.name === who);
  if (removed.length === 0)
    throw new StrongboxError("E_USAGE", `${who.slice(0, 60)} is not a recipient of this store`, {
      hint: "see `strongbox recipients list` for the recipients and their names",
    });
  const remaining = current.filter((stanza) => !removed.includes(stanza));
  if (remaining.length === 0)
    throw new StrongboxError("E_USAGE", "a store needs at least one recipient", {
      hint: "add the new recipient first, then remove this one",
    });
  const exposed = core
    .names()
    .filter((name) => core.load(name) !== undefined)
    .sort();
  await rekeyFor(core, remaining, options, basedOn, {
    action: "recipient-rm",
    recipient: (removed[0] as Stanza).recipient,
  });
  return { removed: removed[0] as Stanza, exposed };
}

/** A new master key for the same recipients (`strongbox rekey` on a recipients store). */
export async function rekeyRecipients(
  core: StoreCore,
  options: RecipientOptions = {},
): Promise<void> {
  const basedOn = core.keyring.master;
  await rekeyFor(core, await currentStanzas(core, options), options, basedOn, { action: "rekey" });
}

async function rekeyFor(
  core: StoreCore,
  stanzas: readonly Stanza[],
  options: RecipientOptions,
  basedOn: MasterRecord,
  audit: { action: "rekey" | "recipient-rm"; recipient?: string },
): Promise<void> {
  const key = core.random(32);
  const storeId = toB64u(core.keyring.storeId);
  const wrapped: Stanza[] = [];
  let keyFile: string | undefined;
  for (const stanza of stanzas) {
    if (stanza.type === "master-key") {
      // The shared key stays a way in: the new key goes to this user's key file (others must
      // be given it again, which is why teams remove it once everyone has an identity).
      keyFile = keyFilePath(storeId, core.options.env);
      wrapped.push(stanza);
      continue;
    }
    if (stanza.type === "passphrase" && options.passphrase === undefined)
      throw new StrongboxError(
        "E_STORE_KEY",
        "the store's passphrase recipient must be wrapped again, and that needs the passphrase",
        { hint: "set STRONGBOX_PASSPHRASE (or remove the passphrase recipient first)" },
      );
    wrapped.push(
      await wrapFor(key, stanza.recipient, {
        storeId,
        env: core.options.env,
        name: stanza.name,
        passphrase: options.passphrase,
      }),
    );
  }
  rekey(core, {
    prepared: { master: recordOf(wrapped), key, ...(keyFile === undefined ? {} : { keyFile }) },
    basedOn,
    action: audit.action,
    ...(audit.recipient === undefined ? {} : { recipient: audit.recipient }),
  });
  followOwnRekey(core.options, core.keyring, core.masterKey);
  // An environment store's endorsement by its root moves to the new key (open.ts).
  const { endorseCurrentKey } = await import("../open.js");
  await endorseCurrentKey(core);
}

/** The current stanzas; a store from before recipients turned into its one recipient. */
async function currentStanzas(core: StoreCore, options: RecipientOptions): Promise<Stanza[]> {
  const master = core.keyring.master;
  if (master.kind === "recipients") return stanzasOf(master, core.options.dir);
  if (master.kind === "passphrase") {
    if (options.passphrase === undefined)
      throw new StrongboxError(
        "E_STORE_KEY",
        "this store is protected by a passphrase; adding recipients keeps it as one, which needs the passphrase",
        { hint: "set STRONGBOX_PASSPHRASE" },
      );
    return [
      await wrapFor(core.masterKey, "passphrase", {
        storeId: toB64u(core.keyring.storeId),
        env: core.options.env,
        passphrase: options.passphrase,
      }),
    ];
  }
  return [{ type: "master-key", recipient: "master-key" }];
}

function recordOf(stanzas: readonly Stanza[]): MasterRecord {
  return { kind: "recipients", stanzas: stanzas.map((stanza) => ({ ...stanza })) };
}
