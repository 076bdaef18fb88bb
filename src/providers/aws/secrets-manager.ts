import { awsClientConfig, validateAwsConfig, withAwsClient } from "../../aws/client.js";
import { awsError } from "../../aws/errors.js";
import { allPages, chunks } from "../../aws/paging.js";
import { StrongboxError } from "../../errors.js";
import type { Ref } from "../../refs/ref.js";
import { refError } from "../../refs/ref.js";
import { importModule } from "../../security/import-module.js";
import {
  defineProvider,
  type FullProvider,
  type ReadContext,
  type ReadResult,
  type RetireCapability,
} from "../provider.js";
import { AWS_DEFINITION, noCheckAndSet } from "./common.js";
import { markRetired, previousKeyResult } from "./sm-previous.js";

const WORDS = "AWS Secrets Manager";

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const PARAMS = new Set(["versionId", "stage", "version"]);
/** BatchGetSecretValue takes at most 20 ids per call (AWS documents it; moto does not enforce it). */
const BATCH = 20;

/**
 * `aws-sm://NAME#KEY[?versionId=…|?stage=AWSPREVIOUS]`: AWS Secrets Manager.
 * With `#KEY`, one key of a JSON secret string; without, the whole string.
 * Reads are batched (BatchGetSecretValue, 20 names a call, calls in
 * parallel) under the resolution's deadline; versioned refs are one
 * GetSecretValue each. The AWS SDK is loaded only when a config uses it.
 */
