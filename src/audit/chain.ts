import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { StrongboxError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { lockFile } from "../store/lock.js";
import { parseMasterKey, readKeyFile, writeKeyFile } from "../store/master-key.js";
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
export function createChainedSink(
  path: string,
  options: {
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Who is behind the accesses; asked once, at the first write (it reads git's config files). */
    readonly actor?: () => AuditActor;
  },
): AuditSink {
  let key: Buffer | undefined;
  let actor: AuditActor | undefined;
  return {
    write(events) {
      if (events.length === 0) return;
      key ??= auditKey(options.env, { create: true });
      actor ??= options.actor?.();
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        const release = lockFile(`${path}.lock`, "the audit log");
        try {
          const link = lastLink(path);
          let { seq, mac } = link;
          const lines: string[] = link.torn === true ? ["\n"] : [];
          for (const event of events) {
            seq += 1;
            const record = {
              v: 1,
              seq,
              prev: mac,
              ...(actor === undefined || event.actor !== undefined ? event : { ...event, actor }),
            };
            const body = JSON.stringify(record);
            mac = sign(key, body);
            lines.push(`${body.slice(0, -1)},"mac":"${mac}"}\n`);
          }
          const fd = openSync(path, "a", 0o600);
          try {
            writeSync(fd, lines.join(""));
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
          const head = JSON.stringify({ seq, mac });
          writeFileAtomic(
            `${path}.head`,
            Buffer.from(`${head}\n${sign(key, `head:${head}`)}\n`),
            0o600,
          );
        } finally {
          release();
        }
      } catch (error) {
        if (error instanceof StrongboxError) throw error;
        throw new StrongboxError(
          "E_IO",
          `cannot write the audit log ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
          {
            hint: "secrets are not released while their access cannot be audited; fix the path or its permissions",
            cause: error,
          },
        );
      }
    },
  };
}

/** What `audit verify` found: fine, or the first bad record and why. */
export interface ChainReport {
  readonly ok: boolean;
  readonly records: number;
  /** The 1-based line of the first bad record, and what is wrong with it. */
  readonly problem?: { readonly line: number; readonly why: string };
}

/**
 * Checks a chained log from its first line: every record's MAC under the
 * key, its `seq` one more than the last, its `prev` the last MAC, a complete
 * last line, and the `.head` file agreeing with the end. Names the first bad
 * record: edited, deleted, reordered, inserted or cut off.
 */
export function verifyChain(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): ChainReport {
  const key = auditKey(env, { create: false });
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new StrongboxError(
      "E_IO",
      `cannot read the audit log ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      { hint: "check the path (audit.file or STRONGBOX_AUDIT_FILE)" },
    );
  }
  const lines = text.split("\n");
  const torn = lines.at(-1) !== "";
  if (!torn) lines.pop();
  let seq = 0;
  let mac = "";
  const bad = (line: number, why: string): ChainReport => ({
    ok: false,
    records: seq,
    problem: { line, why },
  });
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    if (torn && index === lines.length - 1)
      return bad(number, "the last line is incomplete (cut off while written)");
    let record: { seq?: unknown; prev?: unknown; mac?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      return bad(number, "not a record (edited or damaged)");
    }
    if (typeof record.mac !== "string" || typeof record.seq !== "number")
      return bad(number, "not a chained record (written without a chain, or edited)");
    const body = `${line.slice(0, line.lastIndexOf(',"mac":'))}}`;
    if (!macEquals(sign(key, body), record.mac))
      return bad(number, "its MAC does not match: edited, or inserted");
    if (record.seq !== seq + 1)
      return bad(
        number,
        record.seq > seq + 1
          ? `records ${seq + 1} to ${record.seq - 1} are missing (deleted)`
          : `record ${record.seq} is out of order (reordered or replayed)`,
      );
    if (record.prev !== mac)
      return bad(number, "it does not follow the record before it (reordered or spliced)");
    seq = record.seq;
    mac = record.mac;
  }
  const head = readHead(`${path}.head`, key);
  if (head === "forged")
    return bad(lines.length + 1, `${path}.head does not match its MAC (altered)`);
  if (head !== undefined && head.seq > seq)
    return bad(
      lines.length + 1,
      `the log ends at record ${seq} but ${head.seq} were written (cut short)`,
    );
  if (head !== undefined && head.seq === seq && head.mac !== mac)
    return bad(lines.length, "the last record is not the one last written (replaced)");
  return { ok: true, records: seq };
}

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
function readHead(path: string, key: Buffer): { seq: number; mac: string } | "forged" | undefined {
  if (!existsSync(path)) return undefined;
  const [head = "", signature = ""] = readFileSync(path, "utf8").split("\n");
  if (!macEquals(sign(key, `head:${head}`), signature)) return "forged";
  return JSON.parse(head) as { seq: number; mac: string };
}

/** The audit key: `STRONGBOX_AUDIT_KEY`, else the key file (made 0600 on first write). */
export function auditKey(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly create: boolean },
): Buffer {
  const given = env.STRONGBOX_AUDIT_KEY;
  if (given !== undefined && given !== "") return parseMasterKey(given, "STRONGBOX_AUDIT_KEY");
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  const file = join(base, "strongbox", "keys", "audit.key");
  if (existsSync(file)) return readKeyFile(file);
  if (!options.create)
    throw new StrongboxError("E_STORE_KEY", `no audit key at ${file}`, {
      hint: "set STRONGBOX_AUDIT_KEY to the key the log was written with",
    });
  const key = randomBytes(32);
  writeKeyFile(file, key);
  return key;
}

function sign(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("base64url");
}

function macEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
