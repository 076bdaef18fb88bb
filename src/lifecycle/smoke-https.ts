import {
  type HttpsSmokeSpec,
  headerParts,
  httpsTemplateProblem,
  VALUE_PLACEHOLDER,
} from "../schema/smoke-spec.js";
import { processSkipsTlsChecks } from "../security/transport.js";
import { SmokeFailure } from "./smoke-transport.js";

/**
 * The request `smoke.https` describes, built so the value can only go where
 * the template sends it: the template passes the HTTPS rule, the value is
 * percent-encoded in the URL (it cannot add a path, a host or a query key),
 * the origin after filling is the template's, and a value with a line break
 * never becomes a header. Throws before anything is sent otherwise.
 */
export function httpsRequestOf(
  spec: HttpsSmokeSpec,
  value: string,
): { url: URL; headers: Record<string, string> } {
  const problem = httpsTemplateProblem(spec.url);
  if (problem !== undefined) throw new SmokeFailure(problem);
  const url = new URL(spec.url.split(VALUE_PLACEHOLDER).join(encodeURIComponent(value)));
  const origin = new URL(spec.url.split(VALUE_PLACEHOLDER).join("x")).origin;
  if (url.protocol !== "https:" || url.origin !== origin)
    throw new SmokeFailure("the value would change where the request goes; not sent");
  const headers: Record<string, string> = {};
  if (spec.header !== undefined) {
    const parts = headerParts(spec.header);
    if (parts === undefined) throw new SmokeFailure("the header must read 'Name: text'");
    const text = parts.template.split(VALUE_PLACEHOLDER).join(value);
    // A line break would end the header and start another: the value is not sent at all.
    if (/[\r\n\0]/.test(text))
      throw new SmokeFailure("the value holds a line break and cannot travel in a header");
    headers[parts.name] = text;
  }
  return { url, headers };
}

/**
 * Sends the value to an HTTPS API and expects `status` (default any 2xx).
 * Redirects are never followed (the value goes to one origin only); a 3xx is
 * reported as such. The server is verified against the system's CAs and
 * `NODE_EXTRA_CA_CERTS`.
 */
export async function httpsRequest(
  spec: HttpsSmokeSpec,
  value: string,
  signal: AbortSignal,
): Promise<string> {
  const { url, headers } = httpsRequestOf(spec, value);
  const unchecked = processSkipsTlsChecks();
  if (unchecked !== undefined) throw new SmokeFailure(`${unchecked}; the value is not sent`);
  let response: Response;
  try {
    response = await fetch(url, { method: "GET", headers, redirect: "manual", signal });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new SmokeFailure(`could not connect to ${url.host} (${cause?.code ?? "error"})`);
  }
  await response.body?.cancel();
  const status = response.status;
  const expected = spec.status;
  const ok = expected === undefined ? status >= 200 && status < 300 : status === expected;
  if (ok) return `${url.host}: HTTP ${status}`;
  const redirect = status >= 300 && status < 400 ? ", a redirect (not followed)" : "";
  throw new SmokeFailure(`${url.host}: HTTP ${status}${redirect}, expected ${expected ?? "2xx"}`);
}
