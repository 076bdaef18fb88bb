import { refError } from "../../refs/ref.js";

/**
 * Key Vault names allow only letters, digits and `-` (1–127 characters) and
 * compare case-insensitively, while environment variables use `_`. The one
 * mapping, applied to the secret part of every `azure-kv://` ref: `_` becomes
 * `-` and letters are lowercased, so `JWT_SECRET` (or a `{name}` placeholder
 * that fills it in) is the secret `jwt-secret`, and a name already written in
 * Key Vault's form (`bytelyst-jwt-secret`) is unchanged. Nothing is lost by
 * lowercasing: the service would treat `JWT-SECRET` and `jwt-secret` as one.
 */
export function keyVaultSecretName(written: string): string {
  return written.replaceAll("_", "-").toLowerCase();
}

const VAULT_NAME = /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;
const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;
/** A Key Vault version id: 32 hexadecimal characters. */
export const VERSION_ID = /^[0-9a-fA-F]{32}$/;

/** The vault and secret an `azure-kv://VAULT/SECRET` path names, checked; throws E_REF. */
export function splitPath(path: string, context: string): { vault: string; secret: string } {
  const parts = path.split("/");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "")
    throw refError(context, "azure-kv:// takes VAULT-NAME/SECRET-NAME");
  const [vault, written] = parts as [string, string];
  if (!VAULT_NAME.test(vault) || vault.includes("--"))
    throw refError(
      context,
      "a Key Vault name is 3–24 letters, digits and single hyphens, starting with a letter",
    );
  const secret = keyVaultSecretName(written);
  if (!SECRET_NAME.test(secret))
    throw refError(
      context,
      "a Key Vault secret name is 1–127 letters, digits and hyphens (underscores become hyphens)",
    );
  return { vault, secret };
}
