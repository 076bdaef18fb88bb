/**
 * Field-level envelope encryption for application data: per-tenant master
 * keys in Vault/OpenBao Transit or the local store, one self-describing
 * string per value, master key rotation by rewrap (docs/envelope-format.md).
 *
 * ```ts
 * import { fieldCipher, transitKeys } from "strongbox/crypto";
 * const cipher = fieldCipher({ services: [transitKeys(vault)], keyFor: (product) => `transit:tracker-mek-${product}` });
 * const stored = await cipher.encrypt(product, email, { context: `users.email:${id}` });
 * ```
 * @packageDocumentation
 */

export type { RewrapColumnOptions } from "../data/rewrap-column.js";
export { rewrapColumn } from "../data/rewrap-column.js";
export type { FieldCipher, FieldCipherOptions, FieldContext } from "../envelope/field-cipher.js";
export { fieldCipher } from "../envelope/field-cipher.js";
export type { Envelope } from "../envelope/format.js";
export { isEnvelope, parseEnvelope } from "../envelope/format.js";
export { localKeys } from "../envelope/local-keys.js";
export type {
  RewrapBatch,
  RewrapResult,
  RewrapTableOptions,
  SqlClient,
} from "../envelope/rewrap-table.js";
export { assertRetirable, keyVersionsInUse, rewrapTable } from "../envelope/rewrap-table.js";
export type { KmsOptions } from "../keys/aws-kms.js";
export { kmsKeys } from "../keys/aws-kms.js";
export type { KeyService, NewDataKey, WrappedDataKey } from "../keys/key-service.js";
export { transitKeys } from "../keys/transit.js";
