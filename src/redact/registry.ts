import {
  createRedactor,
  encodedForms,
  MIN_MASK_LENGTH,
  maskFor,
  type Redactor,
  type SecretToMask,
} from "./redactor.js";

/**
 * The one list of values this process has read that must never be printed:
 * every secret and `pii: true` value resolved, every value a template read
 * from a secret source, every credential Strongbox sent (Vault tokens, login
 * secrets) or unlocked (store keys, age identities). Everything Strongbox
 * prints as a message (errors, warnings, debug output, `--json` error
 * objects) passes through {@link redactMessage}, which masks every form of
 * every value here. Registering is cheap and idempotent; nothing is ever
 * removed (a value read once may still be quoted by a later error).
 */
const values = new Map<string, string>();
/** Strongbox's own words (variable and environment names): never masked when whole. */
const identifiers = new Set<string>();
/**
 * Strongbox's fixed vocabulary (provider schemes, source kinds, smoke-check
 * kinds): registered by the module that defines each list, as it loads, and
 * never cleared. A value that holds `postgres` (a `postgresql://` URL) must
 * not turn `"kind": "postgres"` into a mask.
 */
// The product's own name stands in its messages ("a credential Strongbox keeps to itself"): a
// credential whose value holds the word (`STRONGBOX_…` canaries, a path) must not mask it.
const vocabulary = new Set<string>(["Strongbox", "strongbox"]);
/** The parts index of every registered value, grown as values are registered. */
const index: Pieces = { grams: new Map(), forms: [] };
/** The whole-form redactor, rebuilt on the next print after a registration. */
let whole: Redactor | undefined;
/** Each registered value's whole forms, for {@link holdsSecret}. */
const formsOf = new Map<string, readonly string[]>();
/**
 * Values registered but not yet in {@link index}, in the
 * order they came: their forms are computed when the registry is first asked
 * (see {@link settle}), so a command that prints nothing does not pay for them.
 */
const pending: Array<readonly [name: string, value: string]> = [];

/**
 * A run this long of consecutive characters of a registered value (or of
 * its base64, hex, URL-encoded or JSON-escaped form) is masked wherever it
 * appears, so a validator's `slice(0, 6)`, a truncated `JSON.parse` excerpt
 * or the start of a base64 encoding does not get through. Six characters:
 * long enough that ordinary words in Strongbox's messages only match a
 * value that holds them (and see commonWord for those), short enough to
 * catch the half of a 12-character password.
 */
export const MIN_SUBSTRING = 6;

/** Values longer than this are masked whole and line by line, not by part (bounded cost). */
const MAX_SUBSTRING_VALUE = 16 * 1024;

/** Records `value` (read for `name`) so no message of this process prints it, in any form. */
export function registerSecret(name: string, value: string): void {
  if (value.length === 0 || values.has(value)) return;
  values.set(value, name);
  // A URL's scheme names a protocol, not a secret: `postgresql:` stays in messages.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1];
  if (scheme !== undefined) vocabulary.add(scheme);
  pending.push([name, value]);
  whole = undefined;
}

/**
 * Indexes the parts of every value registered since the last time, in
 * registration order (the first value's name wins a shared part). Every
 * function that reads {@link index} calls it first, synchronously, so no text is judged against a registry missing a
 * value registered before it.
 */
function settle(): void {
  for (const [name, value] of pending.splice(0)) addToIndex(index, name, value);
}

/** A registered value's whole forms, computed the first time {@link holdsSecret} asks. */
function wholeForms(value: string): readonly string[] {
  let forms = formsOf.get(value);
  if (forms === undefined) {
    forms =
      value.length < MIN_MASK_LENGTH
        ? []
        : encodedForms(value).filter((form) => form.length >= MIN_MASK_LENGTH);
    formsOf.set(value, forms);
  }
  return forms;
}

/** Records every string inside `data` (a secret's fields), under `name`. */
export function registerSecretData(name: string, data: unknown, depth = 0): void {
  if (typeof data === "string") registerSecret(name, data);
  else if (depth < 8 && data !== null && typeof data === "object")
    for (const item of Object.values(data)) registerSecretData(name, item, depth + 1);
}

/**
 * Records names Strongbox prints as its own (variables, environments): a
 * match that is exactly one of them, as a whole word, is not masked, so a
 * secret that happens to contain `DATABASE_URL` does not hide the name.
 */
export function registerIdentifier(name: string): void {
  if (name === "") return;
  identifiers.add(name);
  if (!WORD.test(name)) phrases.add(name);
}

/** What one word of a message is made of; an identifier with anything else (a path) is a phrase. */
const WORD = /^[A-Za-z0-9_.+-]+$/;
/** Identifiers that are not one word (paths Strongbox prints), found by position, not by word. */
const phrases = new Set<string>();

