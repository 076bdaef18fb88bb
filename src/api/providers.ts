/**
 * The provider seam: what a source of values implements (batch read, and the
 * optional write capability), the registry every scheme is looked up in, and
 * writing a value through any provider that can. docs/providers.md explains
 * how to write one and test it with the shared contract suite.
 *
 * ```ts
 * import { writeToRef } from "strongbox/providers";
 * await writeToRef("vault://secret/app#API_KEY", "API_KEY", value, { cwd, env: process.env });
 * ```
 * @packageDocumentation
 */

export type { WriteToRefOptions } from "../project/write-ref.js";
export { writeToRef } from "../project/write-ref.js";
export type {
  Fetched,
  Provider,
  ProviderDefinition,
  ReadContext,
  ReadResult,
  WriteCapability,
} from "../providers/provider.js";
export { canWrite, defineLocalProvider, defineProvider } from "../providers/provider.js";
export type { SourceKindInfo } from "../providers/registry.js";
export { knownSchemes, providerFor, sourceKinds } from "../providers/registry.js";
