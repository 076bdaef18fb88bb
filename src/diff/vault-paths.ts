import { createHmac, randomBytes } from "node:crypto";
import type { AuditEvent, AuditSink } from "../audit/event.js";
import { StrongboxError } from "../errors.js";
import type { VaultClient } from "../vault/client.js";
import { vaultPathEvent } from "../vault-ops/path-event.js";

/** One key of two Vault secrets compared. */
export interface VaultKeyRow {
  readonly key: string;
  readonly values: "equal" | "different" | "only-a" | "only-b";
}

/**
 * Two Vault KV secrets (`secret/app/staging` and `secret/app/production`, KV v1
 * or v2) side by side: which keys each holds and whether their values are
 * equal, by HMAC under a key drawn for the call and erased. Each read is one
 * audit record, as any other read of a secret.
 */
export async function diffVaultPaths(
  client: VaultClient,
  paths: { readonly a: string; readonly b: string },
  audit?: AuditSink,
): Promise<{
  a: string;
  b: string;
  versions: { a?: number; b?: number };
  rows: VaultKeyRow[];
  different: boolean;
}> {
  const record = (
    path: string,
    outcome: "ok" | "missing" | "error",
    extra: Partial<AuditEvent> = {},
  ) => audit?.write([vaultPathEvent(path, "read", outcome, extra)]);
  const read = async (path: string) => {
    let secret: Awaited<ReturnType<VaultClient["kvRead"]>>;
    try {
      secret = await client.kvRead(path);
    } catch (error) {
      record(path, "error", { code: error instanceof StrongboxError ? error.code : "E_VAULT" });
      throw error;
    }
    if (secret === undefined) {
      record(path, "missing");
      throw new StrongboxError("E_MISSING", `no secret at ${path}`, {
        hint: "check the path (mount/path, as for vault:// refs without the #key)",
      });
    }
    record(path, "ok", secret.version === undefined ? {} : { version: secret.version });
    return secret;
  };
  const [a, b] = await Promise.all([read(paths.a), read(paths.b)]);
  const key = randomBytes(32);
  const mac = (value: unknown) =>
    createHmac("sha256", key)
      .update(typeof value === "string" ? value : JSON.stringify(value))
      .digest("base64");
  const keys = [...new Set([...Object.keys(a.data), ...Object.keys(b.data)])].sort();
  const rows = keys.map((name): VaultKeyRow => {
    const inA = Object.hasOwn(a.data, name);
    const inB = Object.hasOwn(b.data, name);
    const values = !inA
      ? "only-b"
      : !inB
        ? "only-a"
        : mac(a.data[name]) === mac(b.data[name])
          ? "equal"
          : "different";
    return { key: name, values };
  });
  key.fill(0);
  return {
    a: paths.a,
    b: paths.b,
    versions: {
      ...(a.version === undefined ? {} : { a: a.version }),
      ...(b.version === undefined ? {} : { b: b.version }),
    },
    rows,
    different: rows.some((row) => row.values !== "equal"),
  };
}
