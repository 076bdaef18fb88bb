import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { resolve } from "node:path";
import type { AuditSink } from "../audit/event.js";
import { StrongboxError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { checkOutputPath } from "../render/output-file.js";
import { withoutCredentials } from "../security/credentials.js";
import { type ReadScope, readGuarded } from "../security/read-guard.js";
import { callKey } from "../template/call-key.js";
import { textToBytes } from "../template/go-bytes.js";
import { parseTemplate } from "../template/parse.js";
import { checkFunctions, renderTemplate } from "../template/render.js";
import { envValue } from "../util/env-value.js";
import type { VaultClient } from "../vault/client.js";
import { vaultTemplateSource } from "../vault-ops/template-source.js";

/** The agent's configuration (`agent.yaml`). */
export interface AgentConfig {
  /** Polling interval in milliseconds. */
  readonly intervalMs: number;
  readonly templates: ReadonlyArray<{
    readonly source: string;
    readonly destination: string;
    readonly mode?: number;
  }>;
  readonly exec?: {
    readonly command: readonly string[];
    /** `restart` (default) stops and starts the child on a change; a signal name sends that signal instead. */
    readonly onChange?: "restart" | NodeJS.Signals;
  };
}

/** One log record. Names paths and events, never a value. */
export interface AgentLog {
  readonly level: "info" | "warn" | "error";
  readonly event: string;
  readonly message: string;
}

export interface AgentHandle {
  /** Resolves when the agent has stopped. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Renders templates from Vault and keeps them current: polls the KV v2
 * metadata (versions, not data) of every path the templates read, re-renders
 * when a version changes, renews leases and fetches dynamic secrets and
 * certificates again at two thirds of their life (`pkiCert` keeps a certificate
 * until a ninth of its life is left, as consul-template does), and restarts or
 * signals the supervised child. While
 * Vault is unreachable or sealed it keeps the last good files and child,
 * says so, and backs off (doubling the interval up to a minute). With `once`
 * it renders and returns.
 */
export function startAgent(
  config: AgentConfig,
  client: VaultClient,
  options: {
    baseDir: string;
    env: Readonly<Record<string, string | undefined>>;
    log: (entry: AgentLog) => void;
    once?: boolean;
    /** Where each Vault read of a render is recorded. */
    audit?: AuditSink;
    /**
     * Scheduled rotation (`rotation:` in agent.yaml): `run` rotates what is due and
     * finishes what has soaked, at start and then every `intervalMs` (24 h by
     * default). A rotated Vault secret the templates read moves its version, so the
     * next poll, made at once, re-renders and restarts the child.
     */
    rotation?: {
      readonly intervalMs: number;
      run(): Promise<ReadonlyArray<{ name: string; action: string; detail: string }>>;
    };
  },
): AgentHandle {
  let stopped = false;
  let child: ChildProcess | undefined;
  let wake: (() => void) | undefined;
  const versions = new Map<string, string>();
  // The key of the data hashes below: made per process, so nothing outside it can test guesses.
  const signatureKey = randomBytes(32);
  const rendered = new Map<string, string>();
  const log = options.log;

  // Responses with a lifetime (leases, certificates) are kept across renders, as
  // consul-template keeps a dependency: a re-render for a KV change must not issue
  // another certificate. Each has a time it is renewed or fetched again.
  const kept = new Map<string, Promise<unknown>>();
  const refresh = new Map<string, Refresh>();

  const renderAll = async (): Promise<boolean> => {
    const paths = new Set<string>();
    const fetched = new Map<string, Promise<unknown>>();
    const source = vaultTemplateSource(client, {
      onPath: (path) => paths.add(path),
      onLease: (lease) =>
        refresh.set(lease.key, {
          at: lease.fetchedAt + (lease.ttl * 1000 * 2) / 3,
          leaseId: lease.leaseId,
          renewable: lease.renewable,
          ttl: lease.ttl,
        }),
      audit: options.audit,
    });
    const secret = (path: string, params: readonly string[] = []) => {
      const key = callKey(path, params);
      const response = kept.get(key) ?? fetched.get(key) ?? source.secret(path, params);
      fetched.set(key, response);
      return response;
    };
    let changed = false;
    // Templates read (their sources, `{{ file }}`) inside the agent's directory and the sources
    // agent.yaml names; never a credential or /proc (security/read-guard.ts).
    const reads: ReadScope = {
      roots: [options.baseDir],
      named: config.templates.map((template) => resolve(options.baseDir, template.source)),
      cwd: options.baseDir,
      env: options.env,
    };
    for (const template of config.templates) {
      const nodes = parseTemplate(
        readGuarded(template.source, reads).toString("utf8"),
        template.source,
      );
      checkFunctions(nodes, template.source);
      const text = await renderTemplate(nodes, {
        secret,
        list: source.list,
        env: (name) => envValue(options.env, name),
        reads,
        file: template.source,
        destination: resolve(options.baseDir, template.destination),
        refreshAt: (key, at) => refresh.set(key, { at, leaseId: "", renewable: false, ttl: 0 }),
      });
      if (rendered.get(template.destination) !== text) {
        // Checked before every write, not once: a directory can be swapped for a link meanwhile.
        checkOutputPath(template.destination, options.baseDir, { root: options.baseDir });
        writeFileAtomic(
          resolve(options.baseDir, template.destination),
          textToBytes(text),
          template.mode ?? 0o600,
        );
        rendered.set(template.destination, text);
        changed = true;
        log({
          level: "info",
          event: "rendered",
          message: `rendered ${template.source} -> ${template.destination}`,
        });
      }
    }
    const current = await Promise.all(
      [...paths].map(async (path) => [path, await currentVersion(path)] as const),
    );
    for (const [path, version] of current) versions.set(path, version);
    for (const key of refresh.keys()) {
      const response = fetched.get(key);
      if (response !== undefined) kept.set(key, response);
    }
    return changed;
  };

  /**
   * Leases and certificates whose time has come: a renewable lease is renewed (its
   * values stay; a lease near its maximum TTL is fetched again instead), anything else
   * is dropped so the next render fetches or issues it anew. True when a render is due.
   */
  const refreshDue = async (): Promise<boolean> => {
    let render = false;
    for (const [key, entry] of refresh) {
      if (entry.at > Date.now()) continue;
      if (entry.renewable && entry.leaseId !== "") {
        const renewed = await renewLease(client, entry.leaseId, entry.ttl).catch(() => undefined);
        // Renewed for less than half of what was asked: the maximum TTL is close, so the
        // next refresh fetches new values rather than renewing a lease about to end.
        if (renewed !== undefined && renewed > 0) {
          refresh.set(key, {
            ...entry,
            at: Date.now() + (renewed * 1000 * 2) / 3,
            renewable: renewed * 2 >= entry.ttl,
          });
          log({ level: "info", event: "lease-renewed", message: `renewed ${entry.leaseId}` });
          continue;
        }
      }
      refresh.delete(key);
      kept.delete(key);
      render = true;
    }
    return render;
  };

  /** When the next lease or certificate needs attention (Infinity when none does). */
  const nextRefresh = () => Math.min(...[...refresh.values()].map((entry) => entry.at));

  /**
   * What changes when a secret does. KV v2: the current version and when it was made (a
   * secret destroyed and written again restarts at version 1, with a new time), from the
   * metadata, so polling reads no data. KV v1 keeps no versions: a keyed hash of the data.
   */
  const currentVersion = async (path: string): Promise<string> => {
    const metadata = await client.kvMetadata(path);
    if (metadata !== undefined) {
      const current = Number(metadata.current_version ?? 0);
      const version = (
        metadata.versions as
          | Record<string, { created_time?: string; deletion_time?: string; destroyed?: boolean }>
          | undefined
      )?.[String(current)];
      return `${current}:${version?.created_time ?? ""}:${version?.deletion_time ?? ""}:${version?.destroyed === true}`;
    }
    const secret = await client.kvRead(path);
    if (secret === undefined) return "absent";
    return createHmac("sha256", signatureKey)
      .update(JSON.stringify(sortedEntries(secret.data)))
      .digest("base64url");
  };

  const startChild = () => {
    if (config.exec === undefined) return;
    const [command, ...args] = config.exec.command;
    if (command === undefined) throw new StrongboxError("E_USAGE", "agent: exec.command is empty");
    child = spawn(command, args, {
      cwd: options.baseDir,
      stdio: "inherit",
      env: withoutCredentials(options.env),
    });
    log({
      level: "info",
      event: "child-started",
      message: `started ${command} (pid ${child.pid})`,
    });
    const started = child;
    started.once("exit", (code, signal) => {
      if (child === started)
        log({
          level: "warn",
          event: "child-exited",
          message: `${command} exited (${signal ?? code})`,
        });
    });
  };

  const stopChild = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((done) => {
      running.once("exit", () => done());
      running.kill("SIGTERM");
    });
  };

  const onChange = async () => {
    if (config.exec === undefined) return;
    const how = config.exec.onChange ?? "restart";
    if (how === "restart") {
      await stopChild();
      startChild();
    } else {
      child?.kill(how);
      log({ level: "info", event: "child-signalled", message: `sent ${how} to the child` });
    }
  };

  let rotatedAt = Number.NEGATIVE_INFINITY;
  /** Runs the scheduled rotation when it is time; true when something was rotated or retired. */
  const rotateIfDue = async (): Promise<boolean> => {
    const rotation = options.rotation;
    if (rotation === undefined || Date.now() - rotatedAt < rotation.intervalMs) return false;
    rotatedAt = Date.now();
    let acted = false;
    try {
      for (const result of await rotation.run()) {
        acted ||= result.action !== "failed";
        log({
          level: result.action === "failed" ? "warn" : "info",
          event: result.action === "failed" ? "rotation-failed" : result.action,
          message: `${result.name}: ${result.detail}`,
        });
      }
    } catch (error) {
      log({
        level: "warn",
        event: "rotation-failed",
        message: `${(error as { code?: string }).code ?? "error"}: ${(error as Error).message}`,
      });
    }
    return acted;
  };

  const loop = async () => {
    if (await rotateIfDue())
      log({
        level: "info",
        event: "rotation-done",
        message: "rotation ran before the first render",
      });
    await renderAll();
    if (options.once === true) return;
    startChild();
    let delay = config.intervalMs;
    let unhealthy = false;
    while (!stopped) {
      const wait = Math.max(0, Math.min(delay, nextRefresh() - Date.now()));
      await new Promise<void>((done) => {
        const timer = setTimeout(done, wait);
        wake = () => {
          clearTimeout(timer);
          done();
        };
      });
      if (stopped) break;
      try {
        // All paths asked at once (the client keeps at most 16 connections).
        const now = await Promise.all(
          [...versions].map(async ([path, version]) => (await currentVersion(path)) !== version),
        );
        let moved = now.includes(true);
        if (unhealthy)
          log({ level: "info", event: "recovered", message: "Vault is reachable again" });
        unhealthy = false;
        delay = config.intervalMs;
        if (await refreshDue()) moved = true;
        if (moved && (await renderAll())) await onChange();
        // A rotation moves versions the templates read: look again at once, not an interval later.
        if (await rotateIfDue()) delay = 0;
      } catch (error) {
        unhealthy = true;
        delay = Math.min(delay * 2, 60_000);
        const code = (error as { code?: string }).code ?? "E_VAULT";
        log({
          level: "warn",
          event: "vault-unavailable",
          message: `${code}: keeping the last good files and child; retrying in ${delay} ms`,
        });
      }
    }
    await stopChild();
  };

  const done = loop();
  return {
    done,
    async stop() {
      stopped = true;
      wake?.();
      await done.catch(() => undefined);
      await stopChild();
    },
  };
}

/** A lease or certificate the agent keeps current: when, and how. */
interface Refresh {
  readonly at: number;
  readonly leaseId: string;
  readonly renewable: boolean;
  /** The lease's duration in seconds, asked for again as the renewal's increment. */
  readonly ttl: number;
}

/** Renews a lease for `increment` seconds; the duration Vault granted. */
async function renewLease(
  client: VaultClient,
  leaseId: string,
  increment: number,
): Promise<number | undefined> {
  const response = await client.call({
    method: "PUT",
    path: "sys/leases/renew",
    body: { lease_id: leaseId, increment },
  });
  const duration = response.body?.lease_duration;
  return typeof duration === "number" ? duration : undefined;
}

/** The entries of a secret's data in key order, so two reads of the same data hash alike. */
function sortedEntries(data: Readonly<Record<string, unknown>>): Array<[string, unknown]> {
  return Object.keys(data)
    .sort()
    .map((key) => [key, data[key]]);
}
