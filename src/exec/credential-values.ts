import { lstatSync } from "node:fs";
import { registerSecret } from "../redact/registry.js";
import { isCredentialVariable } from "../security/credentials.js";

/**
 * Registers with the redactor the value of every credential variable set in
 * `env` (by the one credential rule, `_FILE` and `_PATH` forms included), so
 * no message of this process quotes one, whichever code path reads it: a
 * PEM key or a JWT pasted where a path was expected (`VAULT_CLIENT_KEY`,
 * `VAULT_JWT_FILE`) is masked in the error that says the "path" does not
 * exist. A value naming an existing file or directory is a path the user
 * needs to see, and is left out. Names a provider declares are known once
 * that provider has loaded, so callers may call this again later; each
 * value is registered once.
 */
export function registerCredentialValues(env: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === "" || !isCredentialVariable(name)) continue;
    if (!names(value)) registerSecret(name, value);
  }
}

/** True when `value` is the path of something that exists (then it is shown, not masked). */
function names(value: string): boolean {
  if (value.length > 4096 || value.includes("\n") || value.includes("\0")) return false;
  try {
    lstatSync(value);
    return true;
  } catch {
    return false;
  }
}
