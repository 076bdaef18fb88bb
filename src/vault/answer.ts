import { StrongboxError } from "../errors.js";

/**
 * A response body judged: the parsed Vault answer, or what the server sent
 * instead (`foreign`, words for a message: never the body itself).
 */
export interface Answer {
  readonly body: Record<string, unknown> | undefined;
  readonly foreign?: string;
}

/**
 * The one rule for "is this Vault answering?". Vault (and OpenBao) answers
 * JSON objects: its failures carry `errors` (a deleted KV v2 version's 404,
 * `data`), its other answers `request_id` and `data` or `auth`, and
 * `sys/health` its status fields even when sealed. A non-empty body that is
 * not a JSON object (an HTML page, `404 page not found`) comes from something
 * else at VAULT_ADDR: a web server, an ingress, a proxy's error page; so does
 * JSON with none of Vault's fields (another API). An empty body is not
 * judged on a write (Vault answers 204 to writes), and is not Vault's on a
 * read; a redirect not followed (only 307/308 to the same origin are) is not
 * Vault's either. The fields count only in Vault's shapes: `errors` an array
 * of strings, `data` an object (or null beside a `request_id`).
 */
export function judgeAnswer(
  text: string,
  contentType: string | undefined,
  exchange: { readonly method: string; readonly status: number } = { method: "GET", status: 200 },
): Answer {
  // A redirect that was not followed (an SSO proxy's 302 to /login) is not Vault's answer.
  if (exchange.status >= 300 && exchange.status < 400)
    return { body: undefined, foreign: `a redirect (HTTP ${exchange.status}) Vault does not send` };
  if (text.trim() === "")
    // Vault answers 204 to writes; a read always has a body.
    return exchange.method === "GET"
      ? { body: undefined, foreign: "an empty body to a read" }
      : { body: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { body: undefined, foreign: describe(text, contentType) };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return { body: undefined, foreign: "JSON that is not an object" };
  const body = parsed as Record<string, unknown>;
  if (!vaultShaped(body) && !isHealth(body))
    return { body: undefined, foreign: "JSON without any of Vault's fields" };
  return { body };
}

/**
 * Whether `body` carries one of the fields, in its shape, that every Vault answer carries: a failure its `errors`, a
 * logical answer (a read, a login, a listing, a mount table) its `request_id`
 * and `data` or `auth`; `sys/health` has its own (see {@link isHealth}).
 */
function vaultShaped(body: Record<string, unknown>): boolean {
  const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  const requestId = typeof body.request_id === "string";
  // Another API's `errors` (GraphQL, JSON:API) are objects; Vault's are strings.
  if (Array.isArray(body.errors) && body.errors.every((e) => typeof e === "string")) return true;
  if (isObject(body.data) || (body.data === null && requestId)) return true;
  return requestId || isObject(body.auth) || isObject(body.wrap_info);
}

/** `sys/health`'s own fields, which Vault sends whatever its state. */
export function isHealth(body: Record<string, unknown> | undefined): boolean {
  return typeof body?.initialized === "boolean" && typeof body.sealed === "boolean";
}

function describe(text: string, contentType: string | undefined): string {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type.includes("html") || /^\s*<(!doctype|html|head|body)/i.test(text)) return "an HTML page";
  return type === "" ? "a body that is not JSON" : `a ${type} body, not JSON`;
}

/**
 * The error for an answer that is not Vault's: names the address, the
 * request and what came back, and says where to look. A gateway's error page
 * (502, 503, 504 after the retries) means Vault behind it does not answer:
 * unreachable, retry later; anything else means VAULT_ADDR points elsewhere.
 */
export function notVault(
  request: { readonly method: string; readonly path: string },
  address: string,
  status: number,
  foreign: string,
): StrongboxError {
  const what = `${request.method} ${request.path}`;
  if (GATEWAY_STATUSES.has(status))
    return new StrongboxError(
      "E_VAULT_UNREACHABLE",
      `Vault at ${address} is unreachable: a gateway answered ${what} with HTTP ${status} and ${foreign}`,
      {
        hint: "the proxy or load balancer in front of Vault cannot reach it; retry later, or check the Vault servers behind it",
      },
    );
  return new StrongboxError(
    "E_VAULT",
    `${address} is not Vault: it answered ${what} with HTTP ${status} and ${foreign}`,
    {
      hint: "check VAULT_ADDR (or BAO_ADDR, vault.address): scheme, host, port, no path (Vault's API is under /v1/); `curl $VAULT_ADDR/v1/sys/health` shows Vault's JSON",
    },
  );
}

/** Statuses a proxy in front of Vault answers with its own page when Vault is down. */
export const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
