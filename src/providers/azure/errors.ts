import { StrongboxError } from "../../errors.js";

export const WORDS = "Azure Key Vault";

export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/**
 * An SDK error as a typed, value-free error: its status and Key Vault's
 * error code, never the service's message (messages can echo input).
 */
export function azureError(error: unknown, where: string): StrongboxError {
  if (error instanceof StrongboxError) return error;
  const name = (error as { name?: string }).name ?? "Error";
  const status = statusOf(error);
  const code = (error as { code?: string }).code;
  const inner = innerCode(error);
  const transport = ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH"];
  if (
    name === "AbortError" ||
    status === 408 ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    transport.includes(code ?? "")
  )
    return new StrongboxError(
      "E_PROVIDER_UNAVAILABLE",
      `${WORDS} is unavailable for ${where} (${status ?? code ?? name})`,
      { hint: "check the vault URL and the network; it was retried" },
    );
  if (/Credential|Authentication/.test(name))
    return new StrongboxError("E_PROVIDER", `no Azure token for ${where} (${name})`, {
      hint: "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or use a managed/workload identity or `az login`",
    });
  if (inner === "SecretDisabled")
    return new StrongboxError("E_PROVIDER", `the secret ${where} is disabled`, {
      hint: "enable it, or point the variable at an enabled version",
    });
  if (inner === "ObjectIsDeletedButRecoverable")
    return new StrongboxError(
      "E_PROVIDER",
      `the secret ${where} is soft-deleted, so its name cannot be reused until it is recovered or purged`,
      { hint: "recover it (`az keyvault secret recover`) or purge it, then write again" },
    );
  return new StrongboxError(
    "E_PROVIDER",
    `${WORDS} refused ${where} (${status ?? name}${code === undefined ? "" : ` ${code}`})`,
    {
      hint:
        status === 401 || status === 403
          ? "this identity may not read it: grant the Key Vault Secrets User role (or an access policy) and check the firewall"
          : "check the name and the secret's state",
    },
  );
}

export function innerCode(error: unknown): string | undefined {
  // The SDK parses the body into `details` and camel-cases `innererror` on the way.
  type Body = { error?: { innererror?: { code?: string }; innerError?: { code?: string } } };
  const details = (error as { details?: Body }).details?.error;
  return details?.innerError?.code ?? details?.innererror?.code;
}
