import { StrongboxError } from "../../errors.js";
import { awsClientOptions, sdkClientOptions } from "../../providers/aws/common.js";
import { importModule } from "../../security/import-module.js";
import { VaultClient } from "../../vault/client.js";

type Env = Readonly<Record<string, string | undefined>>;
type Kms = typeof import("@aws-sdk/client-kms");

/**
 * A store's master key wrapped by a key that never leaves its service: a
 * Vault/OpenBao Transit key or an AWS KMS key. The address, region and
 * credentials always come from this process's environment, never from the
 * keyring: a stanza is read before the keyring is authenticated, so a
 * hand-edited one must not be able to send a token to another host.
 */

/** `transit:MOUNT/KEY` → its mount and key name. */
export function transitTarget(recipient: string): { mount: string; name: string } {
  const path = recipient.slice("transit:".length).replace(/^\/+|\/+$/g, "");
  const at = path.lastIndexOf("/");
  if (at <= 0 || at === path.length - 1 || !/^[A-Za-z0-9_.\-/]+$/.test(path))
    throw new StrongboxError("E_USAGE", `"${recipient}" is not a Transit recipient`, {
      hint: "write transit:MOUNT/KEY, e.g. transit:transit/strongbox-production",
    });
  return { mount: path.slice(0, at), name: path.slice(at + 1) };
}

/** The master key encrypted by Transit key `recipient` (`transit:MOUNT/KEY`); the store id is the context. */
export async function transitWrap(
  key: Uint8Array,
  recipient: string,
  storeId: string,
  env: Env,
): Promise<string> {
  const { mount, name } = transitTarget(recipient);
  const client = VaultClient.fromEnv(env);
  try {
    const response = await client.call({
      method: "POST",
      path: `${mount}/encrypt/${encodeURIComponent(name)}`,
      body: {
        plaintext: Buffer.from(key).toString("base64"),
        associated_data: Buffer.from(`strongbox/store/${storeId}`).toString("base64"),
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
  const client = VaultClient.fromEnv(env);
  try {
    const response = await client.call(
      {
        method: "POST",
        path: `${mount}/decrypt/${encodeURIComponent(name)}`,
        body: {
          ciphertext: wrapped,
          associated_data: Buffer.from(`strongbox/store/${storeId}`).toString("base64"),
        },
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

/** `aws-kms:KEY` → the key id, ARN or alias. */
export function kmsKeyId(recipient: string): string {
  const id = recipient.slice("aws-kms:".length);
  if (!/^[A-Za-z0-9:/_\-.]+$/.test(id))
    throw new StrongboxError("E_USAGE", `"${recipient}" is not an AWS KMS recipient`, {
      hint: "write aws-kms:KEY_ID, aws-kms:arn:aws:kms:… or aws-kms:alias/NAME",
    });
  return id;
}

async function kmsClient(env: Env) {
  const kms = await importModule<Kms>("@aws-sdk/client-kms");
  return {
    kms,
    client: new kms.KMSClient(sdkClientOptions(awsClientOptions({}, env, "AWS_ENDPOINT_URL_KMS"))),
  };
}

/** The master key encrypted by KMS key `recipient`, under an encryption context naming the store. */
export async function kmsWrap(
  key: Uint8Array,
  recipient: string,
  storeId: string,
  env: Env,
): Promise<string> {
  const { kms, client } = await kmsClient(env);
  try {
    const out = await client.send(
      new kms.EncryptCommand({
        KeyId: kmsKeyId(recipient),
        Plaintext: key,
        EncryptionContext: { "strongbox:store": storeId },
      }),
    );
    if (out.CiphertextBlob === undefined)
      throw new StrongboxError("E_PROVIDER", `AWS KMS returned no ciphertext for ${recipient}`);
    return Buffer.from(out.CiphertextBlob).toString("base64");
  } catch (error) {
    if (error instanceof StrongboxError) throw error;
    const kind = (error as { name?: string }).name ?? "network";
    throw new StrongboxError("E_PROVIDER", `AWS KMS could not wrap for ${recipient} (${kind})`, {
      hint: "check the key id, kms:Encrypt permission, AWS_REGION and credentials",
    });
  } finally {
    client.destroy();
  }
}

/** The master key from a KMS stanza; undefined when KMS will not open it with these credentials. */
export async function kmsUnwrap(
  wrapped: string,
  recipient: string,
  storeId: string,
  env: Env,
): Promise<Buffer | undefined> {
  const { kms, client } = await kmsClient(env);
  try {
    const out = await client.send(
      new kms.DecryptCommand({
        KeyId: kmsKeyId(recipient),
        CiphertextBlob: Buffer.from(wrapped, "base64"),
        EncryptionContext: { "strongbox:store": storeId },
      }),
    );
    return out.Plaintext === undefined ? undefined : Buffer.from(out.Plaintext);
  } catch {
    // Denied, another key, no credentials, unreachable: this identity cannot open it.
    return undefined;
  } finally {
    client.destroy();
  }
}
