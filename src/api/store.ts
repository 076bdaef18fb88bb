/**
 * The encrypted local store as a library: create it, open it, read and write
 * secrets with versions, rotate and re-key. The format is in
 * docs/store-format.md.
 *
 * ```ts
 * import { openStore } from "strongbox/store";
 * const store = await openStore({ dir: ".strongbox", env: process.env });
 * store.set("DB_PASSWORD", Buffer.from(value));
 * ```
 * @packageDocumentation
 */
export { projectStore } from "../providers/store/project-store.js";
export type { KeyWrapper, MasterKeyOrigin, MasterRequest } from "../store/key-wrapper.js";
export { initStore, openStore } from "../store/open.js";
export type { SecretMeta, VersionWire } from "../store/secret-file.js";
export type { InitOptions, SecretInfo, StoreOptions } from "../store/store.js";
export { Store } from "../store/store.js";
