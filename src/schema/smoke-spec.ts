/**
 * The grammar of a variable's `smoke:` declaration: `true`, `"critical"`, or
 * a mapping that says how to check it, its connection taken from other
 * declared variables (resolved the normal way) and never from fixed
 * environment names.
 */

/** An S3 bucket check whose connection comes from declared variables. */
export interface S3SmokeSpec {
  /** The variable holding the bucket (default: the variable the check is declared on). */
  readonly bucket?: string;
  readonly endpoint?: string;
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly region?: string;
}

/**
 * A request that carries the variable's value to an HTTPS API: in a header
 * (`Authorization: Bearer {value}`) or the URL (`{value}`, percent-encoded),
 * answered with `status` (default any 2xx). Only `https://`, by the one
 * rule {@link httpsTemplateProblem}.
 */
export interface HttpsSmokeSpec {
  readonly url: string;
  readonly header?: string;
  readonly status?: number;
}

/** The mapping form of `smoke:`. */
export interface SmokeSpecObject {
  readonly critical?: boolean;
  readonly s3?: S3SmokeSpec;
  readonly https?: HttpsSmokeSpec;
}

export type SmokeSpec = boolean | "critical" | SmokeSpecObject;

/** Where the variable's value goes in a template. */
export const VALUE_PLACEHOLDER = "{value}";

const S3_FIELDS = ["bucket", "endpoint", "accessKey", "secretKey", "region"] as const;
const HTTPS_FIELDS = new Set(["url", "header", "status"]);
const FIELDS = new Set(["critical", "s3", "https"]);

/** Whether `smoke` declares a check at all. */
export function smokeDeclared(smoke: SmokeSpec | undefined): boolean {
  return smoke !== undefined && smoke !== false;
}

/** Whether the check runs under `--critical-only` too. */
export function smokeCritical(smoke: SmokeSpec | undefined): boolean {
  return smoke === "critical" || (typeof smoke === "object" && smoke.critical === true);
}

/**
 * The one rule for where an HTTPS check may send a value: the template's
 * scheme is `https` (as the URL parser reads it, so `HTTP://`, `hTtP:` and
 * whitespace tricks are all `http:`), the value is not in the userinfo, and
 * the origin is the template's alone (a value cannot name the host). Undefined
 * when the template is acceptable; else why not, never quoting the value.
 */
export function httpsTemplateProblem(template: string): string | undefined {
  let url: URL;
  try {
    url = new URL(template.split(VALUE_PLACEHOLDER).join("x"));
  } catch {
    return "the url is not a URL";
  }
  if (url.protocol !== "https:")
    return `the url must be https:// (it is ${url.protocol.replace(/:$/, "")}://): a credential is never sent without TLS, in a header, the path or the query`;
  if (url.username !== "" || url.password !== "")
    return "the url may not carry userinfo: put the value in a header (header: 'Authorization: Bearer {value}')";
  const [beforeValue] = template.split(VALUE_PLACEHOLDER);
  // The value may only appear after the origin: in the path, the query or (pointlessly) the fragment.
  const origin = `${url.protocol}//${url.host}`;
  if (
    template.includes(VALUE_PLACEHOLDER) &&
    !(beforeValue ?? "").toLowerCase().startsWith(origin.toLowerCase())
  )
    return "{value} may only appear in the url's path or query, after https://host/";
  return undefined;
}

/** Every problem with a `smoke:` declaration; `declared` tells which names the schema has. */
export function smokeSpecProblems(smoke: unknown, declared: (name: string) => boolean): string[] {
  if (smoke === undefined || smoke === true || smoke === false || smoke === "critical") return [];
  if (typeof smoke !== "object" || smoke === null || Array.isArray(smoke))
    return ['smoke must be true, false, "critical" or a mapping ({ https: … } or { s3: … })'];
  const spec = smoke as Readonly<Record<string, unknown>>;
  const problems = Object.keys(spec)
    .filter((key) => !FIELDS.has(key))
    .map((key) => `smoke: unknown field "${key}" (known: critical, s3, https)`);
  if (spec.critical !== undefined && typeof spec.critical !== "boolean")
    problems.push("smoke.critical must be true or false");
  if (spec.s3 !== undefined && spec.https !== undefined)
    problems.push("smoke: give s3 or https, not both");
  if (spec.s3 !== undefined) problems.push(...s3Problems(spec.s3, declared));
  if (spec.https !== undefined) problems.push(...httpsProblems(spec.https));
  return problems;
}

function s3Problems(s3: unknown, declared: (name: string) => boolean): string[] {
  if (typeof s3 !== "object" || s3 === null || Array.isArray(s3))
    return [
      "smoke.s3 must be a mapping of variable names (endpoint, accessKey, secretKey, region, bucket)",
    ];
  const fields = s3 as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (!(S3_FIELDS as readonly string[]).includes(key))
      problems.push(`smoke.s3: unknown field "${key}" (known: ${S3_FIELDS.join(", ")})`);
    else if (typeof value !== "string" || !declared(value))
      problems.push(`smoke.s3.${key} must name a variable of the schema`);
  }
  return problems;
}

function httpsProblems(https: unknown): string[] {
  if (typeof https !== "object" || https === null || Array.isArray(https))
    return ["smoke.https must be a mapping: { url, header, status }"];
  const fields = https as Readonly<Record<string, unknown>>;
  const problems = Object.keys(fields)
    .filter((key) => !HTTPS_FIELDS.has(key))
    .map((key) => `smoke.https: unknown field "${key}" (known: url, header, status)`);
  if (typeof fields.url !== "string") return [...problems, "smoke.https needs a url"];
  const bad = httpsTemplateProblem(fields.url);
  if (bad !== undefined) problems.push(`smoke.https: ${bad}`);
  const header = fields.header;
  if (header !== undefined && (typeof header !== "string" || headerParts(header) === undefined))
    problems.push(
      "smoke.https.header must read 'Name: text', such as 'Authorization: Bearer {value}'",
    );
  const carried =
    (typeof header === "string" && header.includes(VALUE_PLACEHOLDER)) ||
    fields.url.includes(VALUE_PLACEHOLDER);
  if (!carried)
    problems.push(
      "smoke.https: put {value} in the header or the url, so the check tests the value",
    );
  const status = fields.status;
  if (
    status !== undefined &&
    (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 599)
  )
    problems.push("smoke.https.status must be an HTTP status such as 200");
  return problems;
}

/** `Name: text` split, the name an HTTP token; undefined when it does not read so. */
export function headerParts(header: string): { name: string; template: string } | undefined {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*)$/.exec(header);
  if (match === null) return undefined;
  return { name: match[1] as string, template: match[2] as string };
}
