import { StrongboxError } from "../errors.js";
import type { VaultClient } from "../vault/client.js";
import type { KeyService, NewDataKey } from "./key-service.js";

/** Transit's ciphertext: `vault:v<version>:<base64>` (OpenBao keeps the prefix). */
const CIPHERTEXT = /^vault:v([1-9][0-9]{0,9}):([A-Za-z0-9+/]+={0,2})$/;

/**
 * Master keys in Vault/OpenBao's Transit engine: data keys come from
 * `datakey/plaintext`, open through `decrypt` and move to the latest key
 * version through `rewrap`, so the master key never leaves Vault and
 * `min_decryption_version` decides which old versions still open. The wrapped
 * form kept in an envelope is Transit's ciphertext without its text prefix
 * (the version is the envelope's key version).
 */
export function transitKeys(client: VaultClient, options: { mount?: string } = {}): KeyService {
  const mount = (options.mount ?? "transit").replace(/^\/+|\/+$/g, "");
  const path = (operation: string, name: string) =>
    `${mount}/${operation}/${encodeURIComponent(name)}`;
  const post = async (
    operation: string,
    name: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ) =>
    ((await client.call({ method: "POST", path: path(operation, name), body, signal })).body
      ?.data ?? {}) as Record<string, unknown>;
  const split = (ciphertext: unknown, name: string): { wrapped: Buffer; version: number } => {
    const match = typeof ciphertext === "string" ? CIPHERTEXT.exec(ciphertext) : null;
    if (match === null)
      throw new StrongboxError(
        "E_VAULT",
        `Transit key ${name} answered with a ciphertext Strongbox does not know`,
        {
          hint: "check that the mount is a Transit engine",
        },
      );
    return { version: Number(match[1]), wrapped: Buffer.from(match[2] as string, "base64") };
  };
  const join = (wrapped: Buffer, version: number) =>
    `vault:v${version}:${wrapped.toString("base64")}`;
  return {
    service: "transit",
    async newDataKey(name, signal): Promise<NewDataKey> {
      const data = await post("datakey/plaintext", name, { bits: 256 }, signal);
      const key = Buffer.from(String(data.plaintext ?? ""), "base64");
      if (key.length !== 32)
        throw new StrongboxError(
          "E_VAULT",
          `Transit key ${name} returned a data key of ${key.length} bytes`,
          {
            hint: "check that the mount is a Transit engine",
          },
        );
      return { key, ...split(data.ciphertext, name) };
    },
    async openDataKey(name, wrapped, version, signal) {
      try {
        const data = await post("decrypt", name, { ciphertext: join(wrapped, version) }, signal);
        const key = Buffer.from(String(data.plaintext ?? ""), "base64");
        if (key.length === 32) return key;
      } catch (error) {
        // 400 is Transit's answer to a ciphertext it cannot open (changed, another key, or a
        // version below min_decryption_version); unreachable, sealed and denied stay as they are.
        if (!(error instanceof StrongboxError && error.code === "E_VAULT")) throw error;
      }
      throw new StrongboxError(
        "E_ENVELOPE",
        `a data key wrapped under transit:${name} v${version} does not open`,
        {
          hint: `the value was changed, or version ${version} is below the key's min_decryption_version (rewrap the rows before raising it)`,
        },
      );
    },
    async rewrapDataKey(name, wrapped, version, signal) {
      const data = await post("rewrap", name, { ciphertext: join(wrapped, version) }, signal);
      return split(data.ciphertext, name);
    },
    async latestVersion(name, signal) {
      const response = await client.call({
        method: "GET",
        path: `${mount}/keys/${encodeURIComponent(name)}`,
        signal,
      });
      const latest = (response.body?.data as { latest_version?: unknown } | undefined)
        ?.latest_version;
      if (typeof latest !== "number")
        throw new StrongboxError("E_VAULT", `Transit key ${name} has no latest_version`, {
          hint: "check that the mount is a Transit engine and the key exists",
        });
      return latest;
    },
  };
}
