import { closeSync, constants, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { macEquals, sign } from "./key.js";
import { type Link, NOT_A_RECORD } from "./log-file.js";

/** What the head says of the log: its last record, and the first record of the current file. */
export interface HeadState extends Link {
  readonly first?: Link;
}

/** The head file: the state after the last batch, or before and after a batch being written. */
export interface Head extends HeadState {
  /** When the current file was started (for `rotate.maxAge`). */
  readonly started?: string;
  /** The state the batch being written leads to; the log matches one of the two. */
  readonly next?: HeadState;
}

export type HeadRead =
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
export function headMismatch(
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
export function writeHead(path: string, key: Buffer, head: Head, options: { sync: boolean }): void {
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

/** The head file, checked against its MAC. */
export function readHead(path: string, key: Buffer): HeadRead {
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
