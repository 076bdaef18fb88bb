// A loopback Azure Key Vault (secrets data plane) and Entra ID token endpoint.
//
// No Key Vault emulator installs on this machine (lowkey-vault's server is not in the
// Maven mirror; the Go and npm candidates are not served; see docs/providers.md), so
// this server is written from the published REST reference (api-version 7.4 to
// 2025-07-01): the 401 bearer challenge, SecretBundle/SecretItem shapes with Unix-second
// times, `nextLink` paging capped at 25, soft delete (409 on reuse, /deletedsecrets,
// recover, purge 204), 403 SecretDisabled, and the error body shape. It also serves the
// OAuth client-credentials flow, so tests drive the real `@azure/identity`
// ClientSecretCredential (through MSAL) rather than a hand-made credential object.
// What it cannot prove: real Entra token validation, RBAC, firewalls, live limits.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { tempProject } from "./cli.js";

interface Version {
  readonly id: string;
  readonly value: string;
  readonly created: number;
  enabled: boolean;
  contentType?: string;
  tags?: Record<string, string>;
}

interface Secret {
  readonly name: string;
  readonly versions: Version[];
  deleted?: number;
}

/** A running fake: its URL, the environment and config that reach it, and fault switches. */
export interface FakeKeyVault {
  /** The vault's base URL (`https://127.0.0.1:PORT`). */
  readonly url: string;
  /** A PEM file with the server's self-signed certificate (give it as `azure.caFile`). */
  readonly caFile: string;
  /** Environment for a ClientSecretCredential against this server's token endpoint. */
  readonly env: Record<string, string>;
  /**
   * Requests received, as `METHOD /path` (query dropped), those refused for want of a
   * token as `challenge METHOD /path`: what a batch cost.
   */
  readonly requests: string[];
  /** The key for `caFile`'s certificate, so a test can stand up another host that TLS trusts. */
  readonly keyFile: string;
  /**
   * The next `count` vault requests (after the token challenge) answer
   * `status` (429, 503, 307…), with Retry-After or Location when given.
   */
  fail(status: number, count: number, options?: { retryAfter?: number; location?: string }): void;
  setSecret(name: string, value: string): string;
  disable(name: string): void;
  softDelete(name: string): void;
  stop(): Promise<void>;
}

const TENANT = "72f988bf-0000-4000-8000-00000000c0de";
const CLIENT_ID = "strongbox-tests";

/**
 * Starts the fake on a free loopback port with a fresh self-signed certificate.
 * `latencyMs` delays every vault answer, standing in for the network round trip
 * to a real vault (benchmarks use it; tests do not).
 */
