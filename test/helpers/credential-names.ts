import { declaredCredentialVariables } from "../../src/security/credentials.js";

/**
 * Every credential name by the rule, generated: each declared name, under an
 * environment's prefix, and the `_FILE` form of each; each of those also in
 * pydantic's nested-settings spelling (`VAULT__SECRET_ID`, seed 002) and in
 * lower case (pydantic reads any case). A new provider's `credentials` join
 * without an edit to the tests that use this.
 */
export function credentialNameVariants(): string[] {
  return [
    ...new Set(
      declaredCredentialVariables().flatMap((name) =>
        [name, name.replace("_", "__")].flatMap((spelled) =>
          [
            spelled,
            `PRODUCTION_${spelled}`,
            `${spelled}_FILE`,
            `PRODUCTION_${spelled}_FILE`,
          ].flatMap((variant) => [variant, variant.toLowerCase()]),
        ),
      ),
    ),
  ].sort();
}
