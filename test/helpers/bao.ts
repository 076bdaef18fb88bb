import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { get as httpsGet } from "node:https";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { join } from "node:path";
import { tempProject } from "./cli.js";

/** A running `bao server -dev` on a free loopback port. */
export interface Bao {
  readonly addr: string;
  readonly rootToken: string;
  /** The dev CA's certificate, when the server was started with `tls`. */
  readonly caCert?: string;
  readonly process: ChildProcess;
  /** The dev server's unseal key (from its start-up output). */
  unsealKey(): string;
  /** Environment for the `bao` CLI and for Strongbox, as root. */
  readonly env: Record<string, string>;
  /** Runs the real `bao` CLI against this server; returns stdout. */
  cli(args: readonly string[], options?: { env?: Record<string, string>; input?: string }): string;
  stop(): Promise<void>;
}

/** The `bao` binary scripts/run-tests.mjs installed (or one on PATH). */
export function baoBinary(): string {
  return process.env.STRONGBOX_BAO ?? "bao";
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a dev server with a random root token and waits until `sys/health`
 * answers 200. With `tls`, the server listens on HTTPS with a certificate
 * from its own dev CA (`-dev-tls`), as production does; `env` then names the
 * CA (`BAO_CACERT`, `VAULT_CACERT`) and `caCert` is its path. With
 * `pluginDir`, the plugins in it join the catalog under their file names
 * (`-dev-plugin-dir`), as the AWS auth plugin scripts/ensure-bao-aws-plugin.mjs builds.
 */
export async function startBao(options: { tls?: boolean; pluginDir?: string } = {}): Promise<Bao> {
  const port = await freePort();
  const rootToken = `root-${randomBytes(8).toString("hex")}`;
  const home = tempProject();
  const tls = options.tls === true;
  const child = spawn(
    baoBinary(),
    [
      "server",
      "-dev",
      `-dev-listen-address=127.0.0.1:${port}`,
      `-dev-root-token-id=${rootToken}`,
      "-dev-no-store-token",
      ...(tls ? ["-dev-tls", `-dev-tls-cert-dir=${home}`] : []),
      ...(options.pluginDir === undefined ? [] : [`-dev-plugin-dir=${options.pluginDir}`]),
    ],
    {
      env: { PATH: process.env.PATH ?? "", HOME: home },
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const addr = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  const caCert = tls ? join(home, "vault-ca.pem") : undefined;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    BAO_ADDR: addr,
    BAO_TOKEN: rootToken,
    ...(caCert === undefined ? {} : { BAO_CACERT: caCert, VAULT_CACERT: caCert }),
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await healthy(addr, caCert)) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`bao server -dev did not become healthy on ${addr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    addr,
    rootToken,
    ...(caCert === undefined ? {} : { caCert }),
    process: child,
    unsealKey: () => /Unseal Key: (\S+)/.exec(output)?.[1] ?? "",
    env,
    cli: (args, options = {}) =>
      execFileSync(baoBinary(), [...args], {
        env: { ...env, ...options.env },
        encoding: "utf8",
        input: options.input ?? "",
        stdio: ["pipe", "pipe", "pipe"],
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** True when `sys/health` answers 200 (trusting `caCert` for HTTPS). */
function healthy(addr: string, caCert: string | undefined): Promise<boolean> {
  const url = `${addr}/v1/sys/health`;
  if (caCert === undefined)
    return fetch(url).then(
      (response) => response.status === 200,
      () => false,
    );
  return new Promise((resolve) => {
    let ca: string;
    try {
      ca = readFileSync(caCert, "utf8");
    } catch {
      return resolve(false); // the CA is written as the server starts
    }
    const request = httpsGet(url, { ca }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on("error", () => resolve(false));
  });
}

/**
 * Renders templates once with the real `bao agent` (token auth, exit after the
 * first render): `templates` are [source, destination] paths relative to
 * `dir`, `env` is the agent's environment beside PATH and HOME.
 */
export function renderWithBaoAgent(
  bao: Bao,
  dir: string,
  templates: ReadonlyArray<readonly [string, string]>,
  env: Record<string, string> = {},
): void {
  writeFileSync(join(dir, "token"), bao.rootToken);
  const config = [
    `vault { address = "${bao.addr}" }`,
    `auto_auth {\n  method "token_file" {\n    config = { token_file_path = "${join(dir, "token")}" }\n  }\n}`,
    ...templates.map(
      ([source, destination]) =>
        `template {\n  source = "${join(dir, source)}"\n  destination = "${join(dir, destination)}"\n}`,
    ),
    "exit_after_auth = true",
  ];
  writeFileSync(join(dir, "agent.hcl"), `${config.join("\n")}\n`);
  execFileSync(baoBinary(), ["agent", `-config=${join(dir, "agent.hcl")}`], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    stdio: "ignore",
    timeout: 60_000,
  });
}

/** A token as an application holds it: read-only on the KV v2 mount `secret/` (production refuses root tokens). */
export function readOnlyToken(bao: Bao): string {
  bao.cli(["policy", "write", "app-read", "-"], {
    input:
      'path "secret/data/*" { capabilities = ["read"] }\npath "secret/metadata/*" { capabilities = ["read"] }\n',
  });
  return bao.cli(["token", "create", "-policy=app-read", "-field=token"]).trim();
}

/** A recording proxy in front of a server: every request path Strongbox sends, in order. */
export interface RecordingProxy {
  readonly addr: string;
  readonly seen: string[];
  close(): void;
}

/** Starts a loopback proxy to `target` that records each request's path before forwarding it. */
export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const seen: string[] = [];
  const server = createHttpServer((req, res) => {
    seen.push(req.url ?? "");
    const forward = httpRequest(
      `${target}${req.url ?? ""}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { addr: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}
