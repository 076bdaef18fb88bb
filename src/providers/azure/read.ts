import { StrongboxError } from "../../errors.js";
import type { Ref } from "../../refs/ref.js";
import type { ReadContext, ReadResult } from "../provider.js";
import {
  type AzureClient,
  type AzureSdk,
  clientsFor,
  deletedOn,
  manyListeners,
  throttled,
} from "./client.js";
import { azureError, statusOf, WORDS } from "./errors.js";
import { splitPath } from "./naming.js";

/** Gets in flight at once per read: Key Vault has no batch get, so a batch is concurrent gets. */
const CONCURRENCY = 16;

/** One distinct secret a batch reads. */
interface Wanted {
  readonly vault: string;
  readonly secret: string;
  readonly version?: string;
}

/** How one batch reaches Key Vault: a client per vault, and the caller's deadline. */
interface Batch {
  readonly client: (vault: string) => AzureClient;
  readonly abort: { abortSignal?: AbortSignal };
  readonly signal: AbortSignal | undefined;
}

/**
 * Reads a batch of refs: one get per distinct (vault, secret, version),
 * whatever the number of refs, 16 at a time under the caller's deadline.
 */
export async function readSecrets(
  sdk: AzureSdk,
  refs: readonly Ref[],
  ctx: ReadContext,
): Promise<Map<Ref, ReadResult>> {
  const batch: Batch = {
    client: clientsFor(sdk, ctx),
    abort: ctx.signal === undefined ? {} : { abortSignal: manyListeners(ctx.signal) },
    signal: ctx.signal,
  };
  const wanted = new Map<string, Wanted>();
  const keys = new Map(refs.map((ref) => [ref, wantedKey(wanted, ref)] as const));
  const outcomes = new Map<string, ReadResult>();
  await inParallel([...wanted], CONCURRENCY, async ([key, item]) => {
    outcomes.set(key, await readOne(batch, item));
  });
  return new Map(refs.map((ref) => [ref, outcomes.get(keys.get(ref) as string) as ReadResult]));
}

/** Adds what a ref reads to `wanted`; its key there. */
function wantedKey(wanted: Map<string, Wanted>, ref: Ref): string {
  const { vault, secret } = splitPath(ref.path, ref.path);
  const version = ref.params.version;
  const key = `${vault.toLowerCase()}/${secret}/${version ?? ""}`;
  wanted.set(key, version === undefined ? { vault, secret } : { vault, secret, version });
  return key;
}

/** One get: found, absent, soft-deleted (an error saying so), or the SDK's error. */
async function readOne(batch: Batch, item: Wanted): Promise<ReadResult> {
  const { vault, secret, version } = item;
  const where = `${secret} in ${WORDS} ${vault}${version === undefined ? "" : ` (version ${version})`}`;
  try {
    const found = await throttled(
      () =>
        batch.client(vault).getSecret(secret, { ...batch.abort, ...(version ? { version } : {}) }),
      batch.signal,
    );
    return { status: "found", fetched: { value: found.value ?? "" } };
  } catch (error) {
    if (statusOf(error) !== 404) return { status: "error", error: azureError(error, where) };
    const deleted =
      version === undefined ? await deletedOn(batch.client(vault), secret) : undefined;
    return deleted === undefined
      ? {
          status: "absent",
          detail: `no secret ${where}`,
          hint: `create it with \`strongbox set NAME --to azure-kv://${vault}/${secret}\``,
        }
      : {
          status: "error",
          error: new StrongboxError(
            "E_PROVIDER",
            `the secret ${where} was deleted${deleted}; it can be recovered until it is purged`,
            {
              hint: `recover it (\`az keyvault secret recover --vault-name ${vault} --name ${secret}\`) or point the variable at another secret`,
            },
          ),
        };
  }
}

/**
 * Runs `work` over `items`, at most `limit` at a time, the first one alone:
 * a new client's first request meets Key Vault's bearer challenge, and
 * requests sent before the token is cached would each meet it again.
 */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  if (items.length === 0) return;
  await work(items[0] as T);
  let next = 1;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
