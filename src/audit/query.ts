import { readFileSync, statSync } from "node:fs";
import { StrongboxError } from "../errors.js";
import type { AuditEvent } from "./event.js";
import { headMismatch, readHead } from "./head.js";
import { auditKey, macEquals, sign } from "./key.js";
import { assertRegularLog, auditSegments, type Link, parseChained } from "./log-file.js";

/*
 * What readers of the log ask: the records that match a filter (`strongbox
 * audit`, the dashboard, compromise reports), and whether the chain holds
 * (`audit verify`, doctor).
 */

/**
 * The events of a JSONL audit log at or after `since`, oldest first, and how
 * many lines could not be read (a torn last line, an edited one). A missing
 * file has no events.
 */
export function readAuditEvents(
  path: string,
  since: Date,
): { readonly events: AuditEvent[]; readonly unreadable: number } {
  const text = [...auditSegments(path), path].map(readLog).join("");
  const events: AuditEvent[] = [];
  let unreadable = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const event = JSON.parse(line) as AuditEvent;
      if (typeof event.time !== "string") throw new Error("no time");
      if (Date.parse(event.time) >= since.getTime()) events.push(event);
    } catch {
      unreadable++;
    }
  }
  return { events, unreadable };
}

function readLog(path: string): string {
  assertRegularLog(path, "read");
  try {
    const text = readFileSync(path, "utf8");
    return text === "" || text.endsWith("\n") ? text : `${text}\n`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw new StrongboxError("E_IO", `cannot read the audit log ${path}`, {
      hint: "check its permissions",
    });
  }
}

/**
 * Whether the log at `path` holds anything yet (it, or a rotated segment of
 * it, exists and is not empty). Before the first record there is no log and
 * maybe no audit key: a search for a value has nothing to look in.
 */
export function hasAuditRecords(path: string): boolean {
  return [...auditSegments(path), path].some((file) => {
    try {
      return statSync(file).size > 0;
    } catch {
      return false;
    }
  });
}

/** Which records a query keeps; every field is optional. */
export interface AuditFilter {
  readonly since?: Date;
  readonly until?: Date;
  /** A variable or store secret name. */
  readonly names?: readonly string[];
  readonly environment?: string;
  readonly outcome?: AuditEvent["outcome"];
  readonly action?: AuditEvent["action"];
  /** An OS user, a git author's name or email, a CI actor or a host. */
  readonly actor?: string;
  /** Records that handled the value with this keyed HMAC (see `AuditSink.digest`). */
  readonly valueMac?: string;
}

/** The records of `path` that match `filter`, oldest first, and how many lines could not be read. */
export function queryAudit(
  path: string,
  filter: AuditFilter = {},
): { readonly events: AuditEvent[]; readonly unreadable: number } {
  const { events, unreadable } = readAuditEvents(path, filter.since ?? new Date(0));
  return { unreadable, events: events.filter((event) => queryMatches(event, filter)) };
}

/** Whether one record matches a query's filter. Checkpoints only match when asked for by action. */
export function queryMatches(event: AuditEvent, filter: AuditFilter): boolean {
  const time = Date.parse(event.time);
  return (
    (filter.since === undefined || time >= filter.since.getTime()) &&
    (filter.until === undefined || time <= filter.until.getTime()) &&
    (filter.names === undefined ||
      (event.variable !== undefined && filter.names.includes(event.variable)) ||
      (event.secret !== undefined && filter.names.includes(event.secret))) &&
    (filter.environment === undefined || event.environment === filter.environment) &&
    (filter.outcome === undefined || event.outcome === filter.outcome) &&
    (filter.action === undefined
      ? event.action !== "checkpoint"
      : event.action === filter.action) &&
    (filter.actor === undefined || actedBy(event, filter.actor)) &&
    (filter.valueMac === undefined || event.valueMac === filter.valueMac)
  );
}

/** Whether `who` names the event's actor: the OS user or host exactly, a git author or CI actor by part. */
function actedBy(event: AuditEvent, who: string): boolean {
  const actor = event.actor;
  if (actor === undefined) return false;
  const needle = who.toLowerCase();
  return (
    actor.user === who ||
    actor.host === who ||
    (actor.git?.toLowerCase().includes(needle) ?? false) ||
    actor.ci?.actor === who
  );
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

/** A seq and MAC kept outside the log, from an earlier verify. */
type Anchor = { readonly seq: number; readonly mac: string };

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
  options: { readonly anchor?: Anchor } = {},
): ChainReport {
  const key = auditKey(env, { create: false });
  const files = [...auditSegments(path), path];
  for (const file of files) assertRegularLog(file, "read");
  const walk: Walk = { seq: 0, mac: "", anchored: options.anchor === undefined };
  for (const [fileIndex, file] of files.entries()) {
    const current = fileIndex === files.length - 1;
    const lines = logLines(file);
    const problem =
      walkLines(walk, key, file, lines, { first: fileIndex === 0, current }, options.anchor) ??
      (current ? headProblem(walk, key, path, lines.lines.length, files.length > 1) : undefined);
    if (problem !== undefined) return problem;
  }
  if (!walk.anchored)
    return bad(
      walk,
      path,
      0,
      `the anchor record ${options.anchor?.seq} is not in the log (cut short, or pruned past it)`,
    );
  return {
    ok: true,
    records: walk.from === undefined ? 0 : walk.seq - walk.from + 1,
    ...(walk.from === undefined || walk.from === 1 ? {} : { from: walk.from }),
    ...(walk.seq === 0 ? {} : { head: { seq: walk.seq, mac: walk.mac } }),
  };
}

