/**
 * The one judgement of a connection to Vault that pure mode makes: why a
 * connection would hand its token to anyone on the path, or undefined when it
 * is verified TLS. A direct read refuses such a connection before it is made
 * (vault/client-env.ts); the agent signs the answer into its provenance
 * records, so an application counts what the agent read the same way
 * (security/provenance.ts).
 */
export function insecureTransport(address: string, skipVerify: boolean): string | undefined {
  let protocol: string;
  try {
    protocol = new URL(address).protocol;
  } catch {
    return `the address ${address} is not a URL`;
  }
  if (protocol !== "https:") return `the address ${address} is not https://`;
  if (skipVerify) return "VAULT_SKIP_VERIFY turns off certificate checks";
  return undefined;
}

/**
 * Why this process's own HTTPS requests made with Node's defaults (`fetch`)
 * would not check certificates, or undefined. `NODE_TLS_REJECT_UNAUTHORIZED=0`
 * turns the checks off process-wide; a request that carries a credential (the
 * CI runner's OIDC request token, a smoke test's API key) is then not sent.
 * Vault's connection sets its own verification and is judged by
 * {@link insecureTransport} instead.
 */
export function processSkipsTlsChecks(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  return env.NODE_TLS_REJECT_UNAUTHORIZED === "0"
    ? "NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate checks for this process"
    : undefined;
}
