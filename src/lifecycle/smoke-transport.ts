import type { Socket } from "node:net";
import { processSkipsTlsChecks } from "../security/transport.js";

/** A failure message built from codes and names the service gave, never from the value. */
export class SmokeFailure extends Error {}

/** The query parameter by which a URL opts out of TLS for its credential (any protocol). */
export const PLAINTEXT_OPT_OUT = "strongbox-plaintext";

/**
 * The query parameters that decide where a credential may go. Each may appear at
 * most once, in lowercase: clients disagree on which of two copies wins
 * (node-postgres takes the last, `URLSearchParams.get` the first), so a URL that
 * repeats one means two things at once and is refused, for every protocol.
 */
const TRANSPORT_PARAMETERS = ["sslmode", "ssl", PLAINTEXT_OPT_OUT];

/** Throws unless the URL's transport parameters are unambiguous (see {@link TRANSPORT_PARAMETERS}). */
export function assertUnambiguousTransport(url: URL): void {
  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    const lower = key.toLowerCase();
    if (!TRANSPORT_PARAMETERS.includes(lower)) continue;
    if (key !== lower)
      throw new SmokeFailure(`write the URL parameter ${lower} in lowercase (found ${key})`);
    if (seen.has(lower))
      throw new SmokeFailure(`the URL gives ${lower} more than once: give it once`);
    seen.add(lower);
  }
  const flag = url.searchParams.get(PLAINTEXT_OPT_OUT);
  if (flag !== null && flag !== "1")
    throw new SmokeFailure(
      `${PLAINTEXT_OPT_OUT} takes only the value 1 (to send the credential without TLS); remove it otherwise`,
    );
}

/**
 * The one rule for every check that sends a credential from the URL (a
 * PostgreSQL, Redis or SMTP password, HTTP userinfo, the whole URL of a secret
 * variable, whose path or query may hold a key): it goes only over TLS,
 * unless the URL says explicitly that plaintext is meant: `strongbox-plaintext=1`
 * in its query (any protocol) or, for PostgreSQL, `sslmode=disable` with nothing
 * else asking for TLS (libpq's own spelling, since libpq refuses unknown
 * parameters). Loopback is not exempt: another local user can own the port.
 * Called with `tls` true once the transport is TLS (as the client itself
 * decided it); throws before anything secret is written otherwise.
 */
export function credentialTransport(
  url: URL,
  tls: boolean,
  howToGetTls: string,
  wholeUrlIsSecret = false,
): void {
  assertUnambiguousTransport(url);
  if (!(wholeUrlIsSecret || carriesCredential(url))) return;
  if (tls) {
    // TLS that checks no certificate is TLS to whoever answers.
    const unchecked = processSkipsTlsChecks();
    if (unchecked === undefined) return;
    throw new SmokeFailure(
      `not sending the credential: ${unchecked}; unset it and trust a private CA with NODE_EXTRA_CA_CERTS instead`,
    );
  }
  if (optedOut(url)) return;
  throw new SmokeFailure(
    `not sending the credential without TLS: ${howToGetTls}, or opt out with ?${PLAINTEXT_OPT_OUT}=1 in the URL`,
  );
}

function carriesCredential(url: URL): boolean {
  return (
    url.password !== "" ||
    (/^https?:$/.test(url.protocol) && url.username !== "") ||
    (/^postgres(ql)?:$/.test(url.protocol) && url.searchParams.has("password"))
  );
}

/** Only after {@link assertUnambiguousTransport}: each parameter is there at most once. */
export function optedOut(url: URL): boolean {
  if (url.searchParams.get(PLAINTEXT_OPT_OUT) === "1") return true;
  const ssl = url.searchParams.get("ssl");
  return (
    /^postgres(ql)?:$/.test(url.protocol) &&
    url.searchParams.get("sslmode") === "disable" &&
    (ssl === null || ssl === "0" || ssl === "false")
  );
}

/** The URL as the service's own client gets it: without our opt-out parameter. */
export function withoutOptOut(text: string): string {
  const url = new URL(text);
  if (!url.searchParams.has(PLAINTEXT_OPT_OUT)) return text;
  url.searchParams.delete(PLAINTEXT_OPT_OUT);
  return url.toString();
}

/**
 * Whether node-postgres will speak TLS and verify the peer, read from the
 * client's own settings (its parse of the URL, then PGSSLMODE), so the decision
 * cannot differ from what the client does. A truthy `ssl` makes it insist on TLS
 * (no fallback to plaintext); `rejectUnauthorized: false` (sslmode=no-verify,
 * libpq-compatible require) encrypts to whoever answers, which is not counted.
 */
export function postgresTls(ssl: unknown): boolean {
  if (!ssl) return false;
  return (
    typeof ssl !== "object" ||
    (ssl as { rejectUnauthorized?: unknown }).rejectUnauthorized !== false
  );
}

/** Destroys `socket` when the check's time is up, so nothing keeps the process alive. */
export function closeOnAbort(socket: Socket, signal: AbortSignal): void {
  if (signal.aborted) socket.destroy();
  else signal.addEventListener("abort", () => socket.destroy(), { once: true });
}

/**
 * Runs a check under a time limit. When time is up the check's signal aborts
 * (its sockets and clients close, so nothing keeps the process alive) and the
 * check fails, naming the limit.
 */
export function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
  kind: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work(controller.signal),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new SmokeFailure(`${kind}: no answer within ${ms} ms`));
        controller.abort();
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
