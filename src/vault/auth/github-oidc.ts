import { StrongboxError } from "../../errors.js";
import { registerSecret } from "../../redact/registry.js";
import { processSkipsTlsChecks, unsafeIdentityUrl } from "../../security/transport.js";
import { envValue } from "../../util/env-value.js";
import type { Env } from "./common.js";

/** The two variables a GitHub Actions job with `permissions: id-token: write` is given. */
export const GITHUB_REQUEST_URL = "ACTIONS_ID_TOKEN_REQUEST_URL";
export const GITHUB_REQUEST_TOKEN = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/** True when this process runs in a GitHub Actions job that may ask for an OIDC token. */
export function githubRunnerPresent(env: Env): boolean {
  return !!envValue(env, GITHUB_REQUEST_URL) && !!envValue(env, GITHUB_REQUEST_TOKEN);
}

const refused = (message: string, hint: string) =>
  new StrongboxError(
    "E_VAULT_AUTH",
    `JWT login (token from the GitHub Actions runner): ${message}`,
    {
      hint,
    },
  );

/**
 * Asks the GitHub Actions runner for the job's OIDC token, as
 * `core.getIDToken` does: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD`
 * with the request token as a bearer, answered `{"value": "<jwt>"}`. The
 * request token can mint tokens for any audience, so it is sent only over
 * https (or to loopback, where a test runner answers), never followed to a
 * redirect, and never quoted.
 */
export async function githubIdToken(
  env: Env,
  audience: string | undefined,
  signal: AbortSignal | undefined,
): Promise<string> {
  const url = requestUrl(env);
  const bearer = envValue(env, GITHUB_REQUEST_TOKEN) ?? "";
  // Never printed by this process, a server's text echoing it included; nor is the token it mints.
  registerSecret("github-oidc-request", bearer);
  if (audience !== undefined && audience !== "") url.searchParams.set("audience", audience);
  const unchecked = url.protocol === "https:" ? processSkipsTlsChecks() : undefined;
  if (unchecked !== undefined)
    throw refused(
      `${unchecked}, so the request token is not sent`,
      "unset NODE_TLS_REJECT_UNAUTHORIZED; give a private CA with NODE_EXTRA_CA_CERTS instead",
    );
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        authorization: `Bearer ${bearer}`,
        accept: "application/json",
      },
      redirect: "manual",
      signal: signal ?? AbortSignal.timeout(15_000),
    });
  } catch {
    throw refused(
      `the runner's token endpoint (${url.host}) did not answer`,
      "retry the job; the runner's OIDC endpoint is part of GitHub Actions",
    );
  }
  const body = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
  if (response.status !== 200 || typeof body?.value !== "string" || body.value === "")
    throw refused(
      `the runner refused the OIDC token request (HTTP ${response.status})`,
      `give the workflow (or job) \`permissions: id-token: write\`; ${GITHUB_REQUEST_TOKEN} may have expired with the job`,
    );
  registerSecret("vault-login", body.value);
  return body.value;
}

/** The runner's endpoint, checked by the one rule for URLs sent a credential: https, or http to loopback only. */
function requestUrl(env: Env): URL {
  const raw = envValue(env, GITHUB_REQUEST_URL) ?? "";
  if (unsafeIdentityUrl(raw) !== undefined)
    throw refused(
      `${GITHUB_REQUEST_URL} is not an https:// URL, so the request token would travel in clear text`,
      "unset it, or run where GitHub Actions sets it",
    );
  return new URL(raw);
}
