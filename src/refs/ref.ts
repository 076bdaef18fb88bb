import { StrongboxError } from "../errors.js";

/**
 * A pointer to a value in a source, such as `vault://secret/app#DB_PASSWORD`.
 * This module holds the one grammar, parser and formatter (see `docs/references.md`);
 * what a scheme accepts beyond the grammar is checked by its provider.
 */
export interface Ref {
  readonly scheme: string;
  /** The percent-decoded path after `scheme://`. */
  readonly path: string;
  /** The percent-decoded part after `#`, when present. */
  readonly key?: string;
  /** Query parameters after `?`, in the order written. */
  readonly params: Readonly<Record<string, string>>;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//;
const PATH_SAFE = /[A-Za-z0-9_.~/{}:@!$'()*+,;=-]/;
const KEY_SAFE = /[A-Za-z0-9_.~-]/;
const PARAM_NAME = /^[a-z][a-z0-9_]*$/;

/** The scheme of `text` when it starts like a reference (`name://`), else undefined. */
export function refScheme(text: string): string | undefined {
  return SCHEME.exec(text)?.[1];
}

/**
 * Parses a reference. Throws `E_REF` naming `context` (usually the variable)
 * when the text breaks the grammar. The text is never echoed: a malformed
 * "reference" might be a secret pasted in the wrong place.
 */
export function parseRef(text: string, context = "reference"): Ref {
  const scheme = refScheme(text);
  if (scheme === undefined) {
    throw refError(context, "it must start with a scheme and ://, such as vault:// or store://");
  }
  let rest = text.slice(scheme.length + 3);
  let key: string | undefined;
  // Parameters may stand after the path or after the key (`path#KEY?version=2`,
  // the form people write); a literal `?` in a path or key is percent-encoded.
  let query: string | undefined;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    let fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
    const keyQuestion = fragment.indexOf("?");
    if (keyQuestion >= 0) {
      query = fragment.slice(keyQuestion + 1);
      fragment = fragment.slice(0, keyQuestion);
    }
    key = decode(fragment, context, "key");
  }
  const question = rest.indexOf("?");
  if (question >= 0) {
    if (query !== undefined)
      throw refError(context, "parameters may stand after the path or after the key, not both");
    query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  const params =
    query === undefined
      ? (Object.create(null) as Record<string, string>)
      : parseParams(query, context);
  const path = decode(rest, context, "path");
  if (path === "") throw refError(context, `the path after "${scheme}://" is empty`);
  return key === undefined ? { scheme, path, params } : { scheme, path, key, params };
}

/** Formats a reference in canonical form (`scheme://path#key?params`); `parseRef(formatRef(r))` equals `r`. */
export function formatRef(ref: Ref): string {
  let text = `${ref.scheme}://${encode(ref.path, PATH_SAFE)}`;
  if (ref.key !== undefined) text += `#${encode(ref.key, KEY_SAFE)}`;
  const params = Object.entries(ref.params);
  if (params.length > 0) {
    text += `?${params.map(([name, value]) => `${name}=${encode(value, KEY_SAFE)}`).join("&")}`;
  }
  return text;
}

function parseParams(query: string, context: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!PARAM_NAME.test(name)) throw refError(context, "a query parameter name is malformed");
    if (name in params) throw refError(context, `the query parameter "${name}" is repeated`);
    params[name] = eq < 0 ? "" : decode(pair.slice(eq + 1), context, `parameter "${name}"`);
  }
  return params;
}

function decode(text: string, context: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw refError(context, `its ${part} has a malformed %-escape`);
  }
}

function encode(text: string, safe: RegExp): string {
  let out = "";
  for (const char of text) {
    out += safe.test(char) ? char : encodeURIComponent(char).replace(/[!'()*]/g, escapeChar);
  }
  return out;
}

function escapeChar(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase()}`;
}

/** The error every malformed reference raises, naming where it was written. */
export function refError(context: string, why: string, hint?: string): StrongboxError {
  return new StrongboxError("E_REF", `${context}: malformed reference: ${why}`, {
    variable: context,
    hint: hint ?? "see docs/references.md for the reference grammar",
  });
}
