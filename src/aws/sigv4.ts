import { createHash, createHmac } from "node:crypto";

/**
 * AWS Signature Version 4 for one request, as the AWS documentation gives it
 * (canonical request, string to sign, derived key). Strongbox signs only the
 * request it hands to Vault's AWS IAM login, `sts:GetCallerIdentity`, which
 * Vault replays to STS: the SDK's signer is tied to its own HTTP pipeline,
 * and this is the one place a signature is computed.
 */

/** The keys a request is signed with; the session token comes with temporary credentials. */
export interface AwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What to sign. `headers` are sent as given; `host`, `x-amz-date` and the session token are added. */
export interface SignRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly region: string;
  readonly service: string;
  readonly keys: AwsKeys;
  /** When the request is signed; AWS refuses a signature more than 15 minutes off. */
  readonly date: Date;
}

/** The headers to send: the request's, `X-Amz-Date`, `X-Amz-Security-Token` (when any) and `Authorization`. */
export function signV4(request: SignRequest): Record<string, string> {
  const url = new URL(request.url);
  const stamp = amzDate(request.date);
  const headers: Record<string, string> = {
    ...request.headers,
    "X-Amz-Date": stamp,
    ...(request.keys.sessionToken ? { "X-Amz-Security-Token": request.keys.sessionToken } : {}),
  };
  const canonical = canonicalHeaders({ host: url.host, ...headers });
  const scope = `${stamp.slice(0, 8)}/${request.region}/${request.service}/aws4_request`;
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.searchParams),
    canonical.text,
    "",
    canonical.signed,
    sha256(request.body),
  ].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", stamp, scope, sha256(canonicalRequest)].join("\n");
  const key = signingKey(request.keys.secretAccessKey, scope);
  const signature = createHmac("sha256", key).update(toSign, "utf8").digest("hex");
  return {
    ...headers,
    Authorization: `AWS4-HMAC-SHA256 Credential=${request.keys.accessKeyId}/${scope}, SignedHeaders=${canonical.signed}, Signature=${signature}`,
  };
}

/** `20150830T123600Z`: the ISO 8601 basic form AWS signs. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** kSigning = HMAC chain over the scope's date, region, service and "aws4_request". */
function signingKey(secret: string, scope: string): Buffer {
  let key: Buffer = Buffer.from(`AWS4${secret}`, "utf8");
  for (const part of scope.split("/"))
    key = createHmac("sha256", key).update(part, "utf8").digest();
  return key;
}

/** RFC 3986 encoding: everything but unreserved characters, as AWS requires (not `encodeURIComponent`'s set). */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalPath(path: string): string {
  const segments = path.split("/").map((segment) => encode(decodeURIComponent(segment)));
  return segments.join("/") || "/";
}

function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .map(([name, value]) => [encode(name), encode(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/** Lower-case names, sorted; values trimmed with inner runs of spaces made one. */
function canonicalHeaders(headers: Readonly<Record<string, string>>) {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, " ")] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    text: entries.map(([name, value]) => `${name}:${value}`).join("\n"),
    signed: entries.map(([name]) => name).join(";"),
  };
}
