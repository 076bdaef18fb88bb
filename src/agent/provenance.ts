import { resolve } from "node:path";
import { parseDotenv } from "../dotenv/parse.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { checkOutputPath } from "../render/output-file.js";
import {
  PROVENANCE_SUFFIX,
  type ProvenanceKey,
  type ProvenanceSession,
  signProvenance,
} from "../security/provenance.js";
import { textToBytes } from "../template/go-bytes.js";
import { vaultIdentity } from "../vault/principal.js";
import { agentOutputRules } from "./config.js";
import { type AgentState, vaultOf } from "./state.js";
import type { AgentTemplate } from "./types.js";

/** A file the agent signed for: what it vouched for, its bytes and mode, and when it signed. */
export interface SignedFile {
  readonly keys: Readonly<Record<string, ProvenanceKey>>;
  readonly bytes: Uint8Array;
  readonly mode: number;
  /** How the agent read Vault for it (signed, so the application can judge the read). */
  readonly session: ProvenanceSession;
  at: number;
}

/**
 * How this agent reads Vault: its address and certificate checks as its client
 * connects, and whether its token is a root token (looked up once per agent; a
 * login the agent made is never root).
 */
export async function readSession(state: AgentState): Promise<ProvenanceSession> {
  const client = vaultOf(state);
  const { connection } = client.http;
  state.identity ??= vaultIdentity(client);
  const identity = await state.identity;
  return {
    address: connection.address,
    skipVerify: connection.tls?.skipVerify === true,
    root: identity.root,
    method: identity.principal.method,
  };
}

/**
 * Which keys of a rendered dotenv file came from Vault in this render: a key whose
 * value (the file's own text, no variable from outside it) equals a field of a
 * secret the render read. A literal, `env` or `strongbox` value is not listed, so
 * the application counts it as what it is.
 */
export async function vaultKeys(
  text: string,
  reads: ReadonlyMap<string, Promise<unknown>>,
): Promise<Record<string, ProvenanceKey>> {
  const fields: Array<ProvenanceKey & { value: string }> = [];
  for (const [path, response] of reads) {
    const data = ((await response.catch(() => undefined)) as { Data?: Record<string, unknown> })
      ?.Data;
    const kv2 = data?.data !== null && typeof data?.data === "object";
    const values = (kv2 ? data?.data : data) as Record<string, unknown> | undefined;
    const version = kv2
      ? (data?.metadata as { version?: unknown } | undefined)?.version
      : undefined;
    for (const [field, value] of Object.entries(values ?? {}))
      if (typeof value === "string" && value !== "")
        fields.push({ path, field, value, ...(typeof version === "number" ? { version } : {}) });
  }
  const keys: Record<string, ProvenanceKey> = {};
  for (const entry of parseDotenv(text, { lookup: () => undefined }).entries) {
    const found = fields.find((field) => field.value === entry.value);
    if (found !== undefined)
      keys[entry.key] = {
        path: found.path,
        field: found.field,
        ...(found.version === undefined ? {} : { version: found.version }),
      };
  }
  return keys;
}

/** Signs and writes the record beside a file just written (the agent's `provenance:`). */
export function recordProvenance(
  state: AgentState,
  template: AgentTemplate,
  text: string,
  keys: Readonly<Record<string, ProvenanceKey>>,
  session: ProvenanceSession,
): void {
  const signed: SignedFile = {
    keys,
    session,
    bytes: textToBytes(text),
    mode: template.mode ?? 0o600,
    at: 0,
  };
  state.signed.set(template.destination, signed);
  writeRecord(state, template.destination, signed);
}

/**
 * Signs again every record older than `provenance.refresh`, after a poll found the
 * versions unchanged: the new time says Vault confirmed them then. While Vault is
 * unreachable nothing is signed, so the records age and a strict application stops
 * accepting them after its `agentMaxAge`.
 */
export function resignStale(state: AgentState): void {
  const provenance = state.config.provenance;
  if (provenance === undefined) return;
  for (const [destination, signed] of state.signed)
    if (Date.now() - signed.at >= provenance.refreshMs) writeRecord(state, destination, signed);
}

function writeRecord(state: AgentState, destination: string, signed: SignedFile): void {
  const provenance = state.config.provenance;
  if (provenance === undefined) return;
  const { baseDir } = state.options;
  const record = `${destination}${PROVENANCE_SUFFIX}`;
  checkOutputPath(record, baseDir, agentOutputRules(baseDir, state.config.outputDirs));
  const target = resolve(baseDir, destination);
  const name = target.slice(target.lastIndexOf("/") + 1);
  const now = new Date();
  const text = signProvenance(name, signed.bytes, signed.keys, signed.session, provenance.key, now);
  writeFileAtomic(resolve(baseDir, record), Buffer.from(text), signed.mode);
  signed.at = now.getTime();
}
