import { type Issue, issue } from "../errors.js";
import { parseDuration } from "../schema/coerce.js";
import { AUDIT_SINKS } from "./open-sink.js";

/** The `audit` section's fields. */
export const AUDIT_KEYS = ["sink", "file", "failClosed", "rotate", "checkpointEvery", "syslog"];

type Add = (message: string, hint?: string) => void;
type Fields = Readonly<Record<string, unknown>>;

/** The `audit` section and `piiFields`: shapes only; where records go is settled when a sink opens. */
export function checkAuditAndPii(fields: Fields): Issue[] {
  const issues: Issue[] = [];
  const add: Add = (message, hint) =>
    issues.push(issue("E_SCHEMA", message, hint === undefined ? {} : { hint }));
  const pii = fields.piiFields;
  if (
    pii !== undefined &&
    (!Array.isArray(pii) || pii.some((name) => typeof name !== "string" || name === ""))
  )
    add("config: piiFields must be a list of field names", "piiFields: [email, name, phone]");
  const audit = fields.audit;
  if (audit === undefined) return issues;
  if (audit === null || typeof audit !== "object" || Array.isArray(audit)) {
    add("config: audit must be a map", "audit: { file: audit.jsonl }");
    return issues;
  }
  checkAudit(audit as Fields, add);
  return issues;
}

/** The fields of an `audit` map. */
function checkAudit(spec: Fields, add: Add): void {
  for (const key of Object.keys(spec))
    if (!AUDIT_KEYS.includes(key))
      add(`config: unknown field "audit.${key}"`, `known fields: ${AUDIT_KEYS.join(", ")}`);
  if (spec.sink !== undefined && !(AUDIT_SINKS as readonly string[]).includes(String(spec.sink)))
    add(`config: audit.sink "${String(spec.sink)}" is not one of ${AUDIT_SINKS.join(", ")}`);
  const syslog = spec.syslog as Fields | undefined;
  if (
    syslog !== undefined &&
    (syslog === null ||
      typeof syslog !== "object" ||
      (syslog.socket !== undefined && (typeof syslog.socket !== "string" || syslog.socket === "")))
  )
    add(
      "config: audit.syslog must be a map with a socket path",
      "audit: { syslog: { socket: /dev/log } }",
    );
  if (spec.file !== undefined && (typeof spec.file !== "string" || spec.file === ""))
    add("config: audit.file must be a path");
  const closed = spec.failClosed;
  if (
    closed !== undefined &&
    typeof closed !== "boolean" &&
    !(Array.isArray(closed) && closed.every((name) => typeof name === "string"))
  )
    add("config: audit.failClosed must be true, false or a list of environments");
  if (
    spec.checkpointEvery !== undefined &&
    !(Number.isInteger(spec.checkpointEvery) && (spec.checkpointEvery as number) > 0)
  )
    add("config: audit.checkpointEvery must be a positive whole number");
  checkAuditRotate(spec.rotate as Fields | undefined, add);
}

/** `audit.rotate`: a map of a positive size in bytes and a duration. */
function checkAuditRotate(rotate: Fields | undefined, add: Add): void {
  if (rotate === undefined) return;
  if (rotate === null || typeof rotate !== "object") {
    add(
      "config: audit.rotate must be a map",
      "audit: { rotate: { maxBytes: 67108864, maxAge: 7d } }",
    );
    return;
  }
  if (
    rotate.maxBytes !== undefined &&
    !(Number.isInteger(rotate.maxBytes) && (rotate.maxBytes as number) > 0)
  )
    add("config: audit.rotate.maxBytes must be a positive whole number of bytes");
  if (rotate.maxAge !== undefined && !parseDuration(String(rotate.maxAge)).ok)
    add("config: audit.rotate.maxAge must be a duration such as 7d");
}
