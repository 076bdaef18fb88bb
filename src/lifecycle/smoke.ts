import { registerVocabulary } from "../redact/registry.js";
import type { Resolution } from "../resolve/types.js";
import {
  type HttpsSmokeSpec,
  type SmokeSpec,
  type SmokeSpecObject,
  smokeCritical,
  smokeDeclared,
} from "../schema/smoke-spec.js";
import type { ConfigSpec } from "../schema/types.js";
import type { S3Connection } from "./smoke-checks.js";
import { assertUnambiguousTransport, SmokeFailure, withTimeout } from "./smoke-transport.js";

export {
  assertUnambiguousTransport,
  credentialTransport,
  PLAINTEXT_OPT_OUT,
} from "./smoke-transport.js";

/** What a smoke check knows how to check; printed in its results, so never masked. */
export const SMOKE_KINDS = ["postgres", "redis", "http", "https", "s3", "smtp", "unknown"] as const;
export type SmokeKind = (typeof SMOKE_KINDS)[number];
registerVocabulary(SMOKE_KINDS);

/** What a smoke check found for one variable. Never a value. */
export interface SmokeResult {
  readonly variable: string;
  readonly kind: SmokeKind;
  /** Passed, or skipped. */
  readonly ok: boolean;
  /** An optional variable that is unset: nothing was checked, and that is not a failure. */
  readonly skipped?: true;
  /** What was checked and what happened (a status, an error code), never a value. */
  readonly detail: string;
  readonly ms: number;
  readonly critical: boolean;
}

