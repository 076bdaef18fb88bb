import { type AwsClientOptions, awsClientOptions, sdkClientOptions } from "../aws/client.js";
import { StrongboxError } from "../errors.js";
import { importModule } from "../security/import-module.js";
import type { KeyService, KeyServiceDefinition, NewDataKey, RecipientKeys } from "./key-service.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The service's id: the `aws-kms:` of key ids and store recipients. */
const ID = "aws-kms";
/** The variable that points KMS clients at another endpoint (a local stand-in). */
const ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_KMS";

/** Where the KMS client connects; the AWS SDK's own defaults (environment, profile, role) fill the rest. */
export type KmsOptions = AwsClientOptions;

type Kms = typeof import("@aws-sdk/client-kms");

/**
 * Master keys in AWS KMS: `GenerateDataKey` (AES-256) makes data keys,
 * `Decrypt` opens them, both under an encryption context naming the key
 * (`strongbox:key = aws-kms:<name>`), so a wrapped key cannot be opened as
 * another key's. KMS rotates a key's backing material itself and keeps every
 * old one, so versions stay 0 and a rotation needs no rewrap.
 */
export function kmsKeys(options: KmsOptions = {}): KeyService {
  let sdk: Promise<{ kms: Kms; client: InstanceType<Kms["KMSClient"]> }> | undefined;
  const connect = () => {
    sdk ??= importModule<Kms>("@aws-sdk/client-kms").then((kms) => ({
      kms,
      client: new kms.KMSClient(sdkClientOptions(options)),
    }));
    return sdk;
  };
  const context = (name: string) => ({ "strongbox:key": `${ID}:${name}` });
  const fail = (name: string, error: unknown): never => {
    const kind = (error as { name?: string }).name ?? "";
    if (kind === "InvalidCiphertextException" || kind === "IncorrectKeyException")
      throw new StrongboxError(
        "E_ENVELOPE",
        `a data key wrapped under ${ID}:${name} does not open`,
        {
          hint: "the value was changed, or belongs to another key",
        },
      );
    if (kind === "AccessDeniedException")
      throw new StrongboxError("E_PROVIDER", `AWS KMS denied the use of key ${name}`, {
        hint: "grant kms:GenerateDataKey and kms:Decrypt on the key to this role",
      });
    if (
      kind === "NotFoundException" ||
      kind === "DisabledException" ||
      kind === "KMSInvalidStateException"
    )
      throw new StrongboxError(
        "E_PROVIDER",
        `AWS KMS key ${name} is missing or disabled (${kind})`,
        {
          hint: "check the key id or alias and its state",
        },
      );
    throw new StrongboxError(
      "E_PROVIDER_UNAVAILABLE",
      `AWS KMS could not be used for key ${name} (${kind || "network"})`,
      {
        hint: "check AWS_REGION, the endpoint and the network",
      },
    );
  };
  return {
    service: ID,
    async newDataKey(name, signal): Promise<NewDataKey> {
      const { kms, client } = await connect();
      try {
        const out = await client.send(
          new kms.GenerateDataKeyCommand({
            KeyId: name,
            KeySpec: "AES_256",
            EncryptionContext: context(name),
          }),
          signal === undefined ? {} : { abortSignal: signal },
        );
        return {
          key: Buffer.from(out.Plaintext ?? []),
          wrapped: Buffer.from(out.CiphertextBlob ?? []),
          version: 0,
        };
      } catch (error) {
        return fail(name, error);
      }
    },
    async openDataKey(name, wrapped, _version, signal) {
      const { kms, client } = await connect();
      try {
        const out = await client.send(
          new kms.DecryptCommand({
            CiphertextBlob: wrapped,
            KeyId: name,
            EncryptionContext: context(name),
          }),
          signal === undefined ? {} : { abortSignal: signal },
        );
        const key = Buffer.from(out.Plaintext ?? []);
        if (key.length === 32) return key;
      } catch (error) {
        return fail(name, error);
      }
      return fail(name, { name: "InvalidCiphertextException" });
    },
    async rewrapDataKey(name, wrapped, _version, signal) {
      const { kms, client } = await connect();
      try {
        const out = await client.send(
          new kms.ReEncryptCommand({
            CiphertextBlob: wrapped,
            SourceKeyId: name,
            DestinationKeyId: name,
            SourceEncryptionContext: context(name),
            DestinationEncryptionContext: context(name),
          }),
          signal === undefined ? {} : { abortSignal: signal },
        );
        return { wrapped: Buffer.from(out.CiphertextBlob ?? []), version: 0 };
      } catch (error) {
        return fail(name, error);
      }
    },
    async latestVersion() {
      return 0;
    },
  };
}

/** `aws-kms:KEY` → the key id, ARN or alias. */
export function kmsKeyId(recipient: string): string {
  const id = recipient.slice(`${ID}:`.length);
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
    client: new kms.KMSClient(sdkClientOptions(awsClientOptions({}, env, ENDPOINT_VARIABLE))),
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

/** Store recipients `aws-kms:KEY`, asked when this process has AWS credentials of some kind. */
const kmsRecipients: RecipientKeys = {
  configured: (env) =>
    Boolean(
      env.AWS_ACCESS_KEY_ID ||
        env.AWS_PROFILE ||
        env.AWS_ROLE_ARN ||
        env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
        env.AWS_WEB_IDENTITY_TOKEN_FILE,
    ),
  wrap: kmsWrap,
  async unwrap(wrapped, recipient, storeId, env) {
    const key = await kmsUnwrap(wrapped, recipient, storeId, env);
    return key === undefined ? { note: " did not open with these AWS credentials" } : { key };
  },
};

/** AWS KMS as the key registry knows it; region, endpoint and credentials as every AWS client's. */
export const awsKms: KeyServiceDefinition<typeof ID> = {
  id: ID,
  async open(context) {
    return {
      service: kmsKeys(awsClientOptions(context.aws ?? {}, context.env, ENDPOINT_VARIABLE)),
      close: async () => {},
    };
  },
  recipient: kmsRecipients,
};
