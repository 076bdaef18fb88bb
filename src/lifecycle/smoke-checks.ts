import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { sdkClientOptions } from "../aws/client.js";
import { importModule } from "../security/import-module.js";
import {
  closeOnAbort,
  credentialTransport,
  optedOut,
  postgresTls,
  SmokeFailure,
  withoutOptOut,
} from "./smoke-transport.js";

export async function postgres(url: string, signal: AbortSignal): Promise<string> {
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
export async function redis(text: string, signal: AbortSignal): Promise<string> {
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

export async function smtp(text: string, signal: AbortSignal): Promise<string> {
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

/**
 * GET a URL and expect no server error, following no redirect. A secret
 * variable's URL is a credential as a whole (a key in its path or query), so
 * it goes only over TLS, as userinfo does.
 */
export async function http(url: string, secret: boolean, signal: AbortSignal): Promise<string> {
  const parsed = new URL(url);
  credentialTransport(parsed, parsed.protocol === "https:", "use https://", secret);
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

/** Where a bucket check connects, and with what (values never printed). */
export interface S3Connection {
  readonly bucket: string;
  /** Always given: a client without credentials would fall back to the SDK's default chain. */
  readonly keyId: string;
  readonly secret: string;
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
}

export async function s3(connection: S3Connection, signal: AbortSignal): Promise<string> {
  const { keyId, secret, endpoint } = connection;
  const bucket = connection.bucket.replace(/^s3:\/\//i, "").split("/")[0] ?? connection.bucket;
  const sdk = await importModule<typeof import("@aws-sdk/client-s3")>("@aws-sdk/client-s3");
  // The same options as every AWS client Strongbox builds; the endpoint is the
  // one the check resolved, never the SDK's own from this process's
  // AWS_ENDPOINT_URL_* or ~/.aws/config.
  const client = new sdk.S3Client({
    ...sdkClientOptions({
      region: connection.region ?? "us-east-1",
      ...(endpoint === undefined ? {} : { endpoint }),
      credentials: { accessKeyId: keyId, secretAccessKey: secret },
      ignoreConfiguredEndpointUrls: true,
    }),
    ...(endpoint === undefined ? {} : { forcePathStyle: true }),
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
