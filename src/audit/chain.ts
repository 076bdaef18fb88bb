import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { StrongboxError } from "../errors.js";
import { lockFile } from "../fs/lock.js";
import { namesIn } from "../fs/names-in.js";
import { registerSecret } from "../redact/registry.js";
import {
  parseKeyText,
  readKeyFileWith,
  strongboxConfigDir,
  writeKeyFile,
} from "../security/key-file.js";
import type { AuditSink } from "./event.js";
import type { AuditActor } from "./identity.js";

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
 * reader verifies with the same key. Someone who can write the log but not
 * read the key cannot rewrite the chain; someone with the key can.
 */
export function createChainedSink(path: string, options: ChainedSinkOptions): AuditSink {
  let key: Buffer | undefined;
  let actor: AuditActor | undefined;
  const rotation = options.rotate ?? {};
  const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
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
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        const release = lockFile(`${path}.lock`, "the audit log");
        try {
          const now = new Date();
          const headPath = `${path}.head`;
          const found = readHead(headPath, key);
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
          const head = found.kind === "ok" ? found.head : undefined;
          const started = head?.started;
          const segment =
            ends.last !== undefined && shouldRotate(path, started, rotation, now)
              ? nextSegment(path, segments)
              : undefined;
          // The current file's first record as it is now (the head's, while the file is empty).
          const before = ends.first ?? head?.first;
          let { seq, mac } = end;
          let first: Link | undefined =
            segment === undefined && ends.last !== undefined ? before : undefined;
          const lines: string[] = ends.torn === true && segment === undefined ? ["\n"] : [];
          const append = (record: object) => {
            seq += 1;
            const body = JSON.stringify({ v: 1, seq, prev: mac, ...record });
            mac = sign(key, body);
            first ??= { seq, mac };
            lines.push(`${body.slice(0, -1)},"mac":"${mac}"}\n`);
          };
          const checkpoint = (closed?: string) =>
            append({
              time: now.toISOString(),
              action: "checkpoint",
              source: "audit",
              outcome: "ok",
              records: seq,
              ...(closed === undefined ? {} : { segment: basename(closed) }),
              pid: process.pid,
            });
          if (segment !== undefined) checkpoint(segment);
          for (const event of events) {
            append(actor === undefined || event.actor !== undefined ? event : { ...event, actor });
            if (seq % every === 0) checkpoint();
          }
          const next: HeadState = { seq, mac, ...(first === undefined ? {} : { first }) };
          const startedNow =
            segment !== undefined || started === undefined ? now.toISOString() : started;
          // The head names the batch before it is written (fsynced), so a crash at any
          // instant leaves a head that matches the log: before the batch or after it.
          writeHead(
            headPath,
            key,
            {
              seq: end.seq,
              mac: end.mac,
              ...(before === undefined ? {} : { first: before }),
              started: startedNow,
              next,
            },
            { sync: true },
          );
          if (segment !== undefined) renameSync(path, segment);
          const fd = openSync(path, "a", 0o600);
          try {
            writeSync(fd, lines.join(""));
            // Durable before the access it records takes effect; one fsync per batch.
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
          writeHead(headPath, key, { ...next, started: startedNow }, { sync: false });
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
    },
  };
}

/**
 * Throws `E_AUDIT` unless `path` is a regular file or does not exist yet. A log
 * at a device (`/dev/null` takes every record and keeps none; `/dev/full` and
 * `/dev/zero` never end when read), a pipe, a socket or a directory is no log:
 * records sent there are lost, so a writer refuses it as it refuses a full disk,
 * and a reader refuses to read it. Symlinks are followed: it is the file they
 * reach that must be regular.
 */
export function assertRegularLog(path: string, use: "read" | "write"): void {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    throw new StrongboxError("E_AUDIT", `cannot ${use} the audit log ${path}: ${code ?? "error"}`, {
      hint: "fix the path (audit.file or STRONGBOX_AUDIT_FILE) or its permissions",
      cause: error,
    });
  }
  if (!stats.isFile())
    throw new StrongboxError(
      "E_AUDIT",
      `cannot ${use} the audit log ${path}: it is not a regular file but ${
        stats.isDirectory() ? "a directory" : stats.isFIFO() ? "a pipe" : "a device or socket"
      }, where records are lost`,
      { hint: "point audit.file or STRONGBOX_AUDIT_FILE at a file" },
    );
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

/** The rotated segments of a log, oldest first (the current file not included). */
export function auditSegments(path: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  return namesIn(dir)
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => ({ name, n: Number(name.slice(prefix.length)) }))
    .sort((a, b) => a.n - b.n)
    .map(({ name }) => join(dir, name));
}

