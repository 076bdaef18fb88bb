import { fstatSync, type Stats, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isatty } from "node:tty";
import { StrongboxError } from "../errors.js";
import { toolSpawnSync } from "../exec/tool-process.js";
import { parseDuration } from "../schema/coerce.js";
import type { AuditSpec } from "../schema/types.js";
import { assertTrusted, assertTrustedEntry, statOrUndefined } from "../security/trusted-path.js";
import { stateDir } from "../util/state-dir.js";
import { createChainedSink } from "./chain.js";
import type { AuditEvent, AuditSink } from "./event.js";
import { type AuditActor, auditActor } from "./identity.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The sink kinds a config or `STRONGBOX_AUDIT_SINK` may name. */
export const AUDIT_SINKS = ["file", "stdout", "stderr", "syslog", "off"] as const;
export type AuditSinkKind = (typeof AUDIT_SINKS)[number];

/** Where a project's audit records go, decided by {@link auditTarget}. */
export type AuditTarget =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "stdout" | "stderr" }
  /** `fromEnvironment`: said by `STRONGBOX_AUDIT_SINK`, not by the config (see {@link openAuditSink}). */
  | { readonly kind: "off"; readonly fromEnvironment: boolean }
  | { readonly kind: "syslog"; readonly socket: string };

/**
 * The one rule for where audit records go, shared by every entry point
 * (`loadConfig`, the CLI, the agent, rotation): the config's `audit`
 * (`sink`, `file` relative to the config), then `STRONGBOX_AUDIT_SINK` and
 * `STRONGBOX_AUDIT_FILE`, then the default file,
 * `$XDG_STATE_HOME/strongbox/audit.jsonl` (`~/.local/state/…`): one log per
 * user, across projects, as a shell history is. The config wins over the
 * environment so that a variable cannot silence an application's audit.
 */
export function auditTarget(
  config: { readonly audit?: AuditSpec } | undefined,
  baseDir: string,
  env: Env,
): AuditTarget {
  const spec = config?.audit;
  const kind = (spec?.sink ?? nonEmpty(env.STRONGBOX_AUDIT_SINK) ?? "file") as string;
  if (!(AUDIT_SINKS as readonly string[]).includes(kind))
    throw new StrongboxError(
      "E_CONFIG",
      `audit sink "${kind}" is not one of ${AUDIT_SINKS.join(", ")}`,
      {
        hint: "set audit.sink (or STRONGBOX_AUDIT_SINK) to file, stdout, stderr, syslog or off",
      },
    );
  if (kind === "syslog")
    return { kind, socket: resolve(baseDir, spec?.syslog?.socket ?? "/dev/log") };
  if (kind === "off") return { kind, fromEnvironment: spec?.sink === undefined };
  if (kind !== "file") return { kind: kind as "stdout" | "stderr" };
  if (spec?.file !== undefined && spec.file !== "")
    return { kind: "file", path: resolve(baseDir, spec.file) };
  const fromEnv = nonEmpty(env.STRONGBOX_AUDIT_FILE);
  if (fromEnv !== undefined) return { kind: "file", path: resolve(baseDir, fromEnv) };
  return { kind: "file", path: defaultAuditFile(env) };
}

/** The default audit log: `$XDG_STATE_HOME/strongbox/audit.jsonl`, else under `~/.local/state`. */
export function defaultAuditFile(env: Env): string {
  return join(stateDir(env), "audit.jsonl");
}

/** The audit file of a config, when its records go to a file (for queries and `verify`). */
export function auditFileFor(
  config: { readonly audit?: AuditSpec } | undefined,
  baseDir: string,
  env: Env,
): string | undefined {
  const target = auditTarget(config, baseDir, env);
  return target.kind === "file" ? target.path : undefined;
}

/**
 * The sink for a config's records, or undefined when the config turns the
 * audit `off`. An audit turned off by `STRONGBOX_AUDIT_SINK=off` alone gets a
 * sink that refuses every record ({@link AuditSink.offByEnvironment}): the
 * environment may silence accesses whose lost record would only be a warning
 * (resolution where the audit fails open), never the others (an environment
 * that fails closed, store changes, rotation, render, the agent).
 * `cwd` is where the git author is looked up. A CLI whose standard output
 * is its data (`export`, `get`) passes `stdoutIsData`, and `stdout` records
 * go to standard error instead of corrupting that output.
 */
