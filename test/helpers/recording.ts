// What the credential-scope attack tests share: a listener that records every
// request (the planted endpoint an attack would send to), the machine's
// non-loopback address, this process's environment swapped for one case (the
// SDKs read process.env themselves: that is what is attacked), and a HOME
// holding the files a case plants.
import { mkdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { tempProject } from "./cli.js";

/** A listening server and what it was sent (`METHOD URL BODY`, one line per request). */
export interface Listener {
  readonly port: number;
  readonly seen: string[];
  readonly server: Server;
}

/** Makes `server` record every request and answer it with an AWS-style refusal; listens on `host`. */
export async function recordOn(server: Server, host: string): Promise<Listener> {
  const seen: string[] = [];
  server.on("request", (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(400, { "content-type": "text/xml" }).end("<Error><Code>Nope</Code></Error>");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as AddressInfo).port, seen, server };
}

/** This machine's first non-loopback IPv4 address, if it has one. */
export function outsideAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const address of list ?? [])
      if (!address.internal && address.family === "IPv4") return address.address;
  return undefined;
}

/** Runs `use` with this process's environment set to exactly `env`, restored afterwards. */
export async function withProcessEnv<T>(
  env: Record<string, string | undefined>,
  use: () => Promise<T>,
): Promise<T> {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, env);
  try {
    return await use();
  } finally {
    for (const name of Object.keys(process.env)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

/** A fresh HOME holding `files` (paths relative to it, directories made as needed). */
export function homeWith(files: Record<string, string | undefined>, base?: string): string {
  const home = base ?? tempProject();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(home, name, ".."), { recursive: true });
    writeFileSync(join(home, name), text ?? "");
  }
  return home;
}
