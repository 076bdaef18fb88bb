import { envProvider } from "./env/index.js";
import { fileProvider } from "./file/index.js";
import type { ProviderDefinition } from "./provider.js";
import { storeProvider } from "./store/index.js";
import { vaultProvider } from "./vault/index.js";

/**
 * Every provider Strongbox knows, by scheme. Adding a provider means one folder
 * under `src/providers/` and one line here; nothing else in shared code names a scheme.
 */
const definitions: ReadonlyMap<string, ProviderDefinition> = new Map(
  [envProvider, fileProvider, storeProvider, vaultProvider].map((d) => [d.scheme, d]),
);

/** The definition for `scheme`, or undefined when no provider claims it. */
export function providerFor(scheme: string): ProviderDefinition | undefined {
  return definitions.get(scheme);
}

/** The schemes that make a value a reference rather than a literal. */
export function knownSchemes(): readonly string[] {
  return [...definitions.keys()];
}