export function openAuditSink(options: {
  readonly config?: { readonly audit?: AuditSpec; readonly project?: string } | undefined;
  readonly baseDir: string;
  readonly env: Env;
  readonly cwd?: string;
  readonly stdoutIsData?: boolean;
}): AuditSink | undefined {
  const target = auditTarget(options.config, options.baseDir, options.env);
  const actor = () => auditActor(options.env, options.cwd ?? options.baseDir);
  const project = options.config?.project;
  let sink: AuditSink;
  switch (target.kind) {
    case "off":
      return target.fromEnvironment ? offByEnvironment() : undefined;
    case "file":
      // Whoever can replace entries in the audit file's directory can rewrite the record.
      assertTrusted(nearestExisting(dirname(target.path)), "the audit file's directory");
      assertTrustedEntry(target.path, "the audit file");
      sink = createChainedSink(target.path, {
        env: options.env,
        actor,
        ...rotationOf(options.config?.audit),
        ...(options.config?.audit?.checkpointEvery === undefined
          ? {}
          : { checkpointEvery: options.config.audit.checkpointEvery }),
      });
      break;
    case "syslog":
      sink = createSyslogSink(target.socket, options.env, actor);
      break;
    default:
      sink = createStreamSink(
        target.kind === "stdout" && options.stdoutIsData !== true ? 1 : 2,
        actor,
      );
  }
  return project === undefined ? sink : withProject(sink, project);
}

/** The sink of `STRONGBOX_AUDIT_SINK=off` when the config does not say `off`. */
function offByEnvironment(): AuditSink {
  return {
    offByEnvironment: true,
    write(events) {
      if (events.length === 0) return;
      throw new StrongboxError(
        "E_AUDIT",
        "STRONGBOX_AUDIT_SINK=off cannot turn the audit off here: this access is never left unrecorded",
        {
          hint: "unset STRONGBOX_AUDIT_SINK; only the config can turn the audit off (audit.sink: off)",
        },
      );
    },
  };
}

/**
 * Whether an access is refused when its record cannot be written: the
 * config's `audit.failClosed` (a boolean, or environment names and globs),
 * else closed in pure-mode environments (production) and open elsewhere,
 * where a lost record is a warning.
 */
export function auditFailsClosed(
  spec: AuditSpec | undefined,
  environment: { readonly name: string; readonly pure: boolean },
  matches: (pattern: string, name: string) => boolean,
): boolean {
  const rule = spec?.failClosed;
  if (rule === undefined) return environment.pure;
  if (typeof rule === "boolean") return rule;
  return rule.some((pattern) => matches(pattern, environment.name));
}

/**
 * JSON lines on a standard stream, for containers whose log collector ships
 * them. Records carry `v` but no chain: a stream has no file to verify, and
 * its integrity is the collector's.
 */