/** How {@link smokeTest} runs. */
export interface SmokeOptions {
  /** Only the variables declared `smoke: critical`. */
  readonly criticalOnly?: boolean;
  /** Per check (default 5 s). */
  readonly timeoutMs?: number;
  /** Where S3 credentials and region come from when the schema does not name them. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What every check of one smoke run shares. */
interface Context {
  readonly values: ReadonlyMap<string, string>;
  readonly required: ReadonlyMap<string, boolean>;
  readonly secret: ReadonlyMap<string, boolean>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Variables whose resolved value came from the process environment (the operator's). */
  readonly operator: ReadonlySet<string>;
  readonly timeoutMs: number;
}

/**
 * Checks the resolved configuration against the real services it points at:
 * for each variable declared `smoke: true`, `"critical"` or a mapping, a
 * PostgreSQL URL connects and runs `SELECT 1`, a Redis URL authenticates and
 * answers `PING`, an HTTP(S) URL answers without a server error, an SMTP URL
 * greets, answers EHLO and accepts its credentials (AUTH PLAIN, after
 * STARTTLS), a bucket can be listed (its connection from the variables
 * `smoke.s3` names, else the AWS variables), and `smoke.https` sends the
 * value to an HTTPS API in a header or the URL and expects a status. In
 * parallel, each under a timeout; an optional variable that is unset is
 * skipped. Results name the variable and what happened, never a value. A
 * credential goes only over TLS ({@link credentialTransport},
 * `httpsTemplateProblem`).
 */
export async function smokeTest(
  config: ConfigSpec,
  resolution: Resolution,
  options: SmokeOptions = {},
): Promise<SmokeResult[]> {
  const context: Context = {
    values: new Map(
      resolution.entries.flatMap((entry) =>
        entry.raw === undefined ? [] : [[entry.name, entry.raw] as const],
      ),
    ),
    required: new Map(resolution.entries.map((e) => [e.name, e.provenance.required] as const)),
    secret: new Map(resolution.entries.map((e) => [e.name, e.secret] as const)),
    env: options.env ?? {},
    operator: new Set(
      resolution.entries
        .filter(
          (e) => e.provenance.winner?.source === "env" || e.provenance.winner?.source === "parent",
        )
        .map((e) => e.name),
    ),
    timeoutMs: options.timeoutMs ?? 5000,
  };
  const checks = Object.entries(config.variables).filter(
    ([, spec]) =>
      smokeDeclared(spec.smoke) && (smokeCritical(spec.smoke) || options.criticalOnly !== true),
  );
  return Promise.all(checks.map(([name, spec]) => checkOne(name, spec.smoke, context)));
}

async function checkOne(
  name: string,
  smoke: SmokeSpec | undefined,
  context: Context,
): Promise<SmokeResult> {
  const critical = smokeCritical(smoke);
  const started = Date.now();
  const done = (kind: SmokeKind, ok: boolean, detail: string, skipped = false): SmokeResult => ({
    variable: name,
    kind,
    ok,
    ...(skipped ? { skipped: true as const } : {}),
    detail,
    ms: Date.now() - started,
    critical,
  });
  const spec = typeof smoke === "object" ? smoke : {};
  const value = context.values.get(name);
  const kind = kindOf(name, value ?? "", spec);
  if (value === undefined)
    return context.required.get(name) === false
      ? done(kind, true, "skipped: optional and not set in this environment", true)
      : done(kind, false, "not set in this environment");
  if (kind === "unknown")
    return done(
      kind,
      false,
      "cannot tell which service this is (a postgres://, redis://, smtp://, http(s):// URL or a *_BUCKET; or say how with smoke: { https: … } or { s3: … })",
    );
  try {
    const detail = await withTimeout(
      (signal) => check(kind, name, value, spec, context, signal),
      context.timeoutMs,
      kind,
    );
    return done(kind, true, detail);
  } catch (error) {
    return done(kind, false, (error as Error).message);
  }
}

function kindOf(name: string, value: string, spec: SmokeSpecObject): SmokeKind {
  if (spec.https !== undefined) return "https";
  if (spec.s3 !== undefined) return "s3";
  if (/^postgres(ql)?:\/\//i.test(value)) return "postgres";
  if (/^rediss?:\/\//i.test(value)) return "redis";
  if (/^smtps?:\/\//i.test(value)) return "smtp";
  if (/^https?:\/\//i.test(value)) return "http";
  if (/BUCKET$/i.test(name) || /^s3:\/\//i.test(value)) return "s3";
  return "unknown";
}

async function check(
  kind: SmokeKind,
  name: string,
  value: string,
  spec: SmokeSpecObject,
  context: Context,
  signal: AbortSignal,
): Promise<string> {
  // Before any connection, whatever the URL carries: a URL whose TLS settings read two ways is refused.
  if (kind === "postgres" || kind === "redis" || kind === "http" || kind === "smtp")
    assertUnambiguousTransport(new URL(value));
  // The checks (and node:net/tls) load when a smoke test runs, not with the library.
  const { http, postgres, redis, s3, smtp } = await import("./smoke-checks.js");
  switch (kind) {
    case "postgres":
      return postgres(value, signal);
    case "redis":
      return redis(value, signal);
    case "http":
      return http(value, context.secret.get(name) === true, signal);
    case "https":
      return (await import("./smoke-https.js")).httpsRequest(
        spec.https as HttpsSmokeSpec,
        value,
        signal,
      );
    case "smtp":
      return smtp(value, signal);
    default:
      return s3(s3Connection(value, spec, context), signal);
  }
}

/**
 * The bucket check's connection: from the variables `smoke.s3` names, resolved
 * the normal way; without that mapping, the AWS variables (the schema's,
 * else the environment's). The credentials come from those two variables
 * alone, both non-empty, or the check fails: the SDK's default chain (the
 * operator's AWS_* variables, ~/.aws, instance roles) is never asked; and keys
 * from the process environment go only where the process environment says
 * ({@link sameOrigin}).
 */
function s3Connection(value: string, spec: SmokeSpecObject, context: Context): S3Connection {
  const named = spec.s3;
  const read = reader(context, named === undefined);
  const keys = credentials(
    named === undefined ? "AWS_ACCESS_KEY_ID" : named.accessKey,
    named === undefined ? "AWS_SECRET_ACCESS_KEY" : named.secretKey,
    read,
  );
  const endpoint =
    named === undefined
      ? either(read("AWS_ENDPOINT_URL_S3"), read("AWS_ENDPOINT_URL"))
      : read(named.endpoint);
  const region =
    named === undefined
      ? either(read("AWS_REGION"), read("AWS_DEFAULT_REGION"))
      : read(named.region);
  sameOrigin(keys, endpoint, context.env);
  return {
    bucket: named?.bucket === undefined ? value : (read(named.bucket).value ?? value),
    keyId: keys.keyId,
    secret: keys.secret,
    endpoint: endpoint.value,
    region: region.value,
  };
}

/** A connection setting, and whether it came from the operator's process environment. */
interface Read {
  readonly value: string | undefined;
  readonly operator: boolean;
}
type Reader = (variable: string | undefined) => Read;

/**
 * Reads the resolved value (its origin as resolution recorded it); with
 * `fallBackToEnv`, an undeclared or unset variable is read from the process environment.
 */
function reader(context: Context, fallBackToEnv: boolean): Reader {
  return (variable) => {
    const value = variable === undefined ? undefined : context.values.get(variable);
    if (variable === undefined || value !== undefined)
      return { value, operator: variable !== undefined && context.operator.has(variable) };
    return fallBackToEnv
      ? { value: context.env[variable], operator: true }
      : { value: undefined, operator: false };
  };
}

const either = (first: Read, second: Read): Read => (first.value !== undefined ? first : second);

/**
 * The one rule of where a signed request goes: keys that are the operator's
 * are sent only to AWS's own endpoint or to the endpoint the operator's own
 * `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` names, never to one the project
 * chose. The project decides which variable a value is read from (`env:`,
 * `aliases:`, `env://`, `${VAR}`), and `npm run` puts a project's `.npmrc`
 * into the environment, so neither side is judged by the variable's name
 * or recorded source alone: keys are the operator's when resolution read them
 * from the process environment or when they hold text the process
 * environment holds; the endpoint is the operator's only when it is, word for
 * word, the one under AWS's own names there. Keys only the project holds (the
 * store, Vault, a .env literal) may go anywhere: they are the project's own.
 */
function sameOrigin(
  keys: { keyId: string; secret: string; operator: boolean },
  endpoint: Read,
  env: Readonly<Record<string, string | undefined>>,
): void {
  if (endpoint.value === undefined) return;
  const held = Object.values(env).filter((text): text is string => (text?.length ?? 0) >= 8);
  const operatorKeys =
    keys.operator || held.some((text) => keys.keyId.includes(text) || keys.secret.includes(text));
  if (!operatorKeys) return;
  if (endpoint.value === (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL)) return;
  throw new SmokeFailure(
    "the S3 keys come from the process environment but the endpoint from the project's configuration; the check does not send the operator's keys to an endpoint the repository chose: give the keys in the project's configuration too, or set the endpoint in the process environment (AWS_ENDPOINT_URL_S3)",
  );
}

/**
 * The one rule of the check's credentials: both variables named, both non-empty;
 * otherwise the check fails naming what is missing. `operator`: either key came
 * from the process environment.
 */
function credentials(
  accessKey: string | undefined,
  secretKey: string | undefined,
  read: Reader,
): { keyId: string; secret: string; operator: boolean } {
  const key = read(accessKey);
  const pair = read(secretKey);
  const keyId = key.value;
  const secret = pair.value;
  if (keyId && secret) return { keyId, secret, operator: key.operator || pair.operator };
  const say = (field: string, variable: string | undefined, got: string | undefined) =>
    variable === undefined
      ? `smoke.s3 names no ${field}`
      : got === undefined
        ? `${variable} is not set`
        : got === ""
          ? `${variable} is empty`
          : "";
  const problems = [say("accessKey", accessKey, keyId), say("secretKey", secretKey, secret)];
  throw new SmokeFailure(
    `no S3 credentials: ${problems.filter((p) => p !== "").join(", ")}; the check signs only with the two variables it names, never the default AWS chain (~/.aws, the environment, an instance role)`,
  );
}
