import { formFamilies } from "./forms.js";

export { encodedForms } from "./forms.js";

/** A secret the redactor should mask, with the name shown in its place. */
export interface SecretToMask {
  readonly name: string;
  readonly value: string;
}

export interface Redactor {
  /** Masks every known secret (and its encoded forms) in `text`. */
  redact(text: string): string;
  /** The byte patterns to mask, longest first, for stream masking. */
  readonly patterns: ReadonlyArray<{ readonly bytes: Buffer; readonly mask: Buffer }>;
  /** Secrets too short to mask without wrecking unrelated output. */
  readonly tooShort: readonly string[];
}

/**
 * The values output masking hides: those of secrets and of `pii: true`
 * variables. `run`, the CLI's own messages and the `strongbox/redact`
 * log redactor all mask this same set.
 */
export function maskedValues(
  entries: ReadonlyArray<{
    readonly name: string;
    readonly secret: boolean;
    readonly pii?: boolean;
    readonly raw?: string;
  }>,
): SecretToMask[] {
  return entries.flatMap((entry) =>
    (entry.secret || entry.pii === true) && entry.raw !== undefined
      ? [{ name: entry.name, value: entry.raw }]
      : [],
  );
}

/** Secrets shorter than this are not masked: masking `on` or `42` would wreck every log and reveal the value. */
export const MIN_MASK_LENGTH = 4;

/**
 * Builds a redactor that knows `secrets`. Besides each value it masks each line of
 * a multi-line value, its upper- and lower-cased forms, and its base64,
 * base64url, hex, URL-encoded, JSON-escaped and shell-quoted forms, base64 inside a longer
 * encoding (Basic auth) included, since a secret is often printed transformed.
 *
 * The forms are computed when the redactor is used (`redact`, or `patterns`
 * read), synchronously, and only as far as the text needs: a text of length L
 * can hold no form longer than L, so `redact` builds the families of forms
 * whose length bound ({@link formFamilies}) is at most L, and the first text
 * masked is masked in every form it can hold. A command that prints nothing
 * pays nothing, and `run`'s short start line does not pay for the base64, hex
 * and percent-encodings of every secret. The list is the one given now:
 * values passed later are not added.
 */
export function createRedactor(
  secrets: readonly SecretToMask[],
  ownSpans: OwnSpans = () => [],
): Redactor {
  const list = secrets.map(({ name, value }) => ({ name, value }));
  const tooShort = list.flatMap(({ name, value }) =>
    value.length > 0 && value.length < MIN_MASK_LENGTH ? [name] : [],
  );
  let forms: LazyForms | undefined;
  const upTo = (length: number) => {
    forms ??= lazyForms(list);
    return forms(length);
  };
  let patterns: Redactor["patterns"] | undefined;
  return {
    get patterns() {
      // As bytes only for a stream (run's child output): a message redactor never needs them.
      patterns ??= upTo(Number.POSITIVE_INFINITY).map(([form, mask]) => ({
        bytes: Buffer.from(form),
        mask: Buffer.from(mask),
      }));
      return patterns;
    },
    tooShort,
    redact(text) {
      return maskWhole(text, upTo(text.length), ownSpans(text));
    },
  };
}

/**
 * Where Strongbox's own identifiers (declared variable and environment
 * names, paths it prints) stand whole in a text, as `[start, end)` spans.
 */
export type OwnSpans = (text: string) => ReadonlyArray<readonly [number, number]>;

/**
 * Replaces each occurrence of each form (longest first, never overlapping
 * one already masked) by its mask, except an occurrence that is a proper
 * part of one of `spans`: a short value equal to part of a variable name
 * must not turn `GRAFANA_PASSWORD` into `<redacted:X>_PASSWORD`. A value
 * equal to a whole identifier, or reaching past one, is masked: only the
 * name's own letters are spared, never a token that is all value.
 */
function maskWhole(
  text: string,
  masks: Masks,
  spans: ReadonlyArray<readonly [number, number]>,
): string {
  const taken = new Uint8Array(text.length);
  const hits: Array<readonly [number, number, string]> = [];
  const spared = (start: number, end: number) =>
    spans.some(([from, to]) => from <= start && end <= to && to - from > end - start);
  for (const [form, mask] of masks)
    for (let at = text.indexOf(form); at >= 0; ) {
      const end = at + form.length;
      if (taken[at] === 0 && taken[end - 1] === 0 && !spared(at, end)) {
        taken.fill(1, at, end);
        hits.push([at, end, mask]);
        at = text.indexOf(form, end);
      } else at = text.indexOf(form, at + 1);
    }
  if (hits.length === 0) return text;
  hits.sort(([a], [b]) => a - b);
  let out = "";
  let copied = 0;
  for (const [start, end, mask] of hits) {
    out += text.slice(copied, start) + mask;
    copied = end;
  }
  return out + text.slice(copied);
}

/** Each form and its mask, longest form first. */
type Masks = ReadonlyArray<readonly [string, string]>;

/**
 * The masks of every form that could fit in a text of the given length (and
 * maybe longer ones): the same forms, names and order the whole list has, for
 * any form that fits, so a text is masked exactly as with every form built.
 */
type LazyForms = (length: number) => Masks;

/** A built form and where the whole list would have it: value, family, place in the family. */
interface Built {
  readonly form: string;
  readonly name: string;
  readonly at: readonly [number, number, number];
}

/**
 * Every whole form of every value long enough to mask, longest first; of two
 * forms of one length, the one met first (by value, then by its place in
 * {@link encodedForms}) comes first, and a form shared by two values is masked
 * with the first value's name. A family is built once a text reaches its
 * bound: a form of length ℓ ≤ L is in families whose bound is ≤ ℓ, all built,
 * so its first place and name are final for every text of length ≤ L.
 */
function lazyForms(secrets: readonly SecretToMask[]): LazyForms {
  const waiting = secrets
    .flatMap(({ name, value }, v) =>
      value.length < MIN_MASK_LENGTH
        ? []
        : formFamilies(value).map((family, f) => ({ name, family, v, f })),
    )
    .sort((a, b) => a.family.min - b.family.min);
  const built: Built[] = [];
  let next = 0;
  let reach = -1;
  let masks: Masks = [];
  return (length) => {
    if (length <= reach) return masks;
    reach = length;
    let added = false;
    for (; next < waiting.length && (waiting[next]?.family.min ?? 0) <= length; next++) {
      const { name, family, v, f } = waiting[next] as (typeof waiting)[number];
      family.forms().forEach((form, i) => {
        if (form.length >= MIN_MASK_LENGTH) built.push({ form, name, at: [v, f, i] });
      });
      added = true;
    }
    if (added) masks = orderMasks(built);
    return masks;
  };
}

/** Each distinct form once, at its first place, longest first (see lazyForms). */
function orderMasks(built: readonly Built[]): Masks {
  const first = new Map<string, Built>();
  for (const entry of built) {
    const seen = first.get(entry.form);
    if (seen === undefined || before(entry.at, seen.at)) first.set(entry.form, entry);
  }
  return [...first.values()]
    .sort((a, b) => b.form.length - a.form.length || (before(a.at, b.at) ? -1 : 1))
    .map(({ form, name }) => [form, maskFor(name)] as const);
}

function before(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return false;
}

/** The text that stands in for a masked secret. Names are not secret; they help debugging. */
export function maskFor(name: string): string {
  return `<redacted:${name}>`;
}