function createStreamSink(fd: 1 | 2, actorOf: () => AuditActor): AuditSink {
  const name = fd === 1 ? "stdout" : "stderr";
  return jsonLinesSink(actorOf, (text) => {
    const kind = streamKind(fd);
    if (kind !== "keeps")
      throw new StrongboxError("E_AUDIT", `cannot write audit records to ${name}: ${kind}`, {
        hint: "send the stream to a log collector (a pipe, a socket, a file, a terminal), or records to a file (audit.sink: file)",
      });
    try {
      streamWriter(fd, text);
    } catch (error) {
      throw new StrongboxError(
        "E_AUDIT",
        `cannot write audit records to ${name}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
        { hint: "the stream is closed; send records to a file (audit.sink: file)", cause: error },
      );
    }
  });
}

/**
 * Writes JSON lines to a standard stream synchronously (the record is out
 * before the access it records goes on), throwing the write's error.
 */
export type StreamWriter = (fd: 1 | 2, text: string) => void;

/** Raw bytes to the descriptor: the library's default, when no program installed its own output path. */
const rawWriter: StreamWriter = (fd, text) => {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
};

let streamWriter: StreamWriter = rawWriter;

/**
 * Routes the stdout/stderr audit sink through a program's one output path
 * (the CLI's `src/cli/io.ts`, which masks and escapes everything Strongbox
 * prints); `undefined` restores raw writes.
 */
export function setAuditStreamWriter(writer: StreamWriter | undefined): void {
  streamWriter = writer ?? rawWriter;
}

/**
 * The one rule for a stream that may carry audit records: it keeps them only
 * when it is a regular file, a pipe, a socket (a collector reads those) or a
 * terminal (someone sees them). Every other character device (/dev/null,
 * /dev/zero, /dev/full, /dev/urandom, …) swallows or refuses what is written,
 * a closed stream takes nothing, and a block device or directory is no log.
 * The refusal is an `E_AUDIT` like any failed write: where the audit fails
 * closed the access is refused, elsewhere it is a warning.
 */
function streamKind(fd: number): "keeps" | string {
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch (error) {
    return `it is closed (${(error as NodeJS.ErrnoException).code ?? "error"}), where records are lost`;
  }
  if (stats.isFile() || stats.isFIFO() || stats.isSocket()) return "keeps";
  if (stats.isCharacterDevice())
    return isatty(fd)
      ? "keeps"
      : "it is a device that is not a terminal (such as /dev/null or /dev/zero), where records are lost";
  return "it is neither a file, a pipe, a socket nor a terminal, where records are lost";
}

/** A sink that hands each batch, as JSON lines marked `audit: true` and carrying the actor, to `deliver`. */
function jsonLinesSink(actorOf: () => AuditActor, deliver: (text: string) => void): AuditSink {
  let actor: AuditActor | undefined;
  return {
    write(events) {
      if (events.length === 0) return;
      actor ??= actorOf();
      deliver(
        events
          .map(
            (event) =>
              `${JSON.stringify({ v: 1, audit: true, ...event, actor: event.actor ?? actor })}\n`,
          )
          .join(""),
      );
    },
  };
}

/**
 * Records to the local syslog daemon's socket (`/dev/log` by default), one
 * RFC 5424 message per record (facility auth, severity notice, tag
 * `strongbox`), through util-linux's `logger`: Node cannot write to a Unix
 * datagram socket without a native module. `logger --socket-errors=on`
 * exits non-zero when the socket refuses, so fail-closed holds. The child
 * gets only `PATH`, never a credential, and the records on its standard
 * input, never on its command line.
 */
function createSyslogSink(socket: string, env: Env, actorOf: () => AuditActor): AuditSink {
  return jsonLinesSink(actorOf, (text) => {
    const result = toolSpawnSync(
      "logger",
      [
        "--socket",
        socket,
        "--socket-errors=on",
        "--rfc5424",
        "--tag",
        "strongbox",
        "--priority",
        "auth.notice",
        "--size",
        "65536",
      ],
      {
        input: text,
        env: { PATH: env.PATH ?? "/usr/bin:/bin" },
        stdio: ["pipe", "ignore", "pipe"],
        timeout: 5000,
      },
    );
    if (result.error !== undefined || result.status !== 0)
      throw new StrongboxError(
        "E_AUDIT",
        `cannot send audit records to syslog at ${socket}: ${
          (result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT"
            ? "the logger command (util-linux) is not installed"
            : (result.stderr?.toString().trim().split("\n")[0] ?? `logger exited ${result.status}`)
        }`,
        {
          hint: "check that the syslog daemon listens there (audit.syslog.socket), or use audit.sink: file",
        },
      );
  });
}

function withProject(sink: AuditSink, project: string): AuditSink {
  if (sink.offByEnvironment === true) return sink;
  const tagged: AuditSink = {
    write: (events: readonly AuditEvent[]) =>
      sink.write(
        events.map((event) => (event.project === undefined ? { ...event, project } : event)),
      ),
  };
  if (sink.digest !== undefined) {
    const digest = sink.digest.bind(sink);
    return { ...tagged, digest };
  }
  return tagged;
}

function rotationOf(spec: AuditSpec | undefined): {
  rotate?: { maxBytes?: number; maxAgeMs?: number };
} {
  const rotate = spec?.rotate;
  if (rotate === undefined) return { rotate: { maxBytes: DEFAULT_MAX_BYTES } };
  const maxAge = rotate.maxAge === undefined ? undefined : parseDuration(rotate.maxAge);
  if (maxAge !== undefined && !maxAge.ok)
    throw new StrongboxError(
      "E_CONFIG",
      `audit.rotate.maxAge "${rotate.maxAge}" is not a duration`,
      {
        hint: 'write it as "24h" or "7d"',
      },
    );
  return {
    rotate: {
      maxBytes: rotate.maxBytes ?? DEFAULT_MAX_BYTES,
      ...(maxAge?.ok === true ? { maxAgeMs: maxAge.value as number } : {}),
    },
  };
}

/** A segment is closed at 64 MiB unless the config says otherwise: big enough to rotate rarely, small to ship. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : text;
}

/** The path itself or its closest ancestor that exists (a directory the sink will create is checked there). */
function nearestExisting(path: string): string {
  for (let dir = path; ; dir = dirname(dir))
    if (statOrUndefined(dir) !== undefined || dirname(dir) === dir) return dir;
}
