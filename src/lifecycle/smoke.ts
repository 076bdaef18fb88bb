import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import type { Resolution } from "../resolve/types.js";
import type { ConfigSpec } from "../schema/types.js";

/** What a smoke check found for one variable. Never a value. */
export interface SmokeResult {
  readonly variable: string;
  readonly kind: "postgres" | "redis" | "http" | "s3" | "unknown";
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
 * an HTTP(S) URL answers without a server error, and a `*_BUCKET` can be
 * listed with the AWS credentials the configuration (or environment) holds.
 * In parallel, each under a timeout; results name the variable and what
 * happened, never a value.
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
          "cannot tell which service this is (a postgres://, redis://, http(s):// URL or a *_BUCKET)",
        );
      try {
        const detail = await withTimeout(
          check(kind, value, values, options.env ?? {}),
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
  if (/^https?:\/\//i.test(value)) return "http";
  if (/BUCKET$/i.test(name) || /^s3:\/\//i.test(value)) return "s3";
  return "unknown";
}

async function check(
  kind: SmokeResult["kind"],
  value: string,
  values: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  switch (kind) {
    case "postgres":
      return postgres(value);
    case "redis":
      return redis(value);
    case "http":
      return http(value);
    default:
      return s3(value, values, env);
  }
}

/** A failure message built from codes and names the service gave, never from the value. */
class SmokeFailure extends Error {}

async function postgres(url: string): Promise<string> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const answer = await client.query("SELECT 1 AS ok");
    if (answer.rows[0]?.ok !== 1) throw new SmokeFailure("SELECT 1 answered something else");
    return "connected, SELECT 1";
  } catch (error) {
    if (error instanceof SmokeFailure) throw error;
    const code = (error as { code?: string }).code;
    throw new SmokeFailure(
      code === "28P01" || code === "28000"
        ? `authentication failed (${code})`
        : code === "3D000"
          ? "the database does not exist (3D000)"
          : `could not connect (${code ?? "error"})`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** AUTH (when the URL carries a password) and PING, over RESP, with TLS for rediss://. */
async function redis(text: string): Promise<string> {
  const url = new URL(text);
  const port = Number(url.port || 6379);
  const socket: Socket =
    url.protocol === "rediss:"
      ? connectTls({ host: url.hostname, port, servername: url.hostname })
      : connectTcp({ host: url.hostname, port });
  let buffer = "";
  const reply = () =>
    new Promise<string>((resolve, reject) => {
      const take = () => {
        const end = buffer.indexOf("\r\n");
        if (end < 0) return false;
        resolve(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        return true;
      };
      if (take()) return;
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString("utf8");
        if (take()) cleanup();
      };
      const onError = (error: NodeJS.ErrnoException) => {
        cleanup();
        reject(new SmokeFailure(`could not connect (${error.code ?? "error"})`));
      };
      const onClose = () => {
        cleanup();
        reject(new SmokeFailure("the connection closed"));
      };
      const cleanup = () => {
        socket.off("data", onData).off("error", onError).off("close", onClose);
      };
      socket.on("data", onData).on("error", onError).on("close", onClose);
    });
  const command = (...parts: string[]) =>
    `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join("")}`;
  try {
    const password = decodeURIComponent(url.password);
    const user = decodeURIComponent(url.username);
    if (password !== "") {
      socket.write(user === "" ? command("AUTH", password) : command("AUTH", user, password));
      const answer = await reply();
      if (!answer.startsWith("+"))
        throw new SmokeFailure(
          /WRONGPASS|invalid password|NOAUTH/i.test(answer)
            ? "authentication failed"
            : "AUTH refused",
        );
    }
    socket.write(command("PING"));
    const pong = await reply();
    if (pong !== "+PONG")
      throw new SmokeFailure(
        /NOAUTH/.test(pong)
          ? "the server wants a password the URL does not give"
          : "PING answered something else",
      );
    return password === "" ? "PING" : "AUTH, PING";
  } finally {
    socket.destroy();
  }
}

async function http(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { method: "GET", redirect: "manual" });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new SmokeFailure(`could not connect (${cause?.code ?? "error"})`);
  }
  await response.body?.cancel();
  if (response.status >= 500) throw new SmokeFailure(`HTTP ${response.status}`);
  return `HTTP ${response.status}`;
}

async function s3(
  value: string,
  values: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const pick = (name: string) => values.get(name) ?? env[name];
  const bucket = value.replace(/^s3:\/\//i, "").split("/")[0] ?? value;
  const sdk = await import("@aws-sdk/client-s3");
  const keyId = pick("AWS_ACCESS_KEY_ID");
  const secret = pick("AWS_SECRET_ACCESS_KEY");
  const endpoint = pick("AWS_ENDPOINT_URL_S3") ?? pick("AWS_ENDPOINT_URL");
  const client = new sdk.S3Client({
    region: pick("AWS_REGION") ?? pick("AWS_DEFAULT_REGION") ?? "us-east-1",
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    ...(keyId && secret ? { credentials: { accessKeyId: keyId, secretAccessKey: secret } } : {}),
    maxAttempts: 2,
  });
  try {
    await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    return `listed bucket ${bucket}`;
  } catch (error) {
    throw new SmokeFailure(
      `could not list bucket ${bucket} (${(error as { name?: string }).name ?? "error"})`,
    );
  } finally {
    client.destroy();
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, kind: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SmokeFailure(`${kind}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