/** Where verify is in the chain: the last good record, where the chain started, what it saw. */
interface Walk {
  seq: number;
  mac: string;
  /** The first record's seq (1 unless older segments were pruned). */
  from?: number;
  /** The current file's first record, for the head's check. */
  currentFirst?: Link;
  anchored: boolean;
}

/** The report naming the first bad record; counts what was checked before it. */
function bad(walk: Walk, file: string, line: number, why: string): ChainReport {
  return {
    ok: false,
    records: walk.seq - (walk.from ?? 1) + 1,
    ...(walk.from === undefined || walk.from === 1 ? {} : { from: walk.from }),
    problem: { file, line, why },
  };
}

/** A log file's lines (the empty string after the last line end dropped), and whether the last is torn. */
function logLines(file: string): { readonly lines: string[]; readonly torn: boolean } {
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
  return { lines, torn };
}

/** Checks one file's records in order; the report of the first bad one, or undefined. */
function walkLines(
  walk: Walk,
  key: Buffer,
  file: string,
  { lines, torn }: { readonly lines: readonly string[]; readonly torn: boolean },
  place: { readonly first: boolean; readonly current: boolean },
  anchor: Anchor | undefined,
): ChainReport | undefined {
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    if (torn && index === lines.length - 1)
      return bad(walk, file, number, "the last line is incomplete (cut off while written)");
    const why = checkRecord(walk, key, line, place.first && index === 0);
    if (why !== undefined) return bad(walk, file, number, why);
    if (place.current) walk.currentFirst ??= { seq: walk.seq, mac: walk.mac };
    if (anchor !== undefined && walk.seq === anchor.seq) {
      if (!macEquals(walk.mac, anchor.mac))
        return bad(
          walk,
          file,
          number,
          `record ${walk.seq} is not the anchored one (the log was rewritten)`,
        );
      walk.anchored = true;
    }
  }
  return undefined;
}

/**
 * Checks one line against the chain so far (its MAC, its seq, its `prev`) and
 * moves the walk on to it. Returns what is wrong, or undefined.
 */
function checkRecord(walk: Walk, key: Buffer, line: string, opensLog: boolean): string | undefined {
  const record = parseChained(line);
  if (record === "not-json") return "not a record (edited or damaged)";
  if (record === "not-chained") return "not a chained record (written without a chain, or edited)";
  const body = `${line.slice(0, line.lastIndexOf(',"mac":'))}}`;
  if (!macEquals(sign(key, body), record.mac)) return "its MAC does not match: edited, or inserted";
  if (walk.from === undefined) {
    // Older segments may have been pruned; the chain then starts at the checkpoint that
    // opens a segment (one naming the segment closed before it), never inside one.
    const opensSegment =
      opensLog && record.action === "checkpoint" && typeof record.segment === "string";
    if (record.seq !== 1 && !opensSegment)
      return `records 1 to ${record.seq - 1} are missing (deleted)`;
    walk.from = record.seq;
  } else {
    if (record.seq !== walk.seq + 1)
      return record.seq > walk.seq + 1
        ? `records ${walk.seq + 1} to ${record.seq - 1} are missing (deleted)`
        : `record ${record.seq} is out of order (reordered or replayed)`;
    if (record.prev !== walk.mac)
      return "it does not follow the record before it (reordered or spliced)";
  }
  walk.seq = record.seq;
  walk.mac = record.mac;
  return undefined;
}

/**
 * The head's check at the end of the current file (headMismatch, the rule
 * writers apply too): a log cut short or a replaced head is reported at the
 * log's end, any other disagreement at the head file.
 */
function headProblem(
  walk: Walk,
  key: Buffer,
  path: string,
  lineCount: number,
  hasSegments: boolean,
): ChainReport | undefined {
  const found = readHead(`${path}.head`, key);
  const problem = headMismatch(found, {
    end: { seq: walk.seq, mac: walk.mac },
    ...(walk.currentFirst === undefined ? {} : { first: walk.currentFirst }),
    hasRecords: walk.seq > 0 || hasSegments,
  });
  if (problem === undefined) return undefined;
  return found.kind === "ok" && /cut short|older one/.test(problem)
    ? bad(walk, path, lineCount + (/cut short/.test(problem) ? 1 : 0), problem)
    : bad(walk, `${path}.head`, 1, problem);
}