/**
 * Records words of Strongbox's own vocabulary (kinds, schemes, status
 * words): like identifiers, never masked when one stands whole, and kept
 * for the process's lifetime ({@link clearRegistry} leaves them).
 */
export function registerVocabulary(words: Iterable<string>): void {
  for (const word of words) if (word !== "") vocabulary.add(word);
}

/** Words a run standing whole is never masked as; `phrases` are those with more than word characters. */
type Words = Pick<ReadonlySet<string>, "has" | "size"> & { readonly phrases?: Iterable<string> };

/** Identifiers and vocabulary. */
const ownWords: Words = {
  has: (word: string) => identifiers.has(word) || vocabulary.has(word),
  get size() {
    return identifiers.size + vocabulary.size;
  },
  phrases,
};

/** Masks every registered value, in every form and by any long-enough part, in `text`. */
export function redactMessage(text: string): string {
  if (values.size === 0 || text === "") return text;
  settle();
  whole ??= createRedactor(
    [...values].map(([value, name]) => ({ name, value })),
    (masked) => identifierSpans(masked, ownWords),
  );
  return whole.redact(maskPieces(text, index, ownWords));
}

/**
 * Whether `text` holds a registered value: whole in any of its forms, or a
 * part {@link redactMessage} would mask. Asked before every Vault read a
 * template makes with a computed path, while each read registers more
 * values: nothing is rebuilt for it.
 */
export function holdsSecret(text: string): boolean {
  if (values.size === 0) return false;
  settle();
  for (const value of values.keys())
    if (wholeForms(value).some((form) => text.includes(form))) return true;
  return maskPieces(text, index, ownWords) !== text;
}

/**
 * The redactor of every registered value, for streams (`run`'s child
 * output). Its forms are computed on its first use ({@link createRedactor}).
 */
export function registeredRedactor(): Redactor {
  return createRedactor([...values].map(([value, name]) => ({ name, value })));
}

/** Forgets everything registered; for tests that drive the CLI in-process. */
export function clearRegistry(): void {
  values.clear();
  identifiers.clear();
  phrases.clear();
  formsOf.clear();
  pending.length = 0;
  index.grams.clear();
  index.forms.length = 0;
  whole = undefined;
}

/** A redactor for messages: whole forms (as {@link createRedactor}) and long-enough parts. */
export interface MessageRedactor {
  redact(text: string): string;
}

/**
 * The rule {@link redactMessage} applies, for any list of values: every
 * encoded form of each value whole, then every run of at least
 * {@link MIN_SUBSTRING} characters of the value that is part of the value or of its
 * JSON-escaped, URL-encoded, shell-quoted, base64 (8 characters) or hex (12) form. A run that is exactly one of
 * `identifiers`, standing as a whole word, is left alone, and so is a
 * single letters-only word the value shares with the text (see commonWord).
 */
export function messageRedactor(
  secrets: readonly SecretToMask[],
  identifiers: Words = new Set(),
): MessageRedactor {
  const pieces: Pieces = { grams: new Map(), forms: [] };
  for (const { name, value } of secrets) addToIndex(pieces, name, value);
  const redactor = createRedactor(secrets, (text) => identifierSpans(text, identifiers));
  return { redact: (text) => redactor.redact(maskPieces(text, pieces, identifiers)) };
}

function addToIndex(pieces: Pieces, name: string, value: string): void {
  if (value.length < MIN_SUBSTRING || value.length > MAX_SUBSTRING_VALUE) return;
  for (const form of pieceForms(value)) {
    pieces.forms.push(form);
    for (let i = 0; i + MIN_SUBSTRING <= form.text.length; i++) {
      const gram = form.text.slice(i, i + MIN_SUBSTRING);
      if (!pieces.grams.has(gram)) pieces.grams.set(gram, name);
    }
  }
}

interface Pieces {
  /** Every MIN_SUBSTRING-long run of every form, to the name of its value. */
  readonly grams: Map<string, string>;
  /** The forms a run is extended against, each with the shortest part of it that is masked. */
  readonly forms: PieceForm[];
}

interface PieceForm {
  readonly text: string;
  /** Six characters of the value: 6 of the text itself, 8 of base64, 12 of hex. */
  readonly min: number;
}

/**
 * The forms a part of a value is printed in: the value itself, its
 * JSON-escaped, URL-encoded, base64 (a prefix of the value encodes to a
 * prefix of its base64), hex and shell-quoted forms. Case variants are masked whole only
 * (by the redactor): their parts would match ordinary words.
 */
