/**
 * The one rule for the names `vault setup` builds a Vault identity (a policy
 * and an AppRole) from: the project, each environment that reads Vault, each
 * component. The config check reports a name that breaks it, naming the
 * field; the planner (vault-ops/setup.ts) refuses it again where it joins the
 * names, so no request path or policy name is made of a name outside it.
 *
 * A part is lower-case letters, digits and `_`, in runs joined by single `-`:
 * no `/` or `.` (a policy name goes into `sys/policies/acl/NAME`, and `..`
 * would climb out of it), no upper case (Vault lowercases policy names, so
 * `Prod` and `prod` would be one policy), no `--` and no `-` at either end
 * (what makes the joined name unambiguous, see {@link identityName}).
 */
export const IDENTITY_PART = /^[a-z0-9_]+(?:-[a-z0-9_]+)*$/;

/** What is wrong with `name` as a part of an identity's name, or undefined when it passes. */
export function identityPartProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || name === "") return "is empty or not a string";
  if (IDENTITY_PART.test(name)) return undefined;
  if (name.toLowerCase() !== name && IDENTITY_PART.test(name.toLowerCase()))
    return "has upper-case letters (Vault lowercases policy names, so two spellings would be one policy)";
  return 'is not lower-case letters, digits and _ joined by single "-" (it names a Vault policy and AppRole; "/", ".", "--" and other characters would change which one)';
}

/**
 * The name of the policy and AppRole for `parts` (`project`, `environment`,
 * `component`): the parts joined by `-`, each `-` inside a part doubled. Since
 * a part never starts, ends or doubles a `-`, a single `-` is always a
 * separator and the name always says which parts made it: environments `prod`
 * and `prod-eu` with components `eu-rotation` and `rotation` give
 * `shop-prod-eu--rotation` and `shop-prod--eu-rotation`. Names without `-` in
 * a part are as before (`shop-production-app`).
 */
export function identityName(parts: readonly string[]): string {
  return parts.map((part) => part.replaceAll("-", "--")).join("-");
}
