import { StrongboxError } from "../errors.js";

/**
 * An SDK error as a typed, value-free error: the exception's name and what
 * was asked for, nothing the service said (its messages can echo input).
 */
export function awsError(error: unknown, name: string, words: string): StrongboxError {
  // Ours already (a credential refused before it was sent): its words and hint are the ones to show.
  if (error instanceof StrongboxError) return error;
  const kind = (error as { name?: string }).name ?? "Error";
  const code = (error as { code?: string }).code;
  const unavailable =
    /Throttl|TooManyRequests|Timeout|Abort|ServiceUnavailable|InternalService|InternalServerError/.test(
      kind,
    ) ||
    ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH"].includes(code ?? "");
  if (unavailable)
    return new StrongboxError(
      "E_PROVIDER_UNAVAILABLE",
      `${words} is unavailable for ${name} (${code ?? kind})`,
      {
        hint: "check AWS_REGION / the endpoint and the network; it was retried",
      },
    );
  return new StrongboxError("E_PROVIDER", `${words} refused ${name} (${kind})`, {
    hint: /AccessDenied|Unrecognized|InvalidSignature|ExpiredToken/.test(kind)
      ? "this identity may not read it: check the credentials and the IAM policy"
      : "check the name and its state",
  });
}
