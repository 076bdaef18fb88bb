import { StrongboxError } from "../errors.js";
import { type AwsClientOptions, sdkClientOptions } from "../providers/aws/common.js";
import { importModule } from "../security/import-module.js";
import type { KeyService, NewDataKey } from "./key-service.js";

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
  const context = (name: string) => ({ "strongbox:key": `aws-kms:${name}` });
  const fail = (name: string, error: unknown): never => {
    const kind = (error as { name?: string }).name ?? "";
    if (kind === "InvalidCiphertextException" || kind === "IncorrectKeyException")
      throw new StrongboxError(
        "E_ENVELOPE",
        `a data key wrapped under aws-kms:${name} does not open`,
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
    service: "aws-kms",
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
