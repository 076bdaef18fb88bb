import { channel } from "node:diagnostics_channel";
import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { createRequire } from "node:module";
import { StrongboxError } from "../errors.js";
import { registerSecret, registerSecretData } from "../redact/registry.js";
import { GATEWAY_STATUSES, judgeAnswer, notVault } from "./answer.js";
import { VAULT_RETRY_CHANNEL, type VaultRetryMessage } from "./retry-channel.js";
import { readTlsFiles, type TlsFiles } from "./tls-files.js";

const retrying = channel(VAULT_RETRY_CHANNEL);
const publish = (message: VaultRetryMessage) => retrying.publish(message);

/** Where and how to reach Vault/OpenBao. */
export interface VaultConnection {
  /** e.g. `https://vault.example.com:8200`. */
  readonly address: string;
  readonly namespace?: string | undefined;
  /**
   * PEM CA bundle (or directory of them) to trust, TLS client certificate
   * and key, server name; `skipVerify` for tests only.
   */
  readonly tls?: TlsFiles & {
    readonly serverName?: string | undefined;
    readonly skipVerify?: boolean | undefined;
  };
}

export interface VaultRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "LIST";
  /** The API path after `/v1/`, e.g. `secret/data/app`. */
  readonly path: string;
  readonly token?: string | undefined;
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
  /** Extra headers, e.g. `X-Vault-Wrap-TTL`. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface VaultResponse {
  readonly status: number;
  /** The parsed JSON body, or undefined for an empty body. */
  readonly body: Record<string, unknown> | undefined;
  /** Seconds from a `Retry-After` header, when the server sent one. */
  readonly retryAfter?: number;
  /** What came instead of a Vault answer (see answer.ts); never returned from `send`. */
  readonly foreign?: string;
}

/** Counts requests per client, for tests and benchmarks that claim batching. */
export interface RequestCounter {
  requests: number;
}

const RETRY_STATUSES = new Set([412, 429, 500, 502, 503, 504]);

/**
 * The largest response body read from Vault. A KV secret is at most 512 KiB by default
 * and a list of 50,000 keys about 2 MiB; a body larger than this is a hostile or broken
 * server, and reading it whole would exhaust memory.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

// node:http(s) load when the first client is made, not when this module is: every command
// imports the library, most never talk to Vault, and the single executable's start-up
// snapshot cannot hold the HTTP stack.
const requireBuiltin = createRequire(import.meta.url);
const nodeHttp = () => requireBuiltin("node:http") as typeof import("node:http");
const nodeHttps = () => requireBuiltin("node:https") as typeof import("node:https");

/**
 * The one place Strongbox talks HTTP to Vault. Built on node:http(s) rather
 * than fetch so that a CA bundle and client certificates apply per client,
 * and so that redirects are followed by rule: one hop, to the same origin
 * only, so a token or login body is never sent to another host or scheme.
 * Retries connection errors, 412, 429 and 5xx (not 501) with exponential
 * backoff and full jitter (honouring `Retry-After`) until `signal` aborts or
 * eight retries are spent; never retries another 4xx.
 * Errors name the method, path and status, never the token or a body.
 */
export class VaultHttp {
  readonly connection: VaultConnection;
  readonly counter: RequestCounter = { requests: 0 };
  readonly #agent: HttpAgent | HttpsAgent;

  constructor(connection: VaultConnection) {
    this.connection = connection;
    const url = new URL(connection.address);
    const tls = connection.tls ?? {};
    // Keep-alive, and at most 16 connections: a template reading 100 paths at once reuses
    // them instead of opening 100 (measured: 550 -> 430 ms for 1,000 secrets).
    this.#agent =
      url.protocol === "https:"
        ? new (nodeHttps().Agent)({
            keepAlive: true,
            maxSockets: 16,
            ...readTlsFiles(tls),
            ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
            rejectUnauthorized: tls.skipVerify !== true,
          })
        : new (nodeHttp().Agent)({ keepAlive: true, maxSockets: 16 });
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.#agent.destroy();
  }

  /** Sends `request`, retrying transient failures until the signal's deadline. */
  async send(request: VaultRequest): Promise<VaultResponse> {
    refuseRewrittenPath(request);
    const episode = { retried: false };
    try {
      return await this.#sendRetrying(request, episode);
    } finally {
      if (episode.retried) publish({ address: this.connection.address, settled: true });
    }
  }

