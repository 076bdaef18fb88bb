import { StrongboxError } from "../../errors.js";
import {
  RECIPIENT_SERVICE_IDS,
  type RecipientServiceId,
  recipientKeys,
  recipientServiceOf,
} from "../../keys/registry.js";
import { formatError } from "../encoding.js";
import type { MasterRecord } from "../keyring.js";

/**
 * One recipient of a store: who can open the master key, and the master key
 * wrapped for them. Kept in the keyring's `master` record (`kind:
 * "recipients"`), so the list is authenticated with the rest of the keyring.
 */
export interface Stanza {
  /** `age`, `ssh-ed25519`, `passphrase`, `transit`, `aws-kms`, or `master-key` (a store's key from before recipients). */
  readonly type: StanzaType;
  /** Who: `age1…`, `ssh-ed25519 AAAA…`, `transit:MOUNT/KEY`, `aws-kms:KEY`, `passphrase`, `master-key`. */
  readonly recipient: string;
  /** A name people know the recipient by (`alice`, `ci`, `prod-deploy`). */
  readonly name?: string;
  /** The master key wrapped for this recipient; absent for `master-key`, which is the key itself. */
  readonly wrapped?: string;
}

/** The key services' stanzas (`transit`, `aws-kms`) come from src/keys/registry.ts. */
export type StanzaType = "age" | "ssh-ed25519" | "passphrase" | RecipientServiceId | "master-key";

const TYPES: readonly StanzaType[] = [
  "age",
  "ssh-ed25519",
  "passphrase",
  ...RECIPIENT_SERVICE_IDS,
  "master-key",
];

/** The type of a recipient as a person writes it; `E_USAGE` naming the accepted forms otherwise. */
export function recipientType(text: string): StanzaType {
  if (text.startsWith("age1") && isAgeRecipient(text)) return "age";
  if (text.startsWith("ssh-ed25519 ") && isAgeRecipient(text)) return "ssh-ed25519";
  const service = recipientServiceOf(text);
  if (service !== undefined) return service.id;
  if (text === "passphrase") return "passphrase";
  throw new StrongboxError("E_USAGE", `"${text.slice(0, 60)}" is not a recipient Strongbox knows`, {
    hint: "give an age recipient (age1…, from strongbox keygen), an SSH ed25519 public key (ssh-ed25519 AAAA…), transit:MOUNT/KEY, aws-kms:KEY or passphrase",
  });
}

/** An SSH public key line without its comment: the part that identifies the key. */
export function canonicalRecipient(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith("ssh-ed25519 ") ? trimmed.split(/\s+/).slice(0, 2).join(" ") : trimmed;
}

/** Whether a text is a recipient Strongbox wraps for with age (kept here: no key code to load). */
function isAgeRecipient(text: string): boolean {
  return (
    /^age1[02-9ac-hj-np-z]{58}$/.test(text) || /^ssh-ed25519 [A-Za-z0-9+/]+=*( .*)?$/.test(text)
  );
}

/** age-encryption, loaded only to wrap (opening an age stanza needs none of it). */
const age = () => import("./age.js");

/**
 * The master key wrapped for `recipient`. Remote recipients (Transit, KMS) are
 * asked with this process's credentials; a passphrase recipient needs `passphrase`.
 */
export async function wrapFor(
  key: Uint8Array,
  recipient: string,
  context: {
    readonly storeId: string;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly name?: string | undefined;
    readonly passphrase?: string | undefined;
  },
): Promise<Stanza> {
  const type = recipientType(recipient);
  const who = canonicalRecipient(recipient);
  const named = context.name === undefined ? {} : { name: context.name };
  switch (type) {
    case "age":
    case "ssh-ed25519":
      return { type, recipient: who, ...named, wrapped: await (await age()).ageWrap(key, who) };
    case "passphrase": {
      if (context.passphrase === undefined || context.passphrase === "")
        throw new StrongboxError("E_STORE_KEY", "a passphrase recipient needs the passphrase", {
          hint: "set STRONGBOX_NEW_PASSPHRASE, or run the command in a terminal to be asked",
        });
      return {
        type,
        recipient: who,
        ...named,
        wrapped: await (await age()).agePassphraseWrap(key, context.passphrase),
      };
    }
    default: {
      const service = recipientKeys(type);
      if (service === undefined) throw new StrongboxError("E_USAGE", `cannot wrap for ${who}`);
      return {
        type,
        recipient: who,
        ...named,
        wrapped: await service.wrap(key, who, context.storeId, context.env),
      };
    }
  }
}

/** The stanzas of a `recipients` master record, checked field by field (it is read before it is authenticated). */
export function stanzasOf(master: MasterRecord, file: string): Stanza[] {
  const list = (master as { stanzas?: unknown }).stanzas;
  if (!Array.isArray(list) || list.length === 0 || list.length > 256)
    throw formatError(file, "the recipients list is missing or malformed");
  return list.map((entry, index) => {
    const stanza = entry as Partial<Record<keyof Stanza, unknown>>;
    const ok =
      typeof entry === "object" &&
      entry !== null &&
      TYPES.includes(stanza.type as StanzaType) &&
      typeof stanza.recipient === "string" &&
      stanza.recipient.length <= 1024 &&
      (stanza.name === undefined ||
        (typeof stanza.name === "string" && /^[A-Za-z0-9_.@-]{1,64}$/.test(stanza.name))) &&
      (stanza.type === "master-key"
        ? stanza.wrapped === undefined
        : typeof stanza.wrapped === "string" && stanza.wrapped.length <= 8192) &&
      Object.keys(entry as object).every((key) =>
        ["type", "recipient", "name", "wrapped"].includes(key),
      );
    if (!ok) throw formatError(file, `recipient ${index + 1} is malformed`);
    return entry as Stanza;
  });
}

/** How a recipient is shown: its name and who it is. */
export function describeStanza(stanza: Stanza): string {
  const who = stanza.recipient.length > 48 ? `${stanza.recipient.slice(0, 44)}…` : stanza.recipient;
  return stanza.name === undefined ? who : `${stanza.name} (${who})`;
}
