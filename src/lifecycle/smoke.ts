import { registerVocabulary } from "../redact/registry.js";
import type { Resolution } from "../resolve/types.js";
import type { ConfigSpec } from "../schema/types.js";
import { assertUnambiguousTransport, withTimeout } from "./smoke-transport.js";

export {
  assertUnambiguousTransport,
  credentialTransport,
  PLAINTEXT_OPT_OUT,
} from "./smoke-transport.js";

/** What a smoke check knows how to check; printed in its results, so never masked. */
export const SMOKE_KINDS = ["postgres", "redis", "http", "s3", "smtp", "unknown"] as const;
export type SmokeKind = (typeof SMOKE_KINDS)[number];
registerVocabulary(SMOKE_KINDS);

/** What a smoke check found for one variable. Never a value. */
export interface SmokeResult {
  readonly variable: string;
  readonly kind: SmokeKind;
  readonly ok: boolean;
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
  /** Where S3 credentials and region come from when the schema does not resolve them. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Checks the resolved configuration against the real services it points at:
 * for each variable declared `smoke: true` or `"critical"`, a PostgreSQL URL
 * connects and runs `SELECT 1`, a Redis URL authenticates and answers `PING`,
 * an HTTP(S) URL answers without a server error, an SMTP URL greets, answers
 * EHLO and accepts its credentials (AUTH PLAIN, after STARTTLS), and a `*_BUCKET` can be
 * listed with the AWS credentials the configuration (or environment) holds.
 * In parallel, each under a timeout; results name the variable and what
 * happened, never a value. A check sends a URL's credential only over TLS
 * unless the URL opts out ({@link credentialTransport}).
 */
export async function smokeTest(
  config: ConfigSpec,
  resolution: Resolution,
  options: SmokeOptions = {},
): Promise<SmokeResult[]> {
  const values = new Map(
    resolution.entries.flatMap((entry) =>
      entry.raw === undefined ? [] : [[entry.name, entry.raw] as const],
    ),
  );
  const timeoutMs = options.timeoutMs ?? 5000;
  const checks = Object.entries(config.variables).filter(
    ([, spec]) =>
      spec.smoke === "critical" || (spec.smoke === true && options.criticalOnly !== true),
  );
  return Promise.all(
    checks.map(async ([name, spec]): Promise<SmokeResult> => {
      const critical = spec.smoke === "critical";
      const value = values.get(name);
      const started = Date.now();
      const done = (kind: SmokeResult["kind"], ok: boolean, detail: string): SmokeResult => ({
        variable: name,
        kind,
        ok,
        detail,
        ms: Date.now() - started,
        critical,
      });
      if (value === undefined) return done("unknown", false, "not set in this environment");
      const kind = kindOf(name, value);
      if (kind === "unknown")
        return done(
          kind,
          false,
          "cannot tell which service this is (a postgres://, redis://, smtp://, http(s):// URL or a *_BUCKET)",
        );
      try {
        const detail = await withTimeout(
          (signal) => check(kind, value, values, options.env ?? {}, signal),
          timeoutMs,
          kind,
        );
        return done(kind, true, detail);
      } catch (error) {
        return done(kind, false, (error as Error).message);
      }
    }),
  );
}

function kindOf(name: string, value: string): SmokeResult["kind"] {
  if (/^postgres(ql)?:\/\//i.test(value)) return "postgres";
  if (/^rediss?:\/\//i.test(value)) return "redis";
  if (/^smtps?:\/\//i.test(value)) return "smtp";
  if (/^https?:\/\//i.test(value)) return "http";
  if (/BUCKET$/i.test(name) || /^s3:\/\//i.test(value)) return "s3";
  return "unknown";
}

async function check(
  kind: SmokeResult["kind"],
  value: string,
  values: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>>,
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
      return http(value, signal);
    case "smtp":
      return smtp(value, signal);
    default:
      return s3(value, values, env, signal);
  }
}
