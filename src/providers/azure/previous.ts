import type { Ref } from "../../refs/ref.js";
import type { ReadContext, ReadResult } from "../provider.js";
import { type AzureSdk, currentVersion, versionsOf } from "./client.js";
import { WORDS } from "./errors.js";
import { splitPath } from "./naming.js";

/**
 * The id of the version before the current one, while it is still readable:
 * a rotation's previous value during its overlap. Undefined when the secret
 * was never rotated or that version is retired (disabled): a finished
 * rotation has no previous value, even if an older version is still enabled.
 * Versions are ordered by creation time, which Key Vault keeps to the second.
 */
export async function previousVersionId(
  sdk: AzureSdk,
  ctx: ReadContext,
  vault: string,
  secret: string,
): Promise<string | undefined> {
  const [versions, current] = await Promise.all([
    versionsOf(sdk, ctx, vault, secret),
    currentVersion(sdk, ctx, vault, secret),
  ]);
  const at = versions.findIndex((version) => version.version === current);
  const before = at > 0 ? versions[at - 1] : undefined;
  return before === undefined || before.enabled === false ? undefined : before.version;
}

/**
 * Each ref as it is read: `?version=previous` becomes the previous version's
 * id, or, when there is none, the result to give (absent) instead of a read.
 */
export async function withPreviousIds(
  sdk: AzureSdk,
  refs: readonly Ref[],
  ctx: ReadContext,
): Promise<Map<Ref, Ref | ReadResult>> {
  return new Map(
    await Promise.all(
      refs.map(async (ref): Promise<[Ref, Ref | ReadResult]> => {
        if (ref.params.version !== "previous") return [ref, ref];
        const { vault, secret } = splitPath(ref.path, ref.path);
        const id = await previousVersionId(sdk, ctx, vault, secret);
        return [
          ref,
          id === undefined
            ? {
                status: "absent",
                detail: `no previous version of ${secret} in ${WORDS} ${vault} (never rotated, or retired)`,
              }
            : { ...ref, params: { version: id } },
        ];
      }),
    ),
  );
}
