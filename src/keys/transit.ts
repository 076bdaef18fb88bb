import { StrongboxError } from "../errors.js";
import type { VaultClient } from "../vault/client.js";
import type { KeyService, KeyServiceDefinition, NewDataKey, RecipientKeys } from "./key-service.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The service's id: the `transit:` of key ids and store recipients. */
const ID = "transit";

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
    service: ID,
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
        `a data key wrapped under ${ID}:${name} v${version} does not open`,
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

/** `transit:MOUNT/KEY` → its mount and key name. */
export function transitTarget(recipient: string): { mount: string; name: string } {
  const path = recipient.slice(`${ID}:`.length).replace(/^\/+|\/+$/g, "");
  const at = path.lastIndexOf("/");
  if (at <= 0 || at === path.length - 1 || !/^[A-Za-z0-9_.\-/]+$/.test(path))
    throw new StrongboxError("E_USAGE", `"${recipient}" is not a Transit recipient`, {
      hint: "write transit:MOUNT/KEY, e.g. transit:transit/strongbox-production",
    });
  return { mount: path.slice(0, at), name: path.slice(at + 1) };
}

/** The store's id as Transit's associated data: a stanza opens only for the store it was made for. */
function storeContext(storeId: string): string {
  return Buffer.from(`strongbox/store/${storeId}`).toString("base64");
}

/**
 * A Vault client, loaded on first use: the registry is loaded by every store
 * open, and the single executable's start-up snapshot cannot hold the HTTP
 * stack the client pulls in (nor should a store without Transit pay for it).
 */
async function vaultClient(
  env: Env,
  spec?: Parameters<typeof VaultClient.fromEnv>[1],
): Promise<VaultClient> {
  const { VaultClient: Client } = await import("../vault/client.js");
  return Client.fromEnv(env, spec);
}

/** The master key encrypted by Transit key `recipient` (`transit:MOUNT/KEY`); the store id is the context. */
export async function transitWrap(
  key: Uint8Array,
  recipient: string,
  storeId: string,
  env: Env,
): Promise<string> {
  const { mount, name } = transitTarget(recipient);
  const client = await vaultClient(env);
  try {
    const response = await client.call({
      method: "POST",
      path: `${mount}/encrypt/${encodeURIComponent(name)}`,
      body: {
        plaintext: Buffer.from(key).toString("base64"),
        associated_data: storeContext(storeId),
      },
    });
    const ciphertext = (response.body?.data as { ciphertext?: unknown } | undefined)?.ciphertext;
    if (typeof ciphertext !== "string" || !ciphertext.startsWith("vault:v"))
      throw new StrongboxError("E_VAULT", `${recipient} did not answer with a Transit ciphertext`, {
        hint: "check that the mount is a Transit engine and the key exists",
      });
    return ciphertext;
  } finally {
    await client.close();
  }
}

/** The master key from a Transit stanza; undefined when Vault refuses to open it for this token. */
export async function transitUnwrap(
  wrapped: string,
  recipient: string,
  storeId: string,
  env: Env,
): Promise<Buffer | undefined> {
  const { mount, name } = transitTarget(recipient);
  const client = await vaultClient(env);
  try {
    const response = await client.call(
      {
        method: "POST",
        path: `${mount}/decrypt/${encodeURIComponent(name)}`,
        body: { ciphertext: wrapped, associated_data: storeContext(storeId) },
      },
      [400, 403],
    );
    if (response.status !== 200) return undefined;
    const plaintext = (response.body?.data as { plaintext?: unknown } | undefined)?.plaintext;
    return typeof plaintext === "string" ? Buffer.from(plaintext, "base64") : undefined;
  } finally {
    await client.close();
  }
}

/** Store recipients `transit:MOUNT/KEY`, asked when Vault/OpenBao's address is set. */
const transitRecipients: RecipientKeys = {
  configured: (env) => Boolean(env.VAULT_ADDR || env.BAO_ADDR),
  wrap: transitWrap,
  async unwrap(wrapped, recipient, storeId, env) {
    try {
      const key = await transitUnwrap(wrapped, recipient, storeId, env);
      return key === undefined ? {} : { key };
    } catch (error) {
      // Unreachable, sealed, denied: said in the error that lists the recipients.
      return { note: `: ${(error as Error).message}` };
    }
  },
};

/** Vault/OpenBao Transit as the key registry knows it. */
export const transit: KeyServiceDefinition<typeof ID> = {
  id: ID,
  async open(context) {
    const client = await vaultClient(context.env, context.vault);
    return { service: transitKeys(client), close: () => client.close() };
  },
  recipient: transitRecipients,
};
