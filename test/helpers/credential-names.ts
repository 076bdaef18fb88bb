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
      declaredCredentialVariables().flatMap((name, i) => [
        ...[name, name.replace("_", "__")].flatMap((spelled) =>
          [
            spelled,
            `PRODUCTION_${spelled}`,
            `${spelled}_FILE`,
            `PRODUCTION_${spelled}_FILE`,
          ].flatMap((variant) => [variant, variant.toLowerCase()]),
        ),
        // One more spelling per name, in rotation (every spelling is checked over every
        // name directly in test/security/credentials.test.ts; here each meets every exit).
        (IDENTIFIER_RESPELLINGS[i % IDENTIFIER_RESPELLINGS.length] as Respelling)(
          i % 2 === 0 ? name : `PRODUCTION_${name}_FILE`,
        ),
      ]),
    ),
  ].sort();
}

type Respelling = (name: string) => string;

/**
 * Spellings other loaders read as the same name: a compatibility character
 * (the Kelvin sign, which Python's lower() maps to `k`; else a full-width
 * letter), `-`, `.` or `:` (.NET) for `_`, a stray `_` at either end.
 */
export const RESPELLINGS: readonly Respelling[] = [
  (name) =>
    name.includes("K")
      ? name.replace("K", "\u212A")
      : name.replace(/[A-Z]/, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
  (name) => name.replaceAll("_", "-"),
  (name) => `${name}_`,
  (name) => name.replaceAll("_", "."),
  // .NET's configuration separator for `__`
  (name) => name.replaceAll("_", ":"),
  (name) => `_${name.toLowerCase()}`,
];

/**
 * The respellings that stay ASCII identifiers, so that every exit can carry
 * them: a `.env` line, `$NAME` expansion and an import take no `-`, `.` or
 * non-ASCII letter in a name; those reach only a child's environment, and
 * the rule is checked over every name in every respelling directly.
 */
const IDENTIFIER_RESPELLINGS: readonly Respelling[] = RESPELLINGS.filter((respell) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(respell("VAULT_TOKEN")),
);