function pieceForms(value: string): PieceForm[] {
  const bytes = Buffer.from(value);
  const plain = (text: string) => ({ text, min: MIN_SUBSTRING });
  // An encoded part counts from as many characters as encode six of the value, so ids and
  // hashes in the output do not match a short run of a secret's hex or base64 by chance.
  const base64 = (text: string) => ({ text, min: Math.ceil((MIN_SUBSTRING * 4) / 3) });
  return [
    plain(value),
    plain(JSON.stringify(value).slice(1, -1)),
    plain(encodeURIComponent(value)),
    plain(value.replaceAll("'", "'\\''")),
    base64(bytes.toString("base64")),
    base64(bytes.toString("base64url")),
    { text: bytes.toString("hex"), min: MIN_SUBSTRING * 2 },
  ];
}

/** Replaces each maximal run of `text` that is a part of a registered form. */
function maskPieces(text: string, pieces: Pieces, identifiers: Words): string {
  if (pieces.grams.size === 0 || text.length < MIN_SUBSTRING) return text;
  const words = identifiers.size === 0 ? [] : identifierSpans(text, identifiers);
  let out = "";
  let copied = 0;
  let i = 0;
  while (i + MIN_SUBSTRING <= text.length) {
    const name = pieces.grams.get(text.slice(i, i + MIN_SUBSTRING));
    if (name === undefined) {
      i++;
      continue;
    }
    let end = i + MIN_SUBSTRING;
    while (
      end < text.length &&
      pieces.forms.some((form) => form.text.includes(text.slice(i, end + 1)))
    )
      end++;
    const run = text.slice(i, end);
    if (!pieces.forms.some((form) => run.length >= form.min && form.text.includes(run))) {
      i++;
      continue;
    }
    // A word of Strongbox's own, or a URL scheme followed by `:` or `://`, standing whole.
    const bareEnd = end - (/:(\/\/)?$/.exec(run)?.[0].length ?? 0);
    if (words.some(([from, to]) => from <= i && bareEnd <= to)) {
      i++;
      continue;
    }
    if (commonWord(text, i, end, pieces.forms)) {
      i = end;
      continue;
    }
    out += `${text.slice(copied, i)}${maskFor(name)}`;
    copied = end;
    i = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * A run of letters only that is a whole word of the value (`secret` when a
 * value is `my-secret-pw7`) is a word the value shares with Strongbox's
 * messages (`secrets`, `the secret is…`), not a fragment cut from it: left
 * alone. A word of the value ends at a character that is not a letter or a
 * digit, so `dbpwCA` and `dbpwCANARY` are fragments of `dbpwCANARY42`, and
 * so is anything with a digit, a symbol or two words; the whole value is
 * always masked.
 */
function commonWord(
  text: string,
  start: number,
  end: number,
  forms: readonly PieceForm[],
): boolean {
  const run = text.slice(start, end);
  if (!/^[A-Za-z]+$/.test(run)) return false;
  // Digits join a word: `dbpwCANARY` is a fragment of `dbpwCANARY42`, not a word of it.
  const letter = (char: string | undefined) => char !== undefined && /[A-Za-z0-9]/.test(char);
  // An escape in an encoded form (`%2F`, `\n`, `\u00e9`) ends the word before it: `postgres`
  // is a word of `postgres://…` in its URL-encoded form `postgres%3A%2F%2Fpostgres` too.
  const escapeBefore = (form: string, at: number) =>
    /(%[0-9A-Fa-f]{2}|\\[bfnrt/"\\]|\\u[0-9A-Fa-f]{4})$/.test(form.slice(Math.max(0, at - 6), at));
  // Every value that holds the run must hold it as a word: a fragment of any one is masked.
  return forms.every(({ text: form }) => {
    for (let at = form.indexOf(run); at >= 0; at = form.indexOf(run, at + 1))
      if ((letter(form[at - 1]) && !escapeBefore(form, at)) || letter(form[at + run.length]))
        return false;
    return true;
  });
}

/** Where a registered identifier stands in `text` as a whole word. */
function identifierSpans(text: string, identifiers: Words): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const match of text.matchAll(/[A-Za-z0-9_.+-]+/g)) {
    const word = match[0];
    // A name followed by punctuation ("DB_URL:", "DB_URL.") is still the name.
    const bare = word.replace(/[.-]+$/, "");
    if (identifiers.has(bare)) spans.push([match.index, match.index + bare.length]);
  }
  const boundary = (char: string | undefined) => char === undefined || !/[A-Za-z0-9_]/.test(char);
  for (const phrase of identifiers.phrases ?? [])
    for (let at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + 1))
      if (boundary(text[at - 1]) && boundary(text[at + phrase.length]))
        spans.push([at, at + phrase.length]);
  return spans;
}