  async #sendRetrying(
    request: VaultRequest,
    episode: { retried: boolean },
  ): Promise<VaultResponse> {
    for (let attempt = 0; ; attempt++) {
      let response: VaultResponse;
      try {
        response = await this.#once(request, this.#url(request), 0);
      } catch (error) {
        // A refusal (a redirect elsewhere) is a decision, not a network blip: never retried.
        if (error instanceof StrongboxError) throw error;
        if (request.signal?.aborted) throw deadline(request, this.connection.address);
        if (attempt >= 8) throw unreachable(request, this.connection.address, error);
        episode.retried = true;
        publish({ address: this.connection.address, attempt: attempt + 1, reason: "unreachable" });
        await backoff(attempt, request.signal, undefined);
        if (request.signal?.aborted) throw deadline(request, this.connection.address);
        continue;
      }
      const last = !(RETRY_STATUSES.has(response.status) || isUpgrading(response)) || attempt >= 8;
      // Not Vault: said at once, except a gateway's page, which is worth the retries.
      if (last || !GATEWAY_STATUSES.has(response.status))
        return this.#vaultAnswer(request, response);
      episode.retried = true;
      publish({
        address: this.connection.address,
        attempt: attempt + 1,
        reason: `HTTP ${response.status}`,
      });
      await backoff(attempt, request.signal, response.retryAfter);
      if (request.signal?.aborted) return this.#vaultAnswer(request, response);
    }
  }

  /** `response`, when it is Vault's answer; else the error saying what answered instead. */
  #vaultAnswer(request: VaultRequest, response: VaultResponse): VaultResponse {
    if (response.foreign === undefined) return response;
    throw notVault(request, this.connection.address, response.status, response.foreign);
  }

  #url(request: VaultRequest): URL {
    const url = new URL(`/v1/${request.path.replace(/^\/+/, "")}`, this.connection.address);
    for (const [name, value] of Object.entries(request.query ?? {}))
      url.searchParams.set(name, value);
    if (request.method === "LIST") url.searchParams.set("list", "true");
    return url;
  }

  #once(request: VaultRequest, url: URL, hops: number): Promise<VaultResponse> {
    const method = request.method === "LIST" ? "GET" : request.method;
    const payload =
      request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const headers: Record<string, string> = { "X-Vault-Request": "true", ...request.headers };
    if (request.token !== undefined) {
      // Every credential Strongbox sends is one no message of this process may print,
      // a server's error text echoing it included.
      registerSecret("vault-token", request.token);
      headers["X-Vault-Token"] = request.token;
    }
    if (isLogin(request.path) && request.body !== null && typeof request.body === "object")
      // A role is a name (printed by `vault setup`, say), as is cert auth's role (`name`);
      // the rest of a login is a credential.
      for (const [field, value] of Object.entries(request.body))
        if (field !== "role" && field !== "name") registerSecretData("vault-login", value);
    if (this.connection.namespace) headers["X-Vault-Namespace"] = this.connection.namespace;
    if (payload !== undefined) {
      headers["Content-Type"] =
        request.method === "PATCH" ? "application/merge-patch+json" : "application/json";
      headers["Content-Length"] = String(payload.length);
    }
    this.counter.requests++;
    const send = url.protocol === "https:" ? nodeHttps().request : nodeHttp().request;
    return new Promise<VaultResponse>((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          headers,
          agent: this.#agent,
          ...(request.signal ? { signal: request.signal } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const tooLarge = () => {
            // Destroying the request drops the socket: nothing more is read from it.
            req.destroy();
            reject(
              new StrongboxError(
                "E_VAULT",
                `Vault ${request.method} ${request.path}: the response is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB; refused`,
                {
                  hint: `the server at ${url.origin} sent far more than any Vault answer holds; check that VAULT_ADDR points at Vault`,
                },
              ),
            );
          };
          if (Number(res.headers["content-length"]) > MAX_RESPONSE_BYTES) {
            tooLarge();
            return;
          }
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) tooLarge();
            else chunks.push(chunk);
          });
          res.on("error", reject);
          res.on("end", () => {
            if (size > MAX_RESPONSE_BYTES) return;
            const status = res.statusCode ?? 0;
            const location = res.headers.location;
            if ((status === 307 || status === 308) && location !== undefined && hops === 0) {
              const target = new URL(location, url);
              if (target.origin !== url.origin) {
                // The token and a login body are credentials for this server alone: a redirect
                // elsewhere (a hostile or misconfigured node) never receives them.
                reject(
                  new StrongboxError(
                    "E_VAULT",
                    `${request.method} ${request.path}: refused a redirect from ${url.origin} to ${target.origin}; credentials are only sent to the configured address`,
                    {
                      hint: "point VAULT_ADDR at the active node or a load balancer in front of the cluster (standbys forward requests to the active node by default)",
                    },
                  ),
                );
                return;
              }
              this.#once(request, target, hops + 1).then(resolve, reject);
              return;
            }
            const text = Buffer.concat(chunks).toString("utf8");
            const { body, foreign } = judgeAnswer(text, res.headers["content-type"], {
              method: request.method,
              status,
            });
            registerIssuedTokens(body);
            const retryAfter = Number(res.headers["retry-after"]);
            resolve({
              status,
              body,
              ...(foreign === undefined ? {} : { foreign }),
              ...(Number.isFinite(retryAfter) && retryAfter >= 0
                ? { retryAfter: Math.min(retryAfter, 30) }
                : {}),
            });
          });
        },
      );
      // Name the node that failed: after a standby's redirect it is not the configured address.
      req.on("error", (error) => reject(Object.assign(error, { target: url.origin })));
      req.end(payload);
    });
  }
}

