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
import { namesIn } from "../fs/names-in.js";
import { lockFile } from "../store/lock.js";
import {
  parseMasterKey,
  readKeyFile,
  strongboxConfigDir,
  writeKeyFile,
} from "../store/master-key.js";
import type { AuditSink } from "./audit.js";
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
      const key = keyOf();
      actor ??= options.actor?.();
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        const release = lockFile(`${path}.lock`, "the audit log");
        try {
          const now = new Date();
          const head = readHead(`${path}.head`, key);
          const started = head !== undefined && head !== "forged" ? head.started : undefined;
          const rotated = shouldRotate(path, started, rotation, now)
            ? rotateSegment(path)
            : undefined;
          const link = rotated === undefined ? lastLink(path) : { ...lastLink(rotated) };
          let { seq, mac } = link;
          const lines: string[] = link.torn === true && rotated === undefined ? ["\n"] : [];
          const append = (record: object) => {
            seq += 1;
            const body = JSON.stringify({ v: 1, seq, prev: mac, ...record });
            mac = sign(key, body);
            lines.push(`${body.slice(0, -1)},"mac":"${mac}"}\n`);
          };
          const checkpoint = (segment?: string) =>
            append({
              time: now.toISOString(),
              action: "checkpoint",
              source: "audit",
              outcome: "ok",
              records: seq,
              ...(segment === undefined ? {} : { segment: basename(segment) }),
              pid: process.pid,
            });
          if (rotated !== undefined) checkpoint(rotated);
          for (const event of events) {
            append(actor === undefined || event.actor !== undefined ? event : { ...event, actor });
            if (seq % every === 0) checkpoint();
          }
          const fd = openSync(path, "a", 0o600);
          try {
            writeSync(fd, lines.join(""));
            // Durable before the access it records takes effect; one fsync per batch.
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
          const text = JSON.stringify({
            seq,
            mac,
            started: rotated !== undefined || started === undefined ? now.toISOString() : started,
          });
          writeHead(`${path}.head`, `${text}\n${sign(key, `head:${text}`)}\n`);
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

/** Renames the current log to the next numbered segment (`audit.jsonl.1`, `.2`, …) and returns that name. */
function rotateSegment(path: string): string {
  const segments = auditSegments(path);
  const last = segments.at(-1);
  const next = `${path}.${last === undefined ? 1 : Number(last.slice(last.lastIndexOf(".") + 1)) + 1}`;
  renameSync(path, next);
  return next;
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
  let seq = 0;
  let mac = "";
  let from: number | undefined;
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
      let record: { seq?: unknown; prev?: unknown; mac?: unknown; action?: unknown };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        return bad(file, number, "not a record (edited or damaged)");
      }
      if (typeof record.mac !== "string" || typeof record.seq !== "number")
        return bad(file, number, "not a chained record (written without a chain, or edited)");
      const body = `${line.slice(0, line.lastIndexOf(',"mac":'))}}`;
      if (!macEquals(sign(key, body), record.mac))
        return bad(file, number, "its MAC does not match: edited, or inserted");
      if (from === undefined) {
        // Older segments may have been pruned; the chain then starts at a checkpoint.
        if (record.seq !== 1 && !(fileIndex === 0 && record.action === "checkpoint"))
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
      if (options.anchor !== undefined && seq === options.anchor.seq) {
        if (!macEquals(mac, options.anchor.mac))
          return bad(file, number, `record ${seq} is not the anchored one (the log was rewritten)`);
        anchored = true;
      }
    }
    if (fileIndex === files.length - 1) {
      const head = readHead(`${path}.head`, key);
      if (head === "forged")
        return bad(`${path}.head`, 1, "the head file does not match its MAC (altered)");
      if (head !== undefined && head.seq > seq)
        return bad(
          file,
          lines.length + 1,
          `the log ends at record ${seq} but ${head.seq} were written (cut short)`,
        );
      if (head !== undefined && head.seq === seq && head.mac !== mac)
        return bad(file, lines.length, "the last record is not the one last written (replaced)");
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

/**
 * Overwrites the head file in place, padded to a fixed size, in one small
 * write at offset 0 (one sector: not torn in practice), without fsync or
 * rename. The head only ever lags the log it describes (the log is fsynced
 * first), and a lagging head after a crash raises no alarm: verify complains
 * only of a head *ahead* of the log. A rename per batch cost more than the
 * log's own fsync.
 */
function writeHead(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text.padEnd(HEAD_SIZE, " "), 0, "utf8");
  } finally {
    closeSync(fd);
  }
}

/** The head's fixed size: its seq, MAC and start time, and the MAC over them, fit with room to spare. */
const HEAD_SIZE = 512;

/** The last record's seq and MAC (0 and "" for an empty or new log), read from the file's tail. */
function lastLink(path: string): { seq: number; mac: string; torn?: boolean } {
  if (!existsSync(path)) return { seq: 0, mac: "" };
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    // A torn last line gets its own line end, so the next record does not run into it.
    const torn = length > 0 && buffer[length - 1] !== 0x0a;
    const lines = buffer
      .toString("utf8")
      .split("\n")
      .filter((line) => line.trim() !== "");
    // A line torn by a crash (or damaged) is skipped: the chain continues from the last good
    // record, and verify still names the bad line. A log written before chaining starts anew.
    for (const line of lines.reverse()) {
      let record: { seq?: unknown; mac?: unknown };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        continue;
      }
      return typeof record.seq === "number" && typeof record.mac === "string"
        ? { seq: record.seq, mac: record.mac, torn }
        : { seq: 0, mac: "", torn };
    }
    return { seq: 0, mac: "", torn };
  } finally {
    closeSync(fd);
  }
}

/** The head file's last seq and MAC; "forged" when its own MAC fails. */
function readHead(
  path: string,
  key: Buffer,
): { seq: number; mac: string; started?: string } | "forged" | undefined {
  if (!existsSync(path)) return undefined;
  const [head = "", signature = ""] = readFileSync(path, "utf8").split("\n");
  // (a head is padded with spaces after its last line; older heads are not)
  if (!macEquals(sign(key, `head:${head}`), signature)) return "forged";
  return JSON.parse(head) as { seq: number; mac: string; started?: string };
}

/** The audit key: `STRONGBOX_AUDIT_KEY`, else the key file (made 0600 on first write). */
export function auditKey(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly create: boolean },
): Buffer {
  const given = env.STRONGBOX_AUDIT_KEY;
  if (given !== undefined && given !== "") return parseMasterKey(given, "STRONGBOX_AUDIT_KEY");
  const file = join(strongboxConfigDir(env), "keys", "audit.key");
  if (existsSync(file)) return readKeyFile(file);
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
