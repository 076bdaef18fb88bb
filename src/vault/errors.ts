import { type ErrorCode, StrongboxError } from "../errors.js";
import type { VaultRequest, VaultResponse } from "./http.js";

/** The messages of a Vault `{"errors": [...]}` body, trimmed of multierror decoration. */
export function vaultMessages(response: VaultResponse): string[] {
  const errors = response.body?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((message) =>
      String(message)
        .replace(/^\d+ errors? occurred:\s*\*\s*/m, "")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .filter(Boolean);
}

/**
 * Maps a failed response to a typed error naming the operation and path.
 * Vault's own messages are kept (they hold paths and reasons, not values);
 * the token and request body never appear.
 */
export function vaultError(
  request: VaultRequest,
  response: VaultResponse,
  address: string,
): StrongboxError {
  const what = `${request.method} ${request.path}`;
  const said = vaultMessages(response).join("; ");
  const detail = said === "" ? `HTTP ${response.status}` : said;
  const make = (code: ErrorCode, message: string, hint: string) =>
    new StrongboxError(code, `Vault ${what}: ${message}`, { hint });
  switch (response.status) {
    case 403:
      return make(
        "E_VAULT_DENIED",
        `permission denied (${detail})`,
        `the token's policies must allow this on ${request.path}; check them with \`bao token lookup\` and \`bao policy read\``,
      );
    case 404:
      return make("E_VAULT", `not found (${detail})`, "check the mount and path");
    case 429:
      return make(
        "E_VAULT_RATE_LIMITED",
        `rate limited (${detail})`,
        "the server's quota was hit; retry later or raise the quota",
      );
    case 503:
      return make(
        "E_VAULT_SEALED",
        `unavailable: sealed, in maintenance or a standby (${detail})`,
        `unseal the server at ${address}, or point at the active node`,
      );
    case 400:
      if (/check-and-set/.test(said))
        return make(
          "E_VAULT_CAS",
          `check-and-set conflict (${detail})`,
          "someone changed the secret meanwhile; read it again and retry",
        );
      return make("E_VAULT", `rejected (${detail})`, "check the request parameters");
    default:
      return make("E_VAULT", `failed (${detail})`, "see the server's logs");
  }
}
