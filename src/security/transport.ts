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
