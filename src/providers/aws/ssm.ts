import { awsClientConfig, withAwsClient } from "../../aws/client.js";
import { awsError } from "../../aws/errors.js";
import { allPages, chunks } from "../../aws/paging.js";
import type { StrongboxError } from "../../errors.js";
import type { Ref } from "../../refs/ref.js";
import { refError } from "../../refs/ref.js";
import { importModule } from "../../security/import-module.js";
import {
  defineProvider,
  type FullProvider,
  type ReadContext,
  type ReadResult,
} from "../provider.js";
import { checkVersionParam } from "../store/index.js";
import { AWS_DEFINITION, noCheckAndSet } from "./common.js";

const WORDS = "AWS SSM Parameter Store";
const NAME = /^\/?[A-Za-z0-9_.\-/]{1,1011}$/;
/** GetParameters takes at most 10 names per call (SSM enforces it). */
const BATCH = 10;

/**
 * `aws-ssm:///path/name[?version=N]`: one parameter of AWS Systems Manager
 * Parameter Store, SecureString decrypted. Reads are batched: GetParameters,
 * 10 names (with `:N` version selectors) a call, calls in parallel, under
 * the resolution's deadline. The `aws:` config section is shared with
 * aws-sm:// (which validates it).
 */
export const awsSsmProvider = defineProvider({
  scheme: "aws-ssm",
  kind: "aws-ssm",
  syntax: "aws-ssm:///path/name[?version=N]",
  words: WORDS,
  ...AWS_DEFINITION,
  validateRef(ref, context) {
    if (!NAME.test(ref.path) || ref.path.includes("//"))
      throw refError(
        context,
        "aws-ssm:// takes a parameter name such as aws-ssm:///app/db/password",
      );
    if (ref.key !== undefined)
      throw refError(context, "aws-ssm:// takes no #key: a parameter holds one value");
    checkVersionParam(ref.params, context);
  },
  async create(): Promise<FullProvider> {
    const sdk = await importModule<typeof import("@aws-sdk/client-ssm")>("@aws-sdk/client-ssm");
    const clientFor = (ctx: ReadContext) =>
      new sdk.SSMClient(awsClientConfig(ctx, "AWS_ENDPOINT_URL_SSM", WORDS));
    const selector = (ref: Ref) =>
      ref.params.version === undefined ? ref.path : `${ref.path}:${ref.params.version}`;
    const call = <T>(
      ctx: ReadContext,
      what: string,
      work: (
        client: InstanceType<typeof sdk.SSMClient>,
        options: { abortSignal?: AbortSignal },
      ) => Promise<T>,
    ) => withAwsClient(clientFor(ctx), ctx, what, WORDS, work);
    return {
      scheme: "aws-ssm",
      kind: "aws-ssm",
      // Names only: DescribeParameters, never GetParametersByPath (which returns values).
      list: (under, ctx) =>
        call(ctx, under, async (client, options) => {
          const path = under === "" ? "/" : under.replace(/\/+$/, "") || "/";
          const pages = await allPages((token) =>
            client.send(
              new sdk.DescribeParametersCommand({
                ParameterFilters: [{ Key: "Path", Option: "OneLevel", Values: [path] }],
                ...token,
              }),
              options,
            ),
          );
          return pages
            .flatMap((page) => page.Parameters ?? [])
            .flatMap((parameter) =>
              parameter.Name === undefined ? [] : [{ ref: `aws-ssm://${parameter.Name}` }],
            );
        }),
      history: (ref, ctx) =>
        call(ctx, ref.path, async (client, options) => {
          // WithDecryption false: a SecureString's history comes back encrypted, and is dropped.
          const pages = await allPages((token) =>
            client
              .send(
                new sdk.GetParameterHistoryCommand({
                  Name: ref.path,
                  WithDecryption: false,
                  ...token,
                }),
                options,
              )
              .catch((error: { name?: string }) => {
                if (error.name === "ParameterNotFound")
                  return { Parameters: [], NextToken: undefined };
                throw error;
              }),
          );
          const versions = pages
            .flatMap((page) => page.Parameters ?? [])
            .map((entry) => ({
              version: entry.Version ?? 0,
              ...(entry.LastModifiedDate
                ? { createdAt: entry.LastModifiedDate.toISOString() }
                : {}),
              labels: entry.Labels ?? [],
            }));
          const newest = Math.max(0, ...versions.map((v) => v.version));
          return versions
            .sort((a, b) => a.version - b.version)
            .map((v) => ({
              version: v.version,
              ...(v.createdAt === undefined ? {} : { createdAt: v.createdAt }),
              state: "live" as const,
              current: v.version === newest,
              ...(v.labels.length === 0 ? {} : { labels: v.labels }),
            }));
        }),
      // Parameter Store has no soft delete: removing is for good, destroy or not.
      remove: (ref, ctx) =>
        call(ctx, ref.path, async (client, options) => {
          await client.send(new sdk.DeleteParameterCommand({ Name: ref.path }), options);
        }),
      metadata: (ref, ctx) =>
        call(ctx, ref.path, async (client, options) => {
          const page = await client.send(
            new sdk.DescribeParametersCommand({
              ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [ref.path] }],
            }),
            options,
          );
          const found = page.Parameters?.find((parameter) => parameter.Name === ref.path);
          if (found === undefined) return undefined;
          return {
            ...(found.LastModifiedDate ? { updatedAt: found.LastModifiedDate.toISOString() } : {}),
            ...(found.Version === undefined ? {} : { currentVersion: found.Version }),
            labels: {
              ...(found.Type ? { type: found.Type } : {}),
              ...(found.Description ? { description: found.Description } : {}),
            },
          };
        }),
      async read(refs, ctx) {
        const client = clientFor(ctx);
        const options = ctx.signal === undefined ? {} : { abortSignal: ctx.signal };
        const found = new Map<
          string,
          { value: string; version?: number } | { error: StrongboxError }
        >();
        try {
          // Versioned and plain names go in separate calls: each answer is then matched by
          // name (plain) or name:version (versioned), whether or not the service echoes the
          // selector (AWS does; moto does not).
          const plain = [
            ...new Set(refs.filter((r) => r.params.version === undefined).map(selector)),
          ];
          const versioned = [
            ...new Set(refs.filter((r) => r.params.version !== undefined).map(selector)),
          ];
          const batches = [
            ...chunks(plain, BATCH).map((batch) => ({ batch, versioned: false })),
            ...chunks(versioned, BATCH).map((batch) => ({ batch, versioned: true })),
          ];
          await Promise.all(
            batches.map(async ({ batch, versioned: withVersion }) => {
              try {
                const answer = await client.send(
                  new sdk.GetParametersCommand({ Names: batch, WithDecryption: true }),
                  options,
                );
                for (const parameter of answer.Parameters ?? []) {
                  const id = withVersion
                    ? `${parameter.Name}:${parameter.Version}`
                    : (parameter.Name ?? "");
                  if (!batch.includes(id)) continue;
                  const value = parameter.Value ?? "";
                  found.set(
                    id,
                    parameter.Version === undefined
                      ? { value }
                      : { value, version: parameter.Version },
                  );
                }
              } catch (error) {
                for (const id of batch) found.set(id, { error: awsError(error, id, WORDS) });
              }
            }),
          );
          const results = new Map<Ref, ReadResult>();
          for (const ref of refs) {
            const hit = found.get(selector(ref));
            if (hit === undefined)
              results.set(ref, {
                status: "absent",
                detail: `no parameter ${ref.path}${ref.params.version === undefined ? "" : ` version ${ref.params.version}`} in ${WORDS}`,
                hint: `create it with \`strongbox set NAME --to aws-ssm://${ref.path}\``,
              });
            else if ("error" in hit) results.set(ref, { status: "error", error: hit.error });
            else
              results.set(ref, {
                status: "found",
                fetched:
                  hit.version === undefined
                    ? { value: hit.value }
                    : { value: hit.value, version: hit.version },
              });
          }
          return results;
        } finally {
          client.destroy();
        }
      },
      async write(ref, value, ctx, options = {}) {
        if (options.expectedVersion !== undefined)
          throw noCheckAndSet(
            `aws-ssm://${ref.path}`,
            "Parameter Store has no check-and-set; a conditional write cannot be made safely",
          );
        const client = clientFor(ctx);
        try {
          const answer = await client.send(
            new sdk.PutParameterCommand({
              Name: ref.path,
              Value: value,
              Type: "SecureString",
              Overwrite: true,
            }),
            ctx.signal === undefined ? {} : { abortSignal: ctx.signal },
          );
          return answer.Version === undefined ? {} : { version: answer.Version };
        } catch (error) {
          throw awsError(error, ref.path, WORDS);
        } finally {
          client.destroy();
        }
      },
    };
  },
});
