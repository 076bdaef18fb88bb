import { providerCredentialVariables } from "../providers/registry.js";

/**
 * The one list of variables that hold credentials Strongbox itself uses to
 * reach its sources: Vault/OpenBao login material and the store's keys.
 * Whatever holds one of them can read every secret the credential reaches,
 * not just the ones the schema declares, so they stay with Strongbox: they
 * are scrubbed from every process Strongbox starts, never expanded into
 * other values, never read by templates, and never migrated as secrets.
 */

/** `VAULT_X` and `BAO_X` for each X: what the official clients and our auth read. */
const VAULT_SUFFIXES = [
  "TOKEN",
  "TOKEN_FILE",
  "ROLE_ID",
  "ROLE_ID_FILE",
  "SECRET_ID",
  "SECRET_ID_FILE",
  "USERNAME",
  "PASSWORD",
  "K8S_ROLE",
  "K8S_JWT_FILE",
  // A TLS client key logs in through cert auth just as a token would.
  "CLIENT_KEY",
] as const;

const STRONGBOX_CREDENTIALS = [
  "STRONGBOX_MASTER_KEY",
  "STRONGBOX_MASTER_KEY_FILE",
  // Names the key file: a child that has it can open the store as we do.
  "STRONGBOX_KEY_FILE",
  "STRONGBOX_PASSPHRASE",
  "STRONGBOX_NEW_PASSPHRASE",
  "STRONGBOX_IDENTITY",
  "STRONGBOX_IDENTITY_FILE",
  // Signs the audit chain: a child that has it could forge or rewrite audit records.
  "STRONGBOX_AUDIT_KEY",
] as const;

/** The built-in credential variables (Vault/OpenBao and the store), for docs and tests. */
export const CREDENTIAL_VARIABLES: readonly string[] = Object.freeze([
  ...VAULT_SUFFIXES.flatMap((suffix) => [`VAULT_${suffix}`, `BAO_${suffix}`]),
  ...STRONGBOX_CREDENTIALS,
]);

let credentials: ReadonlySet<string> | undefined;

/**
 * Strongbox's own credential variables and those every provider declares
 * (its definition's `credentials`), asked of the registry on first use, so
 * a new provider's credentials are guarded without an edit here.
 */
function allCredentials(): ReadonlySet<string> {
  credentials ??= new Set([...CREDENTIAL_VARIABLES, ...providerCredentialVariables()]);
  return credentials;
}

/**
 * True when `name` holds one of Strongbox's own credentials, or a provider's,
 * also under a prefix (`PRODUCTION_VAULT_TOKEN`): an environment's
 * `credentialPrefix` names its own credentials so, and a prefix must end in
 * `_`, so any such name is guarded whatever the config says.
 */
export function isCredentialVariable(name: string): boolean {
  const all = allCredentials();
  if (all.has(name)) return true;
  for (let at = name.indexOf("_"); at !== -1; at = name.indexOf("_", at + 1))
    if (all.has(name.slice(at + 1))) return true;
  return false;
}

/**
 * A copy of `env` for a process Strongbox starts: every credential variable
 * removed, except those in `keep` (names the schema declares and resolved on
 * purpose). The copy has no prototype, so `constructor` or `__proto__` are
 * ordinary names in it.
 */
export function withoutCredentials(
  env: Readonly<Record<string, string | undefined>>,
  keep: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (isCredentialVariable(name) && !keep.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The credential variables set in `env` that belong to a provider rather
 * than to Strongbox itself (AWS keys, say): an application often uses those
 * for its own work, so `run` says by name which ones it did not hand on.
 */
export function providerCredentialsIn(
  env: Readonly<Record<string, string | undefined>>,
  keep: ReadonlySet<string> = new Set(),
): string[] {
  const builtIn = new Set(CREDENTIAL_VARIABLES);
  const strongboxOwn = (name: string) =>
    builtIn.has(name) || CREDENTIAL_VARIABLES.some((credential) => name.endsWith(`_${credential}`));
  return Object.keys(env).filter(
    (name) => isCredentialVariable(name) && !strongboxOwn(name) && !keep.has(name),
  );
}