/**
 * Refuses a request path the URL parser or Vault would send somewhere else:
 * no Vault API path has a `.` or `..` segment, and `new URL()` collapses them
 * (`sys/policies/acl/x/../../../sys/policies/acl/default` is a request for
 * `default`). Every spelling counts: `%2e`, a `\` (a separator to the URL
 * parser), control characters (it drops tab and newlines, and trims the end), and the decoded path (which is
 * what Vault routes). The one place every request passes, so no caller's path,
 * whatever it was built from, can climb out of where it was meant to go.
 */
function refuseRewrittenPath(request: VaultRequest): void {
  let decoded = request.path;
  try {
    decoded = decodeURIComponent(request.path);
  } catch {
    // a malformed escape: the raw path is judged on its own
  }
  const climbs = [request.path, decoded].some(
    (path) =>
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
      /[\u0000-\u001f\u007f]/.test(path) ||
      path.split(/[/\\]/).some((segment) => {
        const dots = segment.trim().toLowerCase().replaceAll("%2e", ".");
        return dots === "." || dots === "..";
      }),
  );
  if (climbs)
    throw new StrongboxError(
      "E_VAULT",
      `Vault ${request.method} ${JSON.stringify(request.path)}: refused, the path has a "." or ".." segment (in some spelling) that would send the request elsewhere`,
      {
        hint: "no Vault API path has such a segment; check the names the path was built from (project, environment, component, reference)",
      },
    );
}

/**
 * A token a response issues (a login's `auth.client_token`): a credential from now on. A
 * response-wrapping token is not registered: it is made to be handed out (`vault setup`
 * prints one), and unwrapping it spends it.
 */
function registerIssuedTokens(body: Record<string, unknown> | undefined): void {
  const token = (body?.auth as { client_token?: unknown } | null | undefined)?.client_token;
  if (typeof token === "string") registerSecret("vault-token", token);
}

/** A login: `auth/MOUNT/login` or `auth/MOUNT/login/NAME` (userpass, ldap). */
function isLogin(path: string): boolean {
  return /^\/*auth\/.+\/login(\/[^/]*)?$/.test(path);
}

function backoff(
  attempt: number,
  signal: AbortSignal | undefined,
  retryAfterSeconds: number | undefined,
): Promise<void> {
  const ceiling = Math.min(2000, 100 * 2 ** attempt);
  const wait = retryAfterSeconds === undefined ? Math.random() * ceiling : retryAfterSeconds * 1000;
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, wait);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function unreachable(request: VaultRequest, address: string, error: unknown): StrongboxError {
  const code = (error as NodeJS.ErrnoException).code ?? "connection failed";
  const target = (error as { target?: string }).target ?? address;
  const via = target === address ? "" : ` (redirected from ${address})`;
  return new StrongboxError(
    "E_VAULT_UNREACHABLE",
    `Vault at ${target}${via} is unreachable (${code}) for ${request.method} ${request.path}`,
    {
      hint: "check VAULT_ADDR / BAO_ADDR, the network, and that the server is running",
    },
  );
}

function deadline(request: VaultRequest, address: string): StrongboxError {
  return new StrongboxError(
    "E_VAULT_UNREACHABLE",
    `Vault at ${address} did not answer ${request.method} ${request.path} before the deadline`,
    {
      hint: "the server is slow or unreachable; raise the timeout or check its health",
    },
  );
}

/**
 * A KV v2 mount answers 400 "Waiting for the primary to upgrade…" for a short
 * while after it is created or after a fail-over: transient despite the 400.
 */
function isUpgrading(response: VaultResponse): boolean {
  const errors = response.body?.errors;
  return (
    response.status === 400 &&
    Array.isArray(errors) &&
    errors.some((message) => /waiting for the primary to upgrade/i.test(String(message)))
  );
}