/** What `audit verify` found: fine, or the first bad record and why. */
export interface ChainReport {
  readonly ok: boolean;
  /** Records checked (checkpoints included). */
  readonly records: number;
  /** The first record present, when older segments were pruned (the chain is checked from there). */
  readonly from?: number;
  /** The last good record's seq and MAC: an anchor to keep elsewhere (`verify --anchor`). */
  readonly head?: { readonly seq: number; readonly mac: string };
  /** The file and 1-based line of the first bad record, and what is wrong with it. */
  readonly problem?: { readonly file: string; readonly line: number; readonly why: string };
}

/**
 * Checks a chained log, rotated segments first, from its first line: every
 * record's MAC under the key, its `seq` one more than the last, its `prev`
 * the last MAC, complete last lines, and the `.head` file agreeing with the
 * end. Names the first bad record: edited, deleted, reordered, inserted or
 * cut off. When older segments were pruned the chain must start at a
 * checkpoint record. An `anchor` (a seq and MAC kept outside the log, from
 * an earlier verify) must still be in the chain: a rewrite by someone who
 * holds the key shows there.
 */
export function verifyChain(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly anchor?: { readonly seq: number; readonly mac: string } } = {},
): ChainReport {
  const key = auditKey(env, { create: false });
  const files = [...auditSegments(path), path];
  for (const file of files) assertRegularLog(file, "read");
  let seq = 0;
  let mac = "";
  let from: number | undefined;
  let currentFirst: Link | undefined;
  let anchored = options.anchor === undefined;
  const bad = (file: string, line: number, why: string): ChainReport => ({
    ok: false,
    records: seq - (from ?? 1) + 1,
    ...(from === undefined || from === 1 ? {} : { from }),
    problem: { file, line, why },
  });
  for (const [fileIndex, file] of files.entries()) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new StrongboxError(
        "E_IO",
        `cannot read the audit log ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        { hint: "check the path (audit.file or STRONGBOX_AUDIT_FILE)" },
      );
    }
    const lines = text.split("\n");
    const torn = lines.at(-1) !== "";
    if (!torn) lines.pop();
    for (const [index, line] of lines.entries()) {
      const number = index + 1;
      if (torn && index === lines.length - 1)
        return bad(file, number, "the last line is incomplete (cut off while written)");
      const parsed = parseChained(line);
      if (parsed === "not-json") return bad(file, number, "not a record (edited or damaged)");
      if (parsed === "not-chained")
        return bad(file, number, "not a chained record (written without a chain, or edited)");
      const record = parsed;
      const body = `${line.slice(0, line.lastIndexOf(',"mac":'))}}`;
      if (!macEquals(sign(key, body), record.mac))
        return bad(file, number, "its MAC does not match: edited, or inserted");
      if (from === undefined) {
        // Older segments may have been pruned; the chain then starts at the checkpoint that
        // opens a segment (one naming the segment closed before it), never inside one.
        const opensSegment =
          fileIndex === 0 &&
          index === 0 &&
          record.action === "checkpoint" &&
          typeof (record as { segment?: unknown }).segment === "string";
        if (record.seq !== 1 && !opensSegment)
          return bad(file, number, `records 1 to ${record.seq - 1} are missing (deleted)`);
        from = record.seq;
      } else {
        if (record.seq !== seq + 1)
          return bad(
            file,
            number,
            record.seq > seq + 1
              ? `records ${seq + 1} to ${record.seq - 1} are missing (deleted)`
              : `record ${record.seq} is out of order (reordered or replayed)`,
          );
        if (record.prev !== mac)
          return bad(
            file,
            number,
            "it does not follow the record before it (reordered or spliced)",
          );
      }
      seq = record.seq;
      mac = record.mac;
      if (fileIndex === files.length - 1) currentFirst ??= { seq, mac };
      if (options.anchor !== undefined && seq === options.anchor.seq) {
        if (!macEquals(mac, options.anchor.mac))
          return bad(file, number, `record ${seq} is not the anchored one (the log was rewritten)`);
        anchored = true;
      }
    }
    if (fileIndex === files.length - 1) {
      const found = readHead(`${path}.head`, key);
      const problem = headMismatch(found, {
        end: { seq, mac },
        ...(currentFirst === undefined ? {} : { first: currentFirst }),
        hasRecords: seq > 0 || files.length > 1,
      });
      if (problem !== undefined)
        return found.kind === "ok" && /cut short|older one/.test(problem)
          ? bad(file, lines.length + (/cut short/.test(problem) ? 1 : 0), problem)
          : bad(`${path}.head`, 1, problem);
    }
  }
  if (!anchored)
    return bad(
      path,
      0,
      `the anchor record ${options.anchor?.seq} is not in the log (cut short, or pruned past it)`,
    );
  return {
    ok: true,
    records: from === undefined ? 0 : seq - from + 1,
    ...(from === undefined || from === 1 ? {} : { from }),
    ...(seq === 0 ? {} : { head: { seq, mac } }),
  };
}

/** A record's place in the chain: its seq and MAC. */
interface Link {
  readonly seq: number;
  readonly mac: string;
}

const NO_LINK: Link = { seq: 0, mac: "" };

/** What the head says of the log: its last record, and the first record of the current file. */
interface HeadState extends Link {
  readonly first?: Link;
}

/** The head file: the state after the last batch, or before and after a batch being written. */
interface Head extends HeadState {
  /** When the current file was started (for `rotate.maxAge`). */
  readonly started?: string;
  /** The state the batch being written leads to; the log matches one of the two. */
  readonly next?: HeadState;
}

type HeadRead =
  | { readonly kind: "missing" }
  | { readonly kind: "damaged"; readonly why: string }
  | { readonly kind: "ok"; readonly head: Head };

/**
 * The one rule for a log and its head, shared by writers and `verify`: a log
 * with records (or segments) has a head; the head's MAC holds; the log's last
 * record is the one the head names (or the one a batch being written leads
 * to); the current file's first record is the one the head names. A log cut at
 * either end, a head deleted, damaged, older than the log or taken from
 * another log each fail here. Returns what is wrong, or undefined.
 */
function headMismatch(
  found: HeadRead,
  log: { readonly end: Link; readonly first?: Link; readonly hasRecords: boolean },
): string | undefined {
  // A file that does not open with a record is what verify stops at, head or no head.
  if (log.first === NOT_A_RECORD)
    return "the current file's first line is not a record (padded, damaged, or records cut from its start)";
  if (found.kind === "missing")
    return log.hasRecords ? "the head file is missing, though the log has records" : undefined;
  if (found.kind === "damaged") return found.why;
  const head = found.head;
  const states = [head, ...(head.next === undefined ? [] : [head.next])];
  const sameLink = (a: Link, b: Link) => a.seq === b.seq && macEquals(a.mac, b.mac);
  const matches = (state: HeadState) =>
    sameLink(state, log.end) &&
    (state.first === undefined || log.first === undefined || sameLink(state.first, log.first));
  if (states.some(matches)) return undefined;
  const highest = Math.max(...states.map((state) => state.seq));
  if (log.end.seq < head.seq)
    return `the log ends at record ${log.end.seq} but ${head.seq} were written (cut short)`;
  if (log.end.seq > highest)
    return `the head names record ${highest} but the log goes on to ${log.end.seq} (the head was replaced by an older one)`;
  if (states.some((state) => state.seq === log.end.seq && !sameLink(state, log.end)))
    return "the last record is not the one last written (replaced, or the head of another log)";
  return "the current file's first record is not the one the head names (records cut from its start, or the head of another log)";
}

/**
 * Writes the head (its state, then a MAC over it) in place, padded to a fixed
 * size, in one small write at offset 0 (one sector: not torn in practice),
 * without a rename (which cost more than the log's own fsync). `sync` for the
 * head written before a batch: it must be on disk before the batch is, or a
 * power cut could leave a log ahead of its head, which would read as a
 * replaced head. The head written after the batch needs none: the one before
 * already names the state the batch leads to.
 */
function writeHead(path: string, key: Buffer, head: Head, options: { sync: boolean }): void {
  const text = JSON.stringify(head);
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${text}\n${sign(key, `head:${text}`)}\n`.padEnd(HEAD_SIZE, " "), 0, "utf8");
    if (options.sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The head's fixed size: its states and the MAC over them fit with room to spare. */
const HEAD_SIZE = 768;

/**
 * The first and last chained records of one log file (none for an empty or
 * new file), read from its two ends, and whether its last line is torn.
 */
function logEnds(path: string): { first?: Link; last?: Link; torn?: boolean } {
  if (!existsSync(path)) return {};
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const tail = Buffer.alloc(length);
    readSync(fd, tail, 0, length, size - length);
    // A torn last line gets its own line end, so the next record does not run into it.
    const torn = length > 0 && tail[length - 1] !== 0x0a;
    // A line torn by a crash (or damaged) is skipped: the chain continues from the last good
    // record, and verify still names the bad line.
    const last = firstChained(tail.toString("utf8").split("\n").reverse());
    const first = size === 0 ? undefined : firstLineLink(fd, size);
    return {
      ...(first === undefined ? {} : { first }),
      ...(last === undefined ? {} : { last }),
      torn,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * The link of a file's first line, or `NOT_A_RECORD` when that line is not a
 * chained record (blank, padded, damaged, longer than any record, torn):
 * verify stops at such a line, so a writer must not read past it either, or a
 * log cut at its start and padded would pass the head's check of its first
 * record.
 */
function firstLineLink(fd: number, size: number): Link {
  const length = Math.min(size, MAX_RECORD_BYTES);
  const bytes = Buffer.alloc(length);
  const read = readSync(fd, bytes, 0, length, 0);
  const end = bytes.subarray(0, read).indexOf(0x0a);
  if (end < 0) return NOT_A_RECORD;
  const parsed = parseChained(bytes.subarray(0, end).toString("utf8"));
  return typeof parsed === "string" ? NOT_A_RECORD : { seq: parsed.seq, mac: parsed.mac };
}

/** A record is a few hundred bytes; a first line longer than this is not one. */
const MAX_RECORD_BYTES = 1024 * 1024;

/** Stands for a first line that is not a record: it matches no head (no MAC is empty). */
const NOT_A_RECORD: Link = { seq: -1, mac: "" };

/** One line of a chained log, as verify and writers both read it. */
function parseChained(line: string):
  | "not-json"
  | "not-chained"
  | {
      readonly seq: number;
      readonly mac: string;
      readonly prev?: unknown;
      readonly action?: unknown;
      readonly segment?: unknown;
    } {
  let record: { seq?: unknown; prev?: unknown; mac?: unknown; action?: unknown };
  try {
    record = JSON.parse(line) as typeof record;
  } catch {
    return "not-json";
  }
  if (record === null || typeof record !== "object") return "not-chained";
  if (typeof record.mac !== "string" || typeof record.seq !== "number") return "not-chained";
  return record as { seq: number; mac: string };
}

function firstChained(lines: readonly string[]): Link | undefined {
  for (const line of lines) {
    if (line.trim() === "") continue;
    try {
      const record = JSON.parse(line) as { seq?: unknown; mac?: unknown };
      if (typeof record.seq === "number" && typeof record.mac === "string")
        return { seq: record.seq, mac: record.mac };
    } catch {
      // a torn or damaged line
    }
  }
  return undefined;
}

/** The head file, checked against its MAC. */
function readHead(path: string, key: Buffer): HeadRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return {
      kind: "damaged",
      why: `the head file cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    };
  }
  const [state = "", signature = ""] = text.split("\n");
  // (a head is padded with spaces after its last line; older heads are not)
  if (state.trim() === "" || signature.trim() === "")
    return { kind: "damaged", why: "the head file is empty or cut short (damaged)" };
  if (!macEquals(sign(key, `head:${state}`), signature.trim()))
    return { kind: "damaged", why: "the head file does not match its MAC (altered)" };
  return { kind: "ok", head: JSON.parse(state) as Head };
}

/** The audit key: `STRONGBOX_AUDIT_KEY`, else the key file (made 0600 on first write). */
export function auditKey(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly create: boolean },
): Buffer {
  const given = env.STRONGBOX_AUDIT_KEY;
  if (given !== undefined && given !== "")
    return parseKeyText(given, "STRONGBOX_AUDIT_KEY", registerSecret);
  const file = join(strongboxConfigDir(env), "keys", "audit.key");
  if (existsSync(file)) return readKeyFileWith(file, registerSecret);
  if (!options.create)
    throw new StrongboxError("E_STORE_KEY", `no audit key at ${file}`, {
      hint: "set STRONGBOX_AUDIT_KEY to the key the log was written with",
    });
  const key = randomBytes(32);
  writeKeyFile(file, key);
  return key;
}

/**
 * The keyed HMAC of a value, as records carry it in `valueMac`: domain-separated
 * from the chain's MACs, over the value's UTF-8 bytes.
 */
export function valueDigest(key: Buffer, value: string | Uint8Array): string {
  return createHmac("sha256", key)
    .update("strongbox-audit-value\0")
    .update(typeof value === "string" ? Buffer.from(value, "utf8") : value)
    .digest("base64url");
}

function sign(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("base64url");
}

function macEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
