import { parseRef } from "../../refs/ref.js";
import { refTexts } from "../../refs/template.js";
import type { ConfigSpec, VariableSpec } from "../../schema/types.js";
import { storeProvider } from "./index.js";

/**
 * The schema variables that read the store secret `name` (a `store://NAME`
 * reference, for any environment): what `strongbox set NAME` must satisfy,
 * so a port stored as `abc` is refused when it is set, not when production
 * starts.
 */
export function variablesStoredAs(
  config: ConfigSpec,
  name: string,
): Array<readonly [string, VariableSpec]> {
  return Object.entries(config.variables).filter(([, spec]) => {
    return refTexts(spec).some((text) => {
      try {
        const ref = parseRef(text);
        return ref.scheme === storeProvider.scheme && ref.path === name;
      } catch {
        return false;
      }
    });
  });
}
