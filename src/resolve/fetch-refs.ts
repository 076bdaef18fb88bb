import { type Issue, issue, StrongboxError } from "../errors.js";
import type { Fetched, ReadContext, ReadResult } from "../providers/provider.js";
import { providerFor } from "../providers/registry.js";
import type { Ref } from "../refs/ref.js";
import type { SourceKind } from "../schema/types.js";

/** A reference some variable's winning candidate points at. */
export interface PendingRef {
  readonly variable: string;
  readonly ref: Ref;
}

export type RefOutcome =
  | { readonly ok: true; readonly fetched: Fetched; readonly kind: SourceKind }
  | {
      readonly ok: false;
      readonly kind: SourceKind | undefined;
      readonly issue: Issue;
      readonly absent: boolean;
    };

/**
 * Reads every pending reference: one batch per scheme, all schemes in parallel,
 * under one deadline. Each variable gets its own outcome; a provider that fails
 * as a whole fails each of its refs with the same, value-free problem.
 */
export async function fetchRefs(
  pending: readonly PendingRef[],
  ctx: ReadContext,
): Promise<Map<PendingRef, RefOutcome>> {
  const byScheme = new Map<string, PendingRef[]>();
  for (const item of pending) {
    const list = byScheme.get(item.ref.scheme) ?? [];
    list.push(item);
    byScheme.set(item.ref.scheme, list);
  }
  const outcomes = new Map<PendingRef, RefOutcome>();
  await Promise.all(
    [...byScheme].map(async ([scheme, items]) => {
      const definition = providerFor(scheme);
      try {
        if (definition === undefined)
          throw new StrongboxError("E_REF", `unknown reference scheme "${scheme}://"`);
        const provider = await definition.create();
        const results = await provider.read(
          items.map((item) => item.ref),
          ctx,
        );
        for (const item of items)
          outcomes.set(item, toOutcome(item, results.get(item.ref), definition.kind));
      } catch (error) {
        for (const item of items) outcomes.set(item, failure(item, error, definition?.kind));
      }
    }),
  );
  return outcomes;
}

/** One ref's batch result as the resolver sees it. */
export function toOutcome(
  item: PendingRef,
  result: ReadResult | undefined,
  kind: SourceKind,
): RefOutcome {
  if (result?.status === "found") return { ok: true, fetched: result.fetched, kind };
  if (result?.status === "error") return failure(item, result.error, kind);
  const detail = result?.detail ?? "the provider returned nothing for it";
  return {
    ok: false,
    kind,
    absent: true,
    issue: issue(
      "E_MISSING",
      `${item.variable}: ${item.ref.scheme}:// reference not found: ${detail}`,
      {
        variable: item.variable,
        hint:
          (result?.status === "absent" ? result.hint : undefined) ??
          `create it in the ${item.ref.scheme} source, or point the reference elsewhere`,
      },
    ),
  };
}

function failure(item: PendingRef, error: unknown, kind: SourceKind | undefined): RefOutcome {
  const known = error instanceof StrongboxError;
  const code = known ? error.code : "E_PROVIDER";
  const message = known ? error.message : `the ${item.ref.scheme} provider failed`;
  return {
    ok: false,
    kind,
    absent: false,
    issue: issue(code, `${item.variable}: ${message}`, {
      variable: item.variable,
      hint: known ? error.hint : undefined,
    }),
  };
}