export const awsSecretsManagerProvider = defineProvider({
  scheme: "aws-sm",
  kind: "aws-sm",
  syntax: "aws-sm://NAME#KEY[?versionId=ID|?stage=LABEL]",
  words: WORDS,
  ...AWS_DEFINITION,
  config: { key: "aws", validate: validateAwsConfig },
  // A whole string's previous value is AWSPREVIOUS; one key's is that key's own (sm-previous.ts).
  previousRef: (ref) => ({
    ...ref,
    params: ref.key === undefined ? { stage: "AWSPREVIOUS" } : { version: "previous" },
  }),
  validateRef(ref, context) {
    if (!NAME.test(ref.path))
      throw refError(context, "aws-sm:// takes a secret name: letters, digits and / _ + = . @ -");
    for (const [name, value] of Object.entries(ref.params)) {
      if (!PARAMS.has(name))
        throw refError(
          context,
          `aws-sm:// takes ?versionId=, ?stage= or ?version=previous, not ?${name}= (versions are ids and stages, not numbers)`,
        );
      if (value === "") throw refError(context, `?${name}= needs a value`);
    }
    if (
      ref.params.version !== undefined &&
      (ref.params.version !== "previous" || ref.key === undefined)
    )
      throw refError(
        context,
        "aws-sm:// takes ?version=previous only, with a #KEY (that key's value before its last change)",
      );
    if (Object.keys(ref.params).length > 1)
      throw refError(context, "give one of ?versionId=, ?stage= and ?version=previous");
  },
  async create(): Promise<FullProvider & RetireCapability> {
    const sdk = await importModule<typeof import("@aws-sdk/client-secrets-manager")>(
      "@aws-sdk/client-secrets-manager",
    );
    const clientFor = (ctx: ReadContext) =>
      new sdk.SecretsManagerClient(awsClientConfig(ctx, "AWS_ENDPOINT_URL_SECRETS_MANAGER", WORDS));
    const call = <T>(
      ctx: ReadContext,
      what: string,
      work: (
        client: InstanceType<typeof sdk.SecretsManagerClient>,
        options: { abortSignal?: AbortSignal },
      ) => Promise<T>,
    ) => withAwsClient(clientFor(ctx), ctx, what, WORDS, work);
    return {
      scheme: "aws-sm",
      kind: "aws-sm",
      // ListSecrets filters by name prefix; secrets scheduled for deletion are left out.
      list: (under, ctx) =>
        call(ctx, under, async (client, options) => {
          const pages = await allPages((token) =>
            client.send(
              new sdk.ListSecretsCommand({
                ...(under === "" ? {} : { Filters: [{ Key: "name", Values: [under] }] }),
                ...token,
              }),
              options,
            ),
          );
          return pages
            .flatMap((page) => page.SecretList ?? [])
            .flatMap((secret) =>
              secret.Name?.startsWith(under) ? [{ ref: `aws-sm://${secret.Name}` }] : [],
            );
        }),
      history: (ref, ctx) =>
        call(ctx, ref.path, async (client, options) => {
          const pages = await allPages((token) =>
            client
              .send(
                new sdk.ListSecretVersionIdsCommand({
                  SecretId: ref.path,
                  IncludeDeprecated: true,
                  ...token,
                }),
                options,
              )
              .catch((error: unknown) => {
                if (notFound(error)) return { Versions: [], NextToken: undefined };
                throw error;
              }),
          );
          const versions = pages
            .flatMap((page) => page.Versions ?? [])
            .flatMap((version) =>
              version.VersionId === undefined
                ? []
                : [
                    {
                      id: version.VersionId,
                      ...(version.CreatedDate ? { created: version.CreatedDate } : {}),
                      stages: version.VersionStages ?? [],
                    },
                  ],
            );
          // Times are to the second: within one, the current version goes last.
          return versions
            .sort(
              (a, b) =>
                (a.created?.getTime() ?? 0) - (b.created?.getTime() ?? 0) ||
                Number(a.stages.includes("AWSCURRENT")) - Number(b.stages.includes("AWSCURRENT")),
            )
            .map((version) => ({
              version: version.id,
              ...(version.created ? { createdAt: version.created.toISOString() } : {}),
              state: "live" as const,
              current: version.stages.includes("AWSCURRENT"),
              labels: version.stages,
            }));
        }),
      // AWS keeps old versions itself; retiring takes AWSPREVIOUS off, so no stage reads them.
      retire: (ref, versions, ctx) =>
        call(ctx, ref.path, async (client, options) => {
          const described = await client.send(
            new sdk.DescribeSecretCommand({ SecretId: ref.path }),
            options,
          );
          const stages = described.VersionIdsToStages ?? {};
          await markRetired(sdk, client, ref.path, versions.map(String), options);
          for (const version of versions.map(String))
            if (stages[version]?.includes("AWSPREVIOUS"))
              await client.send(
                new sdk.UpdateSecretVersionStageCommand({
                  SecretId: ref.path,
                  VersionStage: "AWSPREVIOUS",
                  RemoveFromVersionId: version,
                }),
                options,
              );
        }),
      // Soft: AWS's recovery window (30 days by default). Destroy: no recovery, the name is free at once.
      remove: (ref, ctx, options = {}) =>
        call(ctx, ref.path, async (client, abort) => {
          await client.send(
            new sdk.DeleteSecretCommand({
              SecretId: ref.path,
              ...(options.destroy === true ? { ForceDeleteWithoutRecovery: true } : {}),
            }),
            abort,
          );
        }),
      metadata: (ref, ctx) =>
        call(ctx, ref.path, async (client, options) => {
          const secret = await client
            .send(new sdk.DescribeSecretCommand({ SecretId: ref.path }), options)
            .catch((error: unknown) => {
              if (notFound(error)) return undefined;
              throw error;
            });
          if (secret === undefined) return undefined;
          const current = Object.entries(secret.VersionIdsToStages ?? {}).find(([, stages]) =>
            stages.includes("AWSCURRENT"),
          )?.[0];
          return {
            ...(secret.CreatedDate ? { createdAt: secret.CreatedDate.toISOString() } : {}),
            ...(secret.LastChangedDate ? { updatedAt: secret.LastChangedDate.toISOString() } : {}),
            ...(current === undefined ? {} : { currentVersion: current }),
            labels: Object.fromEntries(
              (secret.Tags ?? []).flatMap((tag) =>
                tag.Key === undefined ? [] : [[tag.Key, tag.Value ?? ""]],
              ),
            ),
          };
        }),
      async read(refs, ctx) {
        const client = clientFor(ctx);
        const options = ctx.signal === undefined ? {} : { abortSignal: ctx.signal };
        const results = new Map<Ref, ReadResult>();
        try {
          const plain = refs.filter((ref) => Object.keys(ref.params).length === 0);
          const names = [...new Set(plain.map((ref) => ref.path))];
          const strings = new Map<string, SecretRead>();
          await Promise.all([
            ...chunks(names, BATCH).map(async (batch) => {
              try {
                const answer = await client.send(
                  new sdk.BatchGetSecretValueCommand({ SecretIdList: batch }),
                  options,
                );
                for (const value of answer.SecretValues ?? [])
                  for (const id of batch)
                    if (id === value.Name || id === value.ARN) strings.set(id, { found: value });
                for (const failure of answer.Errors ?? [])
                  if (failure.SecretId !== undefined)
                    strings.set(failure.SecretId, { failed: failure.ErrorCode ?? "error" });
              } catch (error) {
                for (const id of batch) strings.set(id, { error: awsError(error, id, WORDS) });
              }
            }),
            ...refs
              .filter((ref) => ref.params.version === "previous")
              .map(async (ref) => {
                results.set(ref, await previousKeyResult(sdk, client, ref, options));
              }),
            ...refs
              .filter(
                (ref) => Object.keys(ref.params).length > 0 && ref.params.version === undefined,
              )
              .map(async (ref) => {
                try {
                  const value = await client.send(
                    new sdk.GetSecretValueCommand({
                      SecretId: ref.path,
                      ...(ref.params.versionId === undefined
                        ? {}
                        : { VersionId: ref.params.versionId }),
                      ...(ref.params.stage === undefined ? {} : { VersionStage: ref.params.stage }),
                    }),
                    options,
                  );
                  results.set(ref, extract(ref, { found: value }));
                } catch (error) {
                  results.set(
                    ref,
                    extract(
                      ref,
                      notFound(error)
                        ? { failed: "ResourceNotFoundException" }
                        : { error: awsError(error, ref.path, WORDS) },
                    ),
                  );
                }
              }),
          ]);
          for (const ref of plain)
            results.set(
              ref,
              extract(ref, strings.get(ref.path) ?? { failed: "ResourceNotFoundException" }),
            );
          return results;
        } finally {
          client.destroy();
        }
      },
      async write(ref, value, ctx, options = {}) {
        if (options.expectedVersion !== undefined)
          throw noCheckAndSet(
            `aws-sm://${ref.path}`,
            "AWS Secrets Manager versions are ids and stages, not numbers; check-and-set by version number is not possible",
          );
        const client = clientFor(ctx);
        const abort = ctx.signal === undefined ? {} : { abortSignal: ctx.signal };
        try {
          let current: string | undefined;
          try {
            current = (
              await client.send(new sdk.GetSecretValueCommand({ SecretId: ref.path }), abort)
            ).SecretString;
          } catch (error) {
            if (!notFound(error)) throw awsError(error, ref.path, WORDS);
          }
          const text =
            ref.key === undefined
              ? value
              : JSON.stringify({ ...jsonObject(current, ref), [ref.key]: value });
          try {
            if (current === undefined)
              await client.send(
                new sdk.CreateSecretCommand({ Name: ref.path, SecretString: text }),
                abort,
              );
            else
              await client.send(
                new sdk.PutSecretValueCommand({ SecretId: ref.path, SecretString: text }),
                abort,
              );
          } catch (error) {
            throw awsError(error, ref.path, WORDS);
          }
          return {};
        } finally {
          client.destroy();
        }
      },
    };
  },
});

