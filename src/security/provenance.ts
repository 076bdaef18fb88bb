import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { StrongboxError } from "../errors.js";
import { insecureTransport } from "./transport.js";

/**
 * The provenance record the agent writes beside a file it rendered from Vault
 * (`app.env` → `app.env.provenance.json`): per key, the Vault path, field and
 * version its value came from, the file's SHA-256, when it was signed, and an
 * Ed25519 signature. It holds no value. An application whose config pins the
 * agent's PUBLIC key counts a key of that file as read from Vault only when
 * {@link verifyProvenance} accepts the record: a writer of the shared volume
 * without the agent's private key can change the file or the record, never
 * both consistently.
 */
export const PROVENANCE_SUFFIX = ".provenance.json";

const FORMAT = "strongbox-provenance/1";
/**
 * The source a vouched key counts as: the agent renders from Vault, so the record
 * attests Vault (the resolver names no provider; it takes the kind from here).
 */
export const PROVENANCE_SOURCE_KIND = "vault";
/** How far ahead of this clock a record may be dated (the agent's clock may run a little fast). */
const FUTURE_SKEW_MS = 5 * 60_000;

/** Where one key's value came from in Vault. */
export interface ProvenanceKey {
  /** The API path read, e.g. `secret/data/app`. */
  readonly path: string;
  /** The field of the secret's data that held the value. */
  readonly field: string;
  /** The KV v2 version read; absent for an engine without versions. */
  readonly version?: number;
  /** Set by {@link verifyProvenance} when the agent read with a root token (never signed per key). */
  readonly rootCredential?: boolean;
}

/**
 * How the agent read Vault, signed into every record so the application judges
 * the agent's read as pure mode judges its own: the address and whether
 * certificate checks were off (judged by security/transport.ts), and whether
 * the token was a root token (judged by environments/policy.ts).
 */
export interface ProvenanceSession {
  readonly address: string;
  readonly skipVerify: boolean;
  readonly root: boolean;
  /** The auth method the agent's token came from (`approle`, `token`, …), for the user. */
  readonly method: string;
}

/** The signed part of a record. */
interface Payload {
  readonly format: string;
  readonly file: string;
  readonly sha256: string;
  readonly signedAt: string;
  readonly session: ProvenanceSession;
  readonly keys: Readonly<Record<string, ProvenanceKey>>;
}

/** A record's text for `bytes` (the file as written), named by its base name and signed now. */
export function signProvenance(
  file: string,
  bytes: Uint8Array,
  keys: Readonly<Record<string, ProvenanceKey>>,
  session: ProvenanceSession,
  privateKey: KeyObject,
  now = new Date(),
): string {
  const payload: Payload = {
    format: FORMAT,
    file,
    sha256: digest(bytes),
    signedAt: now.toISOString(),
    session,
    keys,
  };
  // The signature covers the payload's exact text, so no canonical form is needed.
  const text = JSON.stringify(payload);
  const signature = sign(null, Buffer.from(text), privateKey).toString("base64");
  return `${JSON.stringify({ payload: text, signature }, null, 2)}\n`;
}

/** What {@link verifyProvenance} found: the keys it vouches for, or why none. */
export type ProvenanceCheck =
  | { readonly ok: true; readonly keys: Readonly<Record<string, ProvenanceKey>> }
  | { readonly ok: false; readonly why: string };

/** What an application trusts of the agent: its key, a record's age, and `vault.allowInsecure`. */
export interface ProvenanceTrust {
  readonly publicKey: KeyObject;
  readonly maxAgeMs: number;
  readonly allowInsecure?: boolean;
}

/**
 * The one check of a provenance record: present, signed by the pinned key,
 * naming this file, matching its bytes, signed within `maxAgeMs`, and read by
 * the agent over a connection pure mode would itself use (verified TLS, unless
 * the config allows insecure). A root token's keys are returned marked, so the
 * environment's policy refuses them as it refuses a direct root read. Returns
 * why a record is not accepted, in words for the user (never a value).
 */
