import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { registerVocabulary } from "../redact/registry.js";
import type { Resolution } from "../resolve/types.js";
import type { ConfigSpec } from "../schema/types.js";
import { importModule } from "../security/import-module.js";

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

/** Destroys `socket` when the check's time is up, so nothing keeps the process alive. */
function closeOnAbort(socket: Socket, signal: AbortSignal): void {
  if (signal.aborted) socket.destroy();
  else signal.addEventListener("abort", () => socket.destroy(), { once: true });
}

/** A failure message built from codes and names the service gave, never from the value. */
class SmokeFailure extends Error {}

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
 * PostgreSQL, Redis or SMTP password, HTTP userinfo): it goes only over TLS,
 * unless the URL says explicitly that plaintext is meant: `strongbox-plaintext=1`
 * in its query (any protocol) or, for PostgreSQL, `sslmode=disable` with nothing
 * else asking for TLS (libpq's own spelling, since libpq refuses unknown
 * parameters). Loopback is not exempt: another local user can own the port.
 * Called with `tls` true once the transport is TLS (as the client itself
 * decided it); throws before anything secret is written otherwise.
 */
export function credentialTransport(url: URL, tls: boolean, howToGetTls: string): void {
  assertUnambiguousTransport(url);
  if (tls || !carriesCredential(url) || optedOut(url)) return;
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
function optedOut(url: URL): boolean {
  if (url.searchParams.get(PLAINTEXT_OPT_OUT) === "1") return true;
  const ssl = url.searchParams.get("ssl");
  return (
    /^postgres(ql)?:$/.test(url.protocol) &&
    url.searchParams.get("sslmode") === "disable" &&
    (ssl === null || ssl === "0" || ssl === "false")
  );
}

/** The URL as the service's own client gets it: without our opt-out parameter. */
function withoutOptOut(text: string): string {
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
function postgresTls(ssl: unknown): boolean {
  if (!ssl) return false;
  return (
    typeof ssl !== "object" ||
    (ssl as { rejectUnauthorized?: unknown }).rejectUnauthorized !== false
  );
}

async function postgres(url: string, signal: AbortSignal): Promise<string> {
  const parsed = new URL(url);
  const { default: pg } = await importModule<typeof import("pg")>("pg");
  let client: import("pg").Client;
  try {
    client = new pg.Client({
      connectionString: withoutOptOut(url),
      connectionTimeoutMillis: 5000,
    });
  } catch {
    throw new SmokeFailure("node-postgres refused the URL's settings (check its ssl parameters)");
  }
  const tls = postgresTls((client as unknown as { ssl: unknown }).ssl);
  // A server (or whoever owns the port) may ask for the password in clear text: decided before connecting.
  credentialTransport(parsed, tls, "add sslmode=verify-full (or require) to the URL");
  if (!tls && !optedOut(parsed))
    // Whatever password the client holds (PGPASSWORD, ~/.pgpass, one the URL gave in a
    // form not seen above), it gets none to send: the same rule holds.
    (client as unknown as { password: () => Promise<never> }).password = () =>
      Promise.reject(
        new SmokeFailure(
          "not sending a password (PGPASSWORD, ~/.pgpass) without TLS: add sslmode=verify-full (or require) to the URL, or opt out with sslmode=disable",
        ),
      );
  signal.addEventListener("abort", () => void client.end().catch(() => undefined), { once: true });
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
async function redis(text: string, signal: AbortSignal): Promise<string> {
  const url = new URL(text);
  const port = Number(url.port || 6379);
  const socket: Socket =
    url.protocol === "rediss:"
      ? connectTls({ host: url.hostname, port, servername: url.hostname })
      : connectTcp({ host: url.hostname, port });
  closeOnAbort(socket, signal);
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
      credentialTransport(url, url.protocol === "rediss:", "use rediss:// (Redis over TLS)");
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

/** A line-oriented conversation on a socket: read replies (multi-line ones whole), write commands. */
function conversation(socket: Socket) {
  let buffer = "";
  let waiting: ((reply: string) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  const deliver = () => {
    // An SMTP reply ends with a line whose code is followed by a space, not a hyphen.
    const match = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
    if (match === null || waiting === undefined) return;
    const end = match.index + match[0].length;
    const reply = buffer.slice(0, end);
    buffer = buffer.slice(end);
    const resolve = waiting;
    waiting = undefined;
    resolve(reply);
  };
  const attach = (next: Socket) => {
    next.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      deliver();
    });
    next.on("error", (error: NodeJS.ErrnoException) =>
      failed?.(new SmokeFailure(`could not connect (${error.code ?? "error"})`)),
    );
    next.on("close", () => failed?.(new SmokeFailure("the connection closed")));
  };
  attach(socket);
  return {
    attach,
    reply: () =>
      new Promise<string>((resolve, reject) => {
        waiting = resolve;
        failed = reject;
        deliver();
      }),
  };
}

async function smtp(text: string, signal: AbortSignal): Promise<string> {
  const url = new URL(text);
  const implicitTls = url.protocol === "smtps:";
  const port = Number(url.port || (implicitTls ? 465 : 587));
  let socket: Socket = implicitTls
    ? connectTls({ host: url.hostname, port, servername: url.hostname })
    : connectTcp({ host: url.hostname, port });
  closeOnAbort(socket, signal);
  const talk = conversation(socket);
  const expect = async (code: string, what: string) => {
    const reply = await talk.reply();
    if (!reply.startsWith(code)) throw new SmokeFailure(`${what} refused (${reply.slice(0, 3)})`);
    return reply;
  };
  try {
    await expect("220", "the greeting");
    socket.write("EHLO strongbox.smoke\r\n");
    let features = await expect("250", "EHLO");
    const steps = ["EHLO"];
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    if (!implicitTls && /STARTTLS/i.test(features)) {
      socket.write("STARTTLS\r\n");
      await expect("220", "STARTTLS");
      socket = connectTls({ socket, servername: url.hostname });
      closeOnAbort(socket, signal);
      talk.attach(socket);
      socket.write("EHLO strongbox.smoke\r\n");
      features = await expect("250", "EHLO after STARTTLS");
      steps.push("STARTTLS");
    }
    if (password !== "") {
      credentialTransport(
        url,
        steps.includes("STARTTLS") || implicitTls,
        "the server offers no STARTTLS; use smtps:// or a server with STARTTLS",
      );
      if (!/AUTH[ =][^\r\n]*PLAIN/i.test(features))
        throw new SmokeFailure("the server offers no AUTH PLAIN for these credentials");
      socket.write(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString("base64")}\r\n`);
      const reply = await talk.reply();
      if (!reply.startsWith("235"))
        throw new SmokeFailure(`authentication failed (${reply.slice(0, 3)})`);
      steps.push("AUTH");
    }
    socket.write("QUIT\r\n");
    return steps.join(", ");
  } finally {
    socket.destroy();
  }
}

async function http(url: string, signal: AbortSignal): Promise<string> {
  credentialTransport(new URL(url), /^https:/i.test(url), "use https://");
  let response: Response;
  try {
    response = await fetch(withoutOptOut(url), { method: "GET", redirect: "manual", signal });
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
  signal: AbortSignal,
): Promise<string> {
  const pick = (name: string) => values.get(name) ?? env[name];
  const bucket = value.replace(/^s3:\/\//i, "").split("/")[0] ?? value;
  const sdk = await importModule<typeof import("@aws-sdk/client-s3")>("@aws-sdk/client-s3");
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
    await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }), {
      abortSignal: signal,
    });
    return `listed bucket ${bucket}`;
  } catch (error) {
    throw new SmokeFailure(
      `could not list bucket ${bucket} (${(error as { name?: string }).name ?? "error"})`,
    );
  } finally {
    client.destroy();
  }
}

/**
 * Runs a check under a time limit. When time is up the check's signal aborts
 * (its sockets and clients close, so nothing keeps the process alive) and the
 * check fails, naming the limit.
 */
function withTimeout<T>(
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
