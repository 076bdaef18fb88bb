import { type ErrorCode, StrongboxError } from "../errors.js";
import { redactMessage } from "../redact/registry.js";
import type { VaultRequest, VaultResponse } from "./http.js";

/**
 * The messages of a Vault `{"errors": [...]}` body, trimmed of multierror
 * decoration, as text safe to print: a server is not trusted to send only
 * words, so terminal escape sequences and other control characters are
 * removed, every credential and value this process holds (the token it was
 * sent, an echoed login secret) is masked, and the whole is cut to a
 * readable length.
 */
export function vaultMessages(response: VaultResponse): string[] {
  const errors = response.body?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .slice(0, MAX_MESSAGES)
    .map((message) => serverText(String(message).replace(/^\d+ errors? occurred:\s*\*\s*/m, "")))
    .filter(Boolean);
}

const MAX_MESSAGES = 8;
const MAX_MESSAGE_LENGTH = 500;

/** Text a server wrote, made printable: no escape sequences or controls, no secrets, bounded. */
export function serverText(text: string): string {
  const plain = text
    .replace(ESCAPE_SEQUENCES, "")
    .replace(CONTROL_RUNS, " ")
    .replace(/\s+/g, " ")
    .trim();
  const masked = redactMessage(plain);
  return masked.length > MAX_MESSAGE_LENGTH ? `${masked.slice(0, MAX_MESSAGE_LENGTH)}…` : masked;
}

/** CSI (ESC [ or U+009B … final byte), OSC (ESC ] or U+009D … BEL or ESC \\), and two-byte ESC sequences. */
const ESCAPE_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding escape sequences is the point
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]?/g;

/** C0 and C1 controls, DEL, and the bidirectional overrides that reorder a line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_RUNS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g;

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
