import { awsError } from "../../aws/errors.js";
import { allPages } from "../../aws/paging.js";
import type { Ref } from "../../refs/ref.js";
import { type KeyedVersion, previousVersionOf } from "../key-versions.js";
import type { ReadResult } from "../provider.js";

type Sdk = typeof import("@aws-sdk/client-secrets-manager");
type Client = InstanceType<Sdk["SecretsManagerClient"]>;
type Abort = { abortSignal?: AbortSignal };

/**
 * The tag `rotate --finish` leaves on a secret: the id of the newest version
 * it retired. That version and every older one count as gone for
 * `NAME_PREVIOUS`, though AWS keeps them readable by id (staging labels are
 * unique per secret, so no label can mark several versions).
 */
export const RETIRED_TAG = "strongbox:retired-through";

/** {@link previousKeyValue} as a read's result: absent when there is none. */
export async function previousKeyResult(
  sdk: Sdk,
  client: Client,
  ref: Ref,
  abort: Abort,
): Promise<ReadResult> {
  let value: string | undefined;
  try {
    value = await previousKeyValue(sdk, client, ref, abort);
  } catch (error) {
    if ((error as { name?: string }).name !== "ResourceNotFoundException")
      return { status: "error", error: awsError(error, ref.path, "AWS Secrets Manager") };
  }
  return value === undefined
    ? {
        status: "absent",
        detail: `no previous value of ${ref.key} in ${ref.path} (never rotated, or retired)`,
      }
    : { status: "found", fetched: { value } };
}

/**
 * One key's previous value in a JSON secret several keys share: the key's
 * value in the newest older version where it differed, found by the one rule
 * Vault KV uses ({@link previousVersionOf}), walking back from AWSCURRENT
 * without skipping a version that cannot be read or was retired. AWS moves
 * AWSPREVIOUS on every write, so after rotating `A` and then setting `B`,
 * AWSPREVIOUS holds `A`'s new value: the stage alone is per secret, not per
 * key. Undefined when there is none.
 */
export async function previousKeyValue(
  sdk: Sdk,
  client: Client,
  ref: Ref,
  abort: Abort,
): Promise<string | undefined> {
  const key = ref.key as string;
  const [listed, described] = await Promise.all([
    allPages((token) =>
      client.send(
        new sdk.ListSecretVersionIdsCommand({
          SecretId: ref.path,
          IncludeDeprecated: true,
          ...token,
        }),
        abort,
      ),
    ),
    client.send(new sdk.DescribeSecretCommand({ SecretId: ref.path }), abort),
  ]);
  const retiredThrough = described.Tags?.find((tag) => tag.Key === RETIRED_TAG)?.Value;
  const ordered = newestFirst(listed.flatMap((page) => page.Versions ?? []));
  const versions: KeyedVersion[] = [];
  const values: unknown[] = [];
  let retired = false;
  for (const [index, version] of ordered.entries()) {
    retired ||= version.VersionId === retiredThrough;
    const object = retired ? undefined : await readJson(sdk, client, ref.path, version, abort);
    versions.push({ version: index, ...(object === undefined ? {} : { values: object }) });
    values.push(object?.[key]);
    // Enough read once the key's value changed, or the walk hit a gap.
    const previous = previousVersionOf(key, versions);
    if (previous !== undefined) return text(values[previous]);
    if (object === undefined || !Object.hasOwn(object, key)) return undefined;
  }
  return undefined;
}

interface Listed {
  readonly VersionId?: string | undefined;
  readonly CreatedDate?: Date | undefined;
  readonly VersionStages?: string[] | undefined;
}

/**
 * AWSCURRENT first, then the older versions, newest first; AWSPENDING (not
 * yet current) left out. By creation time; within one time (moto lists every
 * version with the time of the call), the later in the listing is the newer,
 * as AWS lists them oldest first.
 */
function newestFirst(listed: readonly Listed[]): Listed[] {
  const current = listed.find((version) => version.VersionStages?.includes("AWSCURRENT"));
  if (current === undefined) return [];
  const at = current.CreatedDate?.getTime() ?? 0;
  const time = (version: Listed) => version.CreatedDate?.getTime() ?? 0;
  const older = listed
    .map((version, index) => ({ version, index }))
    .filter(
      ({ version }) =>
        version !== current &&
        !version.VersionStages?.includes("AWSPENDING") &&
        time(version) <= at,
    )
    .sort((a, b) => time(b.version) - time(a.version) || b.index - a.index)
    .map(({ version }) => version);
  return [current, ...older];
}

async function readJson(
  sdk: Sdk,
  client: Client,
  path: string,
  version: Listed,
  abort: Abort,
): Promise<Record<string, unknown> | undefined> {
  if (version.VersionId === undefined) return undefined;
  try {
    const answer = await client.send(
      new sdk.GetSecretValueCommand({ SecretId: path, VersionId: version.VersionId }),
      abort,
    );
    const value: unknown = JSON.parse(answer.SecretString ?? "");
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined; // gone (AWS drops old deprecated versions) or not JSON: a gap
  }
}

const text = (value: unknown): string | undefined =>
  value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);

/** Tags the secret with the newest of the versions a rotation's finish retires ({@link RETIRED_TAG}). */
export async function markRetired(
  sdk: Sdk,
  client: Client,
  path: string,
  ids: readonly string[],
  abort: Abort,
): Promise<void> {
  const newest = await newestOf(sdk, client, path, ids, abort);
  if (newest === undefined) return;
  await client.send(
    new sdk.TagResourceCommand({ SecretId: path, Tags: [{ Key: RETIRED_TAG, Value: newest }] }),
    abort,
  );
}

/** Of `ids`, the one created last (the newest version a retirement takes). */
async function newestOf(
  sdk: Sdk,
  client: Client,
  path: string,
  ids: readonly string[],
  abort: Abort,
): Promise<string | undefined> {
  if (ids.length === 0) return undefined;
  const listed = await allPages((token) =>
    client.send(
      new sdk.ListSecretVersionIdsCommand({ SecretId: path, IncludeDeprecated: true, ...token }),
      abort,
    ),
  );
  const taken = new Set(ids);
  const ordered = newestFirst(listed.flatMap((page) => page.Versions ?? []));
  return ordered.find((version) => version.VersionId !== undefined && taken.has(version.VersionId))
    ?.VersionId;
}
