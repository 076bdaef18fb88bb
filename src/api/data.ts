/**
 * Secrets inside application data: rows keep references (`vault:<path>`),
 * the secret lives in Vault at a path made from the row's id; a development
 * machine without Vault encrypts the value into the row instead, which pure
 * Vault mode refuses (docs/data.md).
 *
 * ```ts
 * import { secretRefs, vaultRefs } from "strongbox/data";
 * const keys = secretRefs({ backend: vaultRefs(vault), path: "wireguard/servers/{id}/private-key", pure: true });
 * row.private_key_ref = await keys.put(publicKey, privateKey);
 * ```
 * @packageDocumentation
 */
export type { AwsSecretsOptions, RefBackend } from "../data/backends.js";
export { awsSecretsRefs, storeRefs, vaultRefs } from "../data/backends.js";
export type { ProviderRefsOptions } from "../data/provider-refs.js";
export { providerRefs } from "../data/provider-refs.js";
export type { RowRef, SecretRefs, SecretRefsOptions } from "../data/secret-refs.js";
export { secretRefs } from "../data/secret-refs.js";
