type Env = Readonly<Record<string, string | undefined>>;

/** Whether an environment's own credentials are in force, and where a plain name was read from. */
export interface VariableScope {
  readonly ambient: boolean;
  readonly origin: (name: string) => string;
}

/**
 * The one rule for which of a provider's variables an environment's
 * credentials may come from. Once its own (prefixed) credentials are in force
 * for any provider (`ambient` false), only variables named `family…` that came
 * from its prefix count: the plain ones this process happens to have (another
 * environment's keys, token file, endpoint or authority host) are never used
 * for it. Other variables pass unchanged.
 */
export function ownVariables(env: Env, scope: VariableScope, family: string): Env {
  if (scope.ambient) return env;
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith(family) || scope.origin(name) !== name),
  );
}