export async function startFakeKeyVault(
  options: { readonly latencyMs?: number } = {},
): Promise<FakeKeyVault> {
  const dir = tempProject();
  const keyFile = join(dir, "key.pem");
  const caFile = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"],
      ...["-keyout", keyFile, "-out", caFile, "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  const clientSecret = randomBytes(12).toString("hex");
  const token = `fake-token-${randomBytes(12).toString("hex")}`;
  const secrets = new Map<string, Secret>();
  const requests: string[] = [];
  let faults: { status: number; count: number; retryAfter?: number; location?: string } | undefined;
  let base = "";

  const bundle = (secret: Secret, version: Version, withValue: boolean) => ({
    ...(withValue ? { value: version.value } : {}),
    id: `${base}/secrets/${secret.name}/${version.id}`,
    attributes: {
      enabled: version.enabled,
      created: version.created,
      updated: version.created,
      recoverableDays: 7,
      recoveryLevel: "CustomizedRecoverable+Purgeable",
    },
    ...(version.contentType === undefined ? {} : { contentType: version.contentType }),
    ...(version.tags === undefined ? {} : { tags: version.tags }),
    ...(secret.deleted === undefined
      ? {}
      : {
          recoveryId: `${base}/deletedsecrets/${secret.name}`,
          deletedDate: secret.deleted,
          scheduledPurgeDate: secret.deleted + 7 * 86400,
        }),
  });

  const put = (name: string, value: string, extra: Partial<Version> = {}): Version => {
    const key = name.toLowerCase();
    const secret = secrets.get(key) ?? { name, versions: [] };
    secrets.set(key, secret);
    const version: Version = {
      id: randomBytes(16).toString("hex"),
      value,
      created: Math.floor(Date.now() / 1000),
      enabled: true,
      ...extra,
    };
    secret.versions.push(version);
    return version;
  };

  const page = (res: ServerResponse, url: URL, items: unknown[]) => {
    const max = Math.min(Number(url.searchParams.get("maxresults") ?? 25) || 25, 25);
    const skip = Number(url.searchParams.get("$skiptoken") ?? 0);
    const next = new URL(url.href);
    next.searchParams.set("$skiptoken", String(skip + max));
    send(res, 200, {
      value: items.slice(skip, skip + max),
      nextLink: skip + max < items.length ? next.href : null,
    });
  };

  const vault = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      requests.push(`challenge ${req.method} ${url.pathname}`);
      res.setHeader(
        "WWW-Authenticate",
        `Bearer authorization="${base}/${TENANT}", resource="https://vault.azure.net"`,
      );
      return error(res, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
    }
    if (url.searchParams.get("api-version") === null)
      return error(res, 400, "BadParameter", "The api-version query parameter is required.");
    if (faults !== undefined && faults.count > 0) {
      faults.count--;
      if (faults.retryAfter !== undefined) res.setHeader("Retry-After", String(faults.retryAfter));
      if (faults.location !== undefined) res.setHeader("Location", faults.location);
      return error(res, faults.status, "Throttled", "Request was not processed (test fault).");
    }
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const [collection, name = "", rest = ""] = parts;
    const secret = secrets.get(name.toLowerCase());
    const live = secret !== undefined && secret.deleted === undefined ? secret : undefined;
    const notFound = () =>
      error(
        res,
        404,
        "SecretNotFound",
        `A secret with (name/id) ${name} was not found in this key vault.`,
      );
    if (collection === "secrets" && name !== "" && !/^[0-9a-zA-Z-]{1,127}$/.test(name))
      return error(res, 400, "BadParameter", "The secret name is invalid.");
    if (collection === "secrets" && parts.length === 1 && req.method === "GET")
      return page(
        res,
        url,
        [...secrets.values()]
          .filter((s) => s.deleted === undefined)
          .map((s) => {
            const { id: _id, ...item } = bundle(s, s.versions.at(-1) as Version, false);
            return { ...item, id: `${base}/secrets/${s.name}` };
          }),
      );
    if (collection === "secrets" && req.method === "PUT" && parts.length === 2) {
      if (secret?.deleted !== undefined)
        return error(
          res,
          409,
          "Conflict",
          `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
          "ObjectIsDeletedButRecoverable",
        );
      const parsed = JSON.parse(body) as { value: string; contentType?: string };
      const stored = put(
        name,
        parsed.value,
        parsed.contentType === undefined ? {} : { contentType: parsed.contentType },
      );
      return send(res, 200, bundle(secrets.get(name.toLowerCase()) as Secret, stored, true));
    }
    if (collection === "secrets" && rest === "versions" && req.method === "GET") {
      if (live === undefined) return notFound();
      return page(
        res,
        url,
        live.versions.map((v) => {
          const { value: _value, ...item } = bundle(live, v, true);
          return item;
        }),
      );
    }
    if (collection === "secrets" && req.method === "GET") {
      if (live === undefined) return notFound();
      const version = rest === "" ? live.versions.at(-1) : live.versions.find((v) => v.id === rest);
      if (version === undefined) return notFound();
      if (!version.enabled)
        return error(
          res,
          403,
          "Forbidden",
          "Operation get is not allowed on a disabled secret.",
          "SecretDisabled",
        );
      return send(res, 200, bundle(live, version, true));
    }
    if (collection === "secrets" && req.method === "PATCH" && rest !== "") {
      const version = live?.versions.find((v) => v.id === rest);
      if (live === undefined || version === undefined) return notFound();
      const patch = JSON.parse(body || "{}") as { attributes?: { enabled?: boolean } };
      if (patch.attributes?.enabled !== undefined) version.enabled = patch.attributes.enabled;
      return send(res, 200, bundle(live, version, false));
    }
    if (collection === "secrets" && req.method === "DELETE") {
      if (live === undefined) return notFound();
      live.deleted = Math.floor(Date.now() / 1000);
      return send(res, 200, bundle(live, live.versions.at(-1) as Version, false));
    }
    if (collection === "deletedsecrets" && req.method === "GET" && name !== "") {
      if (secret?.deleted === undefined)
        return error(res, 404, "SecretNotFound", `Deleted Secret not found: ${name}`);
      return send(res, 200, bundle(secret, secret.versions.at(-1) as Version, false));
    }
    if (collection === "deletedsecrets" && req.method === "POST" && rest === "recover") {
      if (secret?.deleted === undefined)
        return error(res, 404, "SecretNotFound", `Deleted Secret not found: ${name}`);
      delete secret.deleted;
      return send(res, 200, bundle(secret, secret.versions.at(-1) as Version, true));
    }
    if (collection === "deletedsecrets" && req.method === "DELETE") {
      if (secret?.deleted === undefined)
        return error(res, 404, "SecretNotFound", `Deleted Secret not found: ${name}`);
      secrets.delete(name.toLowerCase());
      res.writeHead(204).end();
      return;
    }
    return error(res, 400, "BadParameter", `No route for ${req.method} ${url.pathname}`);
  };

  // The OAuth side: MSAL reads the tenant's OpenID metadata, then posts client credentials.
  const identity = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => {
    if (url.pathname === `/${TENANT}/v2.0/.well-known/openid-configuration`)
      send(res, 200, {
        token_endpoint: `${base}/${TENANT}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${TENANT}/oauth2/v2.0/authorize`,
        issuer: `${base}/${TENANT}/v2.0`,
        jwks_uri: `${base}/${TENANT}/discovery/v2.0/keys`,
        end_session_endpoint: `${base}/${TENANT}/oauth2/v2.0/logout`,
      });
    else if (url.pathname === `/${TENANT}/oauth2/v2.0/token` && req.method === "POST") {
      const form = new URLSearchParams(body);
      if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== clientSecret)
        send(res, 401, {
          error: "invalid_client",
          error_description: "AADSTS7000215: Invalid client secret provided.",
        });
      else send(res, 200, { token_type: "Bearer", expires_in: 3600, access_token: token });
    } else send(res, 404, { error: "not_found", error_description: "no such endpoint" });
  };

  const server: Server = createServer(
    { key: readFileSync(keyFile), cert: readFileSync(caFile) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", base);
        const body = Buffer.concat(chunks).toString("utf8");
        if (url.pathname.startsWith(`/${TENANT}/`)) return identity(req, res, url, body);
        if (req.headers.authorization === `Bearer ${token}`)
          requests.push(`${req.method} ${url.pathname}`);
        if (options.latencyMs === undefined) vault(req, res, url, body);
        else setTimeout(() => vault(req, res, url, body), options.latencyMs);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    caFile,
    env: {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT_ID,
      AZURE_CLIENT_SECRET: clientSecret,
      AZURE_AUTHORITY_HOST: base,
    },
    requests,
    keyFile,
    fail(status, count, options = {}) {
      faults = { status, count, ...options };
    },
    setSecret: (name, value) => put(name, value).id,
    disable(name) {
      const version = secrets.get(name.toLowerCase())?.versions.at(-1);
      if (version !== undefined) version.enabled = false;
    },
    softDelete(name) {
      const secret = secrets.get(name.toLowerCase());
      if (secret !== undefined) secret.deleted = Math.floor(Date.now() / 1000);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  inner?: string,
): void {
  send(res, status, {
    error: { code, message, ...(inner === undefined ? {} : { innererror: { code: inner } }) },
  });
}