export function verifyProvenance(
  file: string,
  bytes: Uint8Array,
  record: string | undefined,
  trust: ProvenanceTrust,
  now = Date.now(),
): ProvenanceCheck {
  if (record === undefined)
    return refused(`there is no provenance record (${file}${PROVENANCE_SUFFIX})`);
  const outer = parseJson(record) as { payload?: unknown; signature?: unknown } | undefined;
  if (typeof outer?.payload !== "string" || typeof outer.signature !== "string")
    return refused("its provenance record is not a signed record");
  const signed = verify(
    null,
    Buffer.from(outer.payload),
    trust.publicKey,
    Buffer.from(outer.signature, "base64"),
  );
  if (!signed)
    return refused(
      "its provenance record's signature does not verify with the agent key the config pins (edited, or signed by another key)",
    );
  const payload = parseJson(outer.payload) as Partial<Payload> | undefined;
  if (payload?.format !== FORMAT || typeof payload.keys !== "object" || payload.keys === null)
    return refused(`its provenance record is not in the ${FORMAT} format`);
  if (payload.file !== file)
    return refused(`its provenance record was signed for ${String(payload.file)}, not ${file}`);
  if (payload.sha256 !== digest(bytes))
    return refused("the file was changed after the agent signed its provenance record");
  const age = now - Date.parse(String(payload.signedAt));
  // A record dated ahead (a skewed clock) would otherwise stay fresh for longer than allowed.
  if (age < -FUTURE_SKEW_MS)
    return refused(`its provenance record is dated ${String(payload.signedAt)}, in the future`);
  if (!(age <= trust.maxAgeMs))
    return refused(
      `its provenance record was signed at ${String(payload.signedAt)}, longer ago than the ${Math.round(trust.maxAgeMs / 1000)} s allowed (is the agent running and reaching Vault?)`,
    );
  return judgeSession(payload.session, payload.keys, trust);
}

/** The agent's read judged as a direct read is: its transport here, its token by the policy. */
function judgeSession(
  session: Partial<ProvenanceSession> | undefined,
  keys: Readonly<Record<string, ProvenanceKey>>,
  trust: ProvenanceTrust,
): ProvenanceCheck {
  if (
    typeof session?.address !== "string" ||
    typeof session.skipVerify !== "boolean" ||
    typeof session.root !== "boolean"
  )
    return refused(
      "its provenance record does not say how the agent read Vault (signed by an older agent: run this version's `strongbox agent`)",
    );
  const insecure = insecureTransport(session.address, session.skipVerify);
  if (insecure !== undefined && trust.allowInsecure !== true)
    return refused(
      `the agent read Vault over an insecure connection (${insecure}), which pure Vault mode refuses`,
    );
  if (!session.root) return { ok: true, keys };
  const marked: Record<string, ProvenanceKey> = {};
  for (const [key, from] of Object.entries(keys)) marked[key] = { ...from, rootCredential: true };
  return { ok: true, keys: marked };
}

/**
 * The agent's public key as a config pins it: `ed25519:` and the 32 raw bytes in
 * base64, or a PEM public key. Throws `E_CONFIG` for anything else.
 */
export function publicKeyFrom(text: string, where: string): KeyObject {
  try {
    const key = text.startsWith("ed25519:")
      ? createPublicKey({
          key: {
            kty: "OKP",
            crv: "Ed25519",
            x: Buffer.from(text.slice(8), "base64").toString("base64url"),
          },
          format: "jwk",
        })
      : createPublicKey(text);
    if (key.asymmetricKeyType === "ed25519") return key;
  } catch {
    // Reported below with the shape expected.
  }
  throw new StrongboxError("E_CONFIG", `${where}: not an Ed25519 public key`, {
    hint: "give the key `strongbox agent` prints at start (ed25519:…), or a PEM public key",
  });
}

/** How a config pins `key`: `ed25519:` and its raw bytes in base64 (what the agent logs at start). */
export function publicKeyText(key: KeyObject): string {
  const jwk = key.export({ format: "jwk" }) as { x?: string };
  return `ed25519:${Buffer.from(jwk.x ?? "", "base64url").toString("base64")}`;
}

/**
 * The agent's signing key: an Ed25519 private key in PEM that only its owner may
 * read (a key others can read signs for them too). Throws `E_CONFIG` naming the file.
 */
export function readSigningKey(path: string): KeyObject {
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0)
      throw new StrongboxError(
        "E_CONFIG",
        `${path}: the agent's signing key is readable by others; it must be 0600`,
        { hint: `run \`chmod 600 ${path}\`` },
      );
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof StrongboxError) throw error;
    throw new StrongboxError(
      "E_CONFIG",
      `${path}: cannot read the agent's signing key: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      {
        hint: "create it with `openssl genpkey -algorithm ed25519 -out PATH` and `chmod 600 PATH`",
      },
    );
  }
  try {
    const key = createPrivateKey(text);
    if (key.asymmetricKeyType === "ed25519") return key;
  } catch {
    // Reported below.
  }
  throw new StrongboxError("E_CONFIG", `${path}: not an Ed25519 private key in PEM`, {
    hint: "create it with `openssl genpkey -algorithm ed25519 -out PATH`",
  });
}

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function refused(why: string): ProvenanceCheck {
  return { ok: false, why };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
