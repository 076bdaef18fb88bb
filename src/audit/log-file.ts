import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { StrongboxError } from "../errors.js";
import { namesIn } from "../fs/names-in.js";

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

/** A record's place in the chain: its seq and MAC. */
export interface Link {
  readonly seq: number;
  readonly mac: string;
}

export const NO_LINK: Link = { seq: 0, mac: "" };

/**
 * The first and last chained records of one log file (none for an empty or
 * new file), read from its two ends, and whether its last line is torn.
 */
export function logEnds(path: string): { first?: Link; last?: Link; torn?: boolean } {
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
export const NOT_A_RECORD: Link = { seq: -1, mac: "" };

/** One line of a chained log, as verify and writers both read it. */
export function parseChained(line: string):
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
