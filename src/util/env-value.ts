/**
 * The value of `name` in an environment object, own properties only: a
 * variable named `constructor`, `toString` or `__proto__` is an ordinary name,
 * and `process.env`'s prototype must never answer for it.
 */
export function envValue(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  if (!Object.hasOwn(env, name)) return undefined;
  const value = env[name];
  return typeof value === "string" ? value : undefined;
}
