import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname } from "node:path";
import { StrongboxError } from "../errors.js";
import { lockFile } from "../fs/lock.js";
import type { AuditEvent, AuditSink } from "./event.js";
import {
  type Head,
  type HeadRead,
  type HeadState,
  headMismatch,
  readHead,
  writeHead,
} from "./head.js";
import type { AuditActor } from "./identity.js";
import { auditKey, sign, valueDigest } from "./key.js";
import { assertRegularLog, auditSegments, type Link, logEnds, NO_LINK } from "./log-file.js";

/**
 * A tamper-evident audit log. Each record carries `seq` (1, 2, …), `prev`
 * (the MAC of the record before it) and `mac` (HMAC-SHA256 of the record
 * without `mac`, under the audit key). Editing, deleting, reordering or
 * inserting a record breaks a MAC or the sequence; the `<log>.head` file
 * (the last seq and MAC, itself MACed) shows a log cut short. Appends from
 * several processes take `<log>.lock`, so the chain stays one line.
 *
 * The key is `STRONGBOX_AUDIT_KEY` (32 bytes, hex or base64) or the key file
 * `$XDG_CONFIG_HOME/strongbox/keys/audit.key` (0600, made on first use); a
 * reader verifies with the same key (verify.ts). Someone who can write the log but not
 * read the key cannot rewrite the chain; someone with the key can.
 */
export function createChainedSink(path: string, options: ChainedSinkOptions): AuditSink {
  let key: Buffer | undefined;
  let actor: AuditActor | undefined;
  const keyOf = () => {
    key ??= auditKey(options.env, { create: true });
    return key;
  };
  return {
    digest(value) {
      return valueDigest(keyOf(), value);
    },
    write(events) {
      if (events.length === 0) return;
      // Before the key is made: a log that is no file refuses the first record as every other.
      assertRegularLog(path, "write");
      const key = keyOf();
      actor ??= options.actor?.();
      const stamped = events.map((event) =>
        actor === undefined || event.actor !== undefined ? event : { ...event, actor },
      );
      appendBatch(path, key, stamped, options);
    },
  };
}

