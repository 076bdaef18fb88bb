// Issue 26 (seed layout): the agent's provenance record. One check (verifyProvenance);
// the tests generate the tampers: every byte of the file, every field of the record,
// every spelling of the signature and file name, the age on both sides of the limit.
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { agentTrust, loadDotenvFiles } from "../../src/resolve/dotenv-files.js";
import {
  PROVENANCE_SUFFIX,
  publicKeyFrom,
  publicKeyText,
  signProvenance,
  verifyProvenance,
} from "../../src/security/provenance.js";
import { tempProject } from "../helpers/cli.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const trust = { publicKey, maxAgeMs: 60_000 };
const FILE = Buffer.from("DB_PASSWORD=provenance-unit-canary\nLOG_LEVEL=debug\n");
const KEYS = { DB_PASSWORD: { path: "secret/data/app", field: "DB_PASSWORD", version: 3 } };
const NOW = Date.parse("2026-12-07T00:00:00Z");
const SESSION = {
  address: "https://vault.example:8200",
  skipVerify: false,
  root: false,
  method: "approle",
};
const record = signProvenance("app.env", FILE, KEYS, SESSION, privateKey, new Date(NOW));

function accepted(name: string, bytes: Uint8Array, text: string | undefined, now = NOW): boolean {
  return verifyProvenance(name, bytes, text, trust, now).ok;
}

/** The record with its payload's JSON changed by `edit`, the original signature kept. */
function withPayload(edit: (payload: Record<string, unknown>) => unknown): string {
  const outer = JSON.parse(record) as { payload: string; signature: string };
  return JSON.stringify({ ...outer, payload: JSON.stringify(edit(JSON.parse(outer.payload))) });
}

describe("agent provenance records: one check, generated tampers", () => {
  it("accepts the record the agent signed, and holds no value", () => {
    assert.ok(accepted("app.env", FILE, record));
    assert.ok(!record.includes("provenance-unit-canary"));
    assert.ok(publicKeyFrom(publicKeyText(publicKey), "test").equals(publicKey));
  });

  it("refuses every single-byte change of the file", () => {
    for (let i = 0; i < FILE.length; i++) {
      const changed = Buffer.from(FILE);
      changed[i] = (changed[i] ?? 0) ^ 1;
      assert.ok(!accepted("app.env", changed, record), `byte ${i}`);
    }
    assert.ok(!accepted("app.env", Buffer.concat([FILE, Buffer.from("X=1\n")]), record));
    assert.ok(!accepted("app.env", FILE.subarray(0, FILE.length - 1), record));
  });

  it("refuses every edit of the signed payload (format, file, digest, time, each key's path, field, version, an added key)", () => {
    const edits: Array<(p: Record<string, unknown>) => unknown> = [
      (p) => ({ ...p, format: "strongbox-provenance/2" }),
      (p) => ({ ...p, file: "other.env" }),
      (p) => ({ ...p, sha256: "0".repeat(64) }),
      (p) => ({ ...p, signedAt: new Date(NOW + 1000).toISOString() }),
      (p) => ({ ...p, keys: { ...KEYS, LOG_LEVEL: KEYS.DB_PASSWORD } }),
      (p) => ({ ...p, keys: {} }),
      (p) => ({ ...p, session: { ...SESSION, address: "http://vault.example:8200" } }),
      (p) => ({ ...p, session: { ...SESSION, root: true } }),
      (p) => ({ ...p, session: undefined }),
      ...(["path", "field", "version"] as const).map((field) => (p: Record<string, unknown>) => ({
        ...p,
        keys: { DB_PASSWORD: { ...KEYS.DB_PASSWORD, [field]: field === "version" ? 4 : "x" } },
      })),
    ];
    for (const [i, edit] of edits.entries())
      assert.ok(!accepted("app.env", FILE, withPayload(edit)), `edit ${i}`);
  });

  it("refuses a broken, missing or foreign signature, and a record that is not one", () => {
    const outer = JSON.parse(record) as { payload: string; signature: string };
    const other = generateKeyPairSync("ed25519").privateKey;
    const signatures = [
      "",
      outer.signature.slice(0, 20),
      `${outer.signature.slice(0, -4)}AAAA`,
      sign(null, Buffer.from(outer.payload), other).toString("base64"),
    ];
    for (const signature of signatures)
      assert.ok(!accepted("app.env", FILE, JSON.stringify({ ...outer, signature })), signature);
    for (const text of [undefined, "", "{", "null", "{}", JSON.stringify({ payload: {} })])
      assert.ok(!accepted("app.env", FILE, text), String(text));
    // Signed by another key from the start: the pinned key decides, not the record.
    const foreign = signProvenance("app.env", FILE, KEYS, SESSION, other, new Date(NOW));
    assert.ok(!accepted("app.env", FILE, foreign));
  });

  it("refuses the record under any other file name", () => {
    for (const name of ["other.env", "app.env.bak", "APP.env", "app.env ", ".app.env", "app"])
      assert.ok(!accepted(name, FILE, record), name);
  });

  it("accepts a record up to its age limit and refuses it after, or dated in the future", () => {
    assert.ok(accepted("app.env", FILE, record, NOW + 60_000));
    assert.ok(!accepted("app.env", FILE, record, NOW + 60_001));
    assert.ok(accepted("app.env", FILE, record, NOW - 60_000));
    assert.ok(!accepted("app.env", FILE, record, NOW - 10 * 60_000));
  });

  it("vouches only for keys whose value is the file's own: a ${VAR} filled from outside is not what was signed", () => {
    const dir = tempProject();
    const text = Buffer.from("DB_PASSWORD=${OUTSIDE}\nLOG_LEVEL=debug\n");
    writeFileSync(join(dir, "app.env"), text);
    writeFileSync(
      join(dir, `app.env${PROVENANCE_SUFFIX}`),
      signProvenance("app.env", text, KEYS, SESSION, privateKey),
    );
    const config = { agentPublicKey: publicKeyText(publicKey) };
    const load = (processEnv: Record<string, string>) =>
      loadDotenvFiles(["app.env"], {
        baseDir: dir,
        cwd: dir,
        explicit: true,
        processEnv,
        trust: agentTrust(config),
      }).files[0]?.provenance;
    const filled = load({ OUTSIDE: "from-the-environment" });
    assert.ok(filled !== undefined && "keys" in filled && !filled.keys.has("DB_PASSWORD"));
    const own = load({});
    assert.ok(own !== undefined && "keys" in own && own.keys.has("DB_PASSWORD"));
  });
});
