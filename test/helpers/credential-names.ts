import { declaredCredentialVariables } from "../../src/security/credentials.js";

/**
 * Every credential name by the rule, generated: each declared name, under an
 * environment's prefix, and the `_FILE` form of each. A new provider's
 * `credentials` join without an edit to the tests that use this.
 */
export function credentialNameVariants(): string[] {
  return [
    ...new Set(
      declaredCredentialVariables().flatMap((name) => [
        name,
        `PRODUCTION_${name}`,
        `${name}_FILE`,
        `PRODUCTION_${name}_FILE`,
      ]),
    ),
  ].sort();
}