/** Appends one batch under the log's lock; any failure but our own errors becomes `E_AUDIT`. */
function appendBatch(
  path: string,
  key: Buffer,
  events: readonly AuditEvent[],
  options: ChainedSinkOptions,
): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const release = lockFile(`${path}.lock`, "the audit log");
    try {
      appendLocked(path, key, events, options, new Date());
    } finally {
      release();
    }
  } catch (error) {
    if (error instanceof StrongboxError) throw error;
    throw new StrongboxError(
      "E_AUDIT",
      `cannot write the audit log ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      {
        hint: "fix the path or its permissions, or send records elsewhere (audit.sink: stdout)",
        cause: error,
      },
    );
  }
}

/**
 * With the lock held: checks the log against its head, rotates when due,
 * chains the batch (with checkpoints), then writes head, records, head.
 */
function appendLocked(
  path: string,
  key: Buffer,
  events: readonly AuditEvent[],
  options: ChainedSinkOptions,
  now: Date,
): void {
  const headPath = `${path}.head`;
  const log = logState(path, key);
  const head = log.found.kind === "ok" ? log.found.head : undefined;
  const started = head?.started;
  const segment =
    log.ends.last !== undefined && shouldRotate(path, started, options.rotate ?? {}, now)
      ? nextSegment(path, log.segments)
      : undefined;
  // The current file's first record as it is now (the head's, while the file is empty).
  const before = log.ends.first ?? head?.first;
  const batch = chainBatch(key, events, {
    end: log.end,
    first: segment === undefined && log.ends.last !== undefined ? before : undefined,
    torn: log.ends.torn === true && segment === undefined,
    segment,
    every: options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
    now,
  });
  const next: HeadState = {
    seq: batch.seq,
    mac: batch.mac,
    ...(batch.first === undefined ? {} : { first: batch.first }),
  };
  const startedNow = segment !== undefined || started === undefined ? now.toISOString() : started;
  // The head names the batch before it is written (fsynced), so a crash at any
  // instant leaves a head that matches the log: before the batch or after it.
  const pending: Head = {
    seq: log.end.seq,
    mac: log.end.mac,
    ...(before === undefined ? {} : { first: before }),
    started: startedNow,
    next,
  };
  writeHead(headPath, key, pending, { sync: true });
  if (segment !== undefined) renameSync(path, segment);
  appendLines(path, batch.lines);
  writeHead(headPath, key, { ...next, started: startedNow }, { sync: false });
}

/** The log as found: its head, segments and ends; throws `E_AUDIT` when they disagree (headMismatch). */
function logState(
  path: string,
  key: Buffer,
): {
  readonly found: HeadRead;
  readonly segments: string[];
  readonly ends: ReturnType<typeof logEnds>;
  readonly end: Link;
} {
  const found = readHead(`${path}.head`, key);
  const segments = auditSegments(path);
  const ends = logEnds(path);
  const last = segments.at(-1);
  const end = ends.last ?? (last === undefined ? NO_LINK : (logEnds(last).last ?? NO_LINK));
  const problem = headMismatch(found, {
    end,
    ...(ends.first === undefined ? {} : { first: ends.first }),
    hasRecords: ends.last !== undefined || segments.length > 0,
  });
  if (problem !== undefined)
    throw new StrongboxError(
      "E_AUDIT",
      `the audit log ${path} does not match its head: ${problem}; no record is added to a log that may have been cut`,
      {
        hint: "run `strongbox audit verify`; to start a new chain, move the log, its numbered segments and its .head aside (keep them as evidence)",
      },
    );
  return { found, segments, ends, end };
}

/** A batch being chained: the last record's link, the current file's first, the lines to append. */
interface Batch {
  seq: number;
  mac: string;
  first: Link | undefined;
  readonly lines: string[];
}

/** Chains `events` on from `end`: a checkpoint opening a new segment, one every `every` records. */
function chainBatch(
  key: Buffer,
  events: readonly AuditEvent[],
  from: {
    readonly end: Link;
    readonly first: Link | undefined;
    readonly torn: boolean;
    readonly segment: string | undefined;
    readonly every: number;
    readonly now: Date;
  },
): Batch {
  const batch: Batch = {
    seq: from.end.seq,
    mac: from.end.mac,
    first: from.first,
    // A torn last line gets its own line end, so the first record does not run into it.
    lines: from.torn ? ["\n"] : [],
  };
  if (from.segment !== undefined) appendCheckpoint(batch, key, from.now, from.segment);
  for (const event of events) {
    appendRecord(batch, key, event);
    if (batch.seq % from.every === 0) appendCheckpoint(batch, key, from.now);
  }
  return batch;
}

/** Chains one record: the next seq, the last MAC as `prev`, its own MAC last. */
function appendRecord(batch: Batch, key: Buffer, record: object): void {
  batch.seq += 1;
  const body = JSON.stringify({ v: 1, seq: batch.seq, prev: batch.mac, ...record });
  batch.mac = sign(key, body);
  batch.first ??= { seq: batch.seq, mac: batch.mac };
  batch.lines.push(`${body.slice(0, -1)},"mac":"${batch.mac}"}\n`);
}

/** A checkpoint record: the count so far, and the segment it closes when it opens a new one. */
function appendCheckpoint(batch: Batch, key: Buffer, now: Date, closed?: string): void {
  appendRecord(batch, key, {
    time: now.toISOString(),
    action: "checkpoint",
    source: "audit",
    outcome: "ok",
    records: batch.seq,
    ...(closed === undefined ? {} : { segment: basename(closed) }),
    pid: process.pid,
  });
}

/** Appends the batch's lines in one write, fsynced. */
function appendLines(path: string, lines: readonly string[]): void {
  const fd = openSync(path, "a", 0o600);
  try {
    writeSync(fd, lines.join(""));
    // Durable before the access it records takes effect; one fsync per batch.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** How a chained log is written. */
export interface ChainedSinkOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Who is behind the accesses; asked once, at the first write (it reads git's config files). */
  readonly actor?: () => AuditActor;
  /** Start a new segment when the log passes a size or an age. */
  readonly rotate?: AuditRotation;
  /** A checkpoint record every this many records (default 10,000), and at each segment start. */
  readonly checkpointEvery?: number;
}

/** When an audit log moves to a new segment; the chain continues across segments. */
export interface AuditRotation {
  readonly maxBytes?: number;
  /** In milliseconds. */
  readonly maxAgeMs?: number;
}

const DEFAULT_CHECKPOINT_EVERY = 10_000;

function shouldRotate(
  path: string,
  started: string | undefined,
  rotation: AuditRotation,
  now: Date,
): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  if (size === 0) return false;
  if (rotation.maxBytes !== undefined && size >= rotation.maxBytes) return true;
  return (
    rotation.maxAgeMs !== undefined &&
    started !== undefined &&
    now.getTime() - Date.parse(started) >= rotation.maxAgeMs
  );
}

/** The next numbered segment's name (`audit.jsonl.1`, `.2`, …), which the current log is renamed to. */
function nextSegment(path: string, segments: readonly string[]): string {
  const last = segments.at(-1);
  return `${path}.${last === undefined ? 1 : Number(last.slice(last.lastIndexOf(".") + 1)) + 1}`;
}
