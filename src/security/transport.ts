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

/** Hosts plain http may reach: this machine's loopback, spelled as every URL parser reads it. */
const LOOPBACK = /^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

/**
 * The one rule for a URL that is sent a credential, or that is asked who
 * someone is (an STS endpoint, an OIDC issuer's keys, a Kubernetes API
 * server, the CI runner's token endpoint): why it must not be used, or
 * undefined when it is `https://`, or plain `http://` to this machine's
 * loopback. Over plain http to anywhere else, anyone on the path reads the
 * credential or answers the question. A URL with a user name or password is
 * refused (a credential in the text, and a host that reads two ways), and so
 * is one whose host is spelled in a way URL parsers disagree on
 * (`http://0x7f.1`, which WHATWG reads as 127.0.0.1 and Go's resolver asks
 * DNS about): the host must read the same as the text says. The reason names
 * no part of the URL, which may carry a secret.
 */
export function unsafeIdentityUrl(raw: string): string | undefined {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url === undefined) return "is not a URL";
  if (url.username !== "" || url.password !== "") return "carries a user name or password";
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\\\s]*)(?:[/?#]|$)/i.exec(raw)?.[1];
  const spelled = authority?.toLowerCase().replace(/:\d*$/, "");
  if (spelled !== url.hostname) return "names its host in a way URL parsers read differently";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && LOOPBACK.test(url.hostname)) return undefined;
  return "is not https:// (plain http goes only to this machine's loopback)";
}

/**
 * Whether `raw` is a URL to this machine's loopback, as {@link unsafeIdentityUrl}
 * reads loopback. For a URL another server calls (a Vault mount's settings),
 * loopback is that server's machine, not this one.
 */
export function isLoopbackUrl(raw: string): boolean {
  return URL.canParse(raw) && LOOPBACK.test(new URL(raw).hostname);
}
