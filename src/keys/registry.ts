import { StrongboxError } from "../errors.js";
import { awsKms } from "./aws-kms.js";
import type {
  KeyServiceContext,
  KeyServiceDefinition,
  OpenedKeyService,
  RecipientKeys,
} from "./key-service.js";
import { splitKeyId } from "./key-service.js";
import { transit } from "./transit.js";

/**
 * Every key service Strongbox knows, by id. Adding one means one file under
 * `src/keys/` and one line here; the store's recipients and field encryption
 * (`rewrap-data --key-id`) both find it through this list, and nothing else
 * in shared code names an id. Local keys live in the store (a floor above),
 * so their caller hands their definition in (see envelope/local-keys.ts).
 */
const definitions = [transit, awsKms] as const;

/** The ids of the services that can hold a store's master key (store recipients `ID:…`). */
export type RecipientServiceId = (typeof definitions)[number]["id"];

/** {@link RecipientServiceId}s, in registry order. */
export const RECIPIENT_SERVICE_IDS: readonly RecipientServiceId[] = definitions
  .filter((d) => d.recipient !== undefined)
  .map((d) => d.id);

/** The service whose `ID:` a store recipient starts with, or undefined. */
export function recipientServiceOf(
  text: string,
): { readonly id: RecipientServiceId; readonly keys: RecipientKeys } | undefined {
  const found = definitions.find((d) => d.recipient !== undefined && text.startsWith(`${d.id}:`));
  return found?.recipient === undefined ? undefined : { id: found.id, keys: found.recipient };
}

/** The recipient operations of service `id` (a stanza's type), or undefined. */
export function recipientKeys(id: string): RecipientKeys | undefined {
  return definitions.find((d) => d.id === id)?.recipient;
}

/**
 * The key service of key id `SERVICE:NAME`, made from the environment and
 * config; `extra` adds services the caller can make (local keys, which need
 * the store). `E_USAGE` for a malformed id or an unknown service.
 */
export async function openKeyService(
  keyId: string,
  context: KeyServiceContext,
  extra: readonly KeyServiceDefinition[] = [],
): Promise<OpenedKeyService> {
  const { service } = splitKeyId(keyId);
  if (!/^[a-z][a-z0-9-]*:./.test(keyId))
    throw new StrongboxError(
      "E_USAGE",
      `--key-id takes service:name, such as transit:tracker-mek-42`,
    );
  const all: readonly KeyServiceDefinition[] = [...definitions, ...extra];
  const definition = all.find((d) => d.id === service);
  if (definition === undefined) {
    const ids = all.map((d) => `${d.id}:`);
    throw new StrongboxError(
      "E_USAGE",
      `no key service "${service}": use ${ids.slice(0, -1).join(", ")} or ${ids.at(-1)}`,
    );
  }
  return definition.open(context);
}