type SecretRead =
  | { readonly found: { SecretString?: string | undefined; SecretBinary?: Uint8Array | undefined } }
  | { readonly failed: string }
  | { readonly error: StrongboxError };

/** One ref's value out of a secret: the whole string, or one key of its JSON. */
function extract(ref: Ref, read: SecretRead): ReadResult {
  if ("error" in read) return { status: "error", error: read.error };
  if ("failed" in read) {
    if (read.failed === "ResourceNotFoundException")
      return {
        status: "absent",
        detail: `no secret ${ref.path} in AWS Secrets Manager${versionWords(ref)}`,
        hint: `create it with \`strongbox set ${ref.key ?? "NAME"} --to aws-sm://${ref.path}${ref.key === undefined ? "" : `#${ref.key}`}\``,
      };
    return {
      status: "error",
      error: new StrongboxError(
        "E_PROVIDER",
        `AWS Secrets Manager could not read ${ref.path}: ${read.failed}`,
        {
          hint: "check the secret's state and this identity's permissions",
        },
      ),
    };
  }
  const { SecretString: text, SecretBinary: binary } = read.found;
  if (ref.key === undefined) {
    if (text !== undefined) return { status: "found", fetched: { value: text } };
    return {
      status: "found",
      fetched: { value: Buffer.from(binary ?? new Uint8Array()).toString("base64") },
    };
  }
  const object = text === undefined ? undefined : safeJson(text);
  if (object === undefined || !Object.hasOwn(object, ref.key))
    return {
      status: "absent",
      detail: `the secret ${ref.path}${versionWords(ref)} has no key ${ref.key}${object === undefined ? " (its value is not a JSON object)" : ""}`,
      hint: `add it with \`strongbox set ${ref.key} --to aws-sm://${ref.path}#${ref.key}\``,
    };
  const raw = object[ref.key];
  return {
    status: "found",
    fetched: { value: typeof raw === "string" ? raw : JSON.stringify(raw) },
  };
}

function versionWords(ref: Ref): string {
  if (ref.params.versionId !== undefined) return ` version ${ref.params.versionId}`;
  if (ref.params.stage !== undefined) return ` stage ${ref.params.stage}`;
  return "";
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function jsonObject(current: string | undefined, ref: Ref): Record<string, unknown> {
  if (current === undefined) return {};
  const object = safeJson(current);
  if (object === undefined)
    throw new StrongboxError(
      "E_PROVIDER",
      `aws-sm://${ref.path}: the secret is not a JSON object, so #${ref.key} cannot be set in it`,
      {
        hint: "write the whole secret (no #KEY), or store JSON in it",
      },
    );
  return object;
}

function notFound(error: unknown): boolean {
  return (error as { name?: string }).name === "ResourceNotFoundException";
}
