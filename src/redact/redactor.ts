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
 * The forms are computed the first time the redactor is used (`redact`, or
 * `patterns` read), synchronously, so a command that prints nothing pays
 * nothing and the first text masked is masked in every form. The list is
 * the one given now: values passed later are not added.
 */
export function createRedactor(
  secrets: readonly SecretToMask[],
  ownSpans: OwnSpans = () => [],
): Redactor {
  const list = secrets.map(({ name, value }) => ({ name, value }));
  const tooShort = list.flatMap(({ name, value }) =>
    value.length > 0 && value.length < MIN_MASK_LENGTH ? [name] : [],
  );
  let built: MaskForms | undefined;
  const forms = () => {
    built ??= maskForms(list);
    return built;
  };
  return {
    get patterns() {
      return forms().patterns;
    },
    tooShort,
    redact(text) {
      return maskWhole(text, forms().masks, ownSpans(text));
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
  masks: ReadonlyArray<readonly [string, string]>,
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

interface MaskForms {
  /** Each form and its mask, longest form first. */
  readonly masks: ReadonlyArray<readonly [string, string]>;
  readonly patterns: Redactor["patterns"];
}

/** Every whole form of every value long enough to mask, longest first (the first value's name wins a shared form). */
function maskForms(secrets: readonly SecretToMask[]): MaskForms {
  const byForm = new Map<string, string>();
  for (const { name, value } of secrets) {
    if (value.length < MIN_MASK_LENGTH) continue;
    for (const form of encodedForms(value)) {
      if (form.length >= MIN_MASK_LENGTH && !byForm.has(form)) byForm.set(form, name);
    }
  }
  const masks = [...byForm]
    .sort(([a], [b]) => b.length - a.length)
    .map(([form, name]) => [form, maskFor(name)] as const);
  // As bytes only for a stream (run's child output): a message redactor never needs them.
  let patterns: Redactor["patterns"] | undefined;
  return {
    masks,
    get patterns() {
      patterns ??= masks.map(([form, mask]) => ({
        bytes: Buffer.from(form),
        mask: Buffer.from(mask),
      }));
      return patterns;
    },
  };
}

/** The text that stands in for a masked secret. Names are not secret; they help debugging. */
export function maskFor(name: string): string {
  return `<redacted:${name}>`;
}

/** Base64 runs shorter than this inside a longer encoding are not masked: too many false hits. */
const MIN_EMBEDDED_BASE64 = 8;

/** Every form of `value` the redactor masks whole. */
export function encodedForms(value: string): string[] {
  const buffer = Buffer.from(value);
  const forms = [
    value,
    value.toUpperCase(),
    value.toLowerCase(),
    buffer.toString("base64"),
    buffer.toString("base64").replace(/=+$/, ""),
    buffer.toString("base64url"),
    buffer.toString("hex"),
    buffer.toString("hex").toUpperCase(),
    ...percentEncodings(buffer),
    ...jsonEncodings(value),
    // Inside POSIX single quotes (`export`'s shell and direnv formats): ' becomes '\''.
    value.replaceAll("'", "'\\''"),
    ...embeddedBase64(buffer),
    ...wrappedBase64(buffer),
  ];
  if (/\r?\n/.test(value)) forms.push(...value.split(/\r?\n/).map((line) => line.trim()));
  return [...new Set(forms)];
}

/**
 * The characters each common percent-encoder leaves as they are (letters and
 * digits always): JavaScript's `encodeURIComponent`, RFC 3986's unreserved set
 * (Python's `quote(s, safe="")`, `quote_plus`, `urlencode`, Go's `QueryEscape`),
 * Python's `quote` default (`/` kept), and the WHATWG form encoder
 * (`URLSearchParams`, HTML forms).
 */
const PERCENT_SAFE = ["-_.!~*'()", "-_.~", "-_.~/", "-_.*"];

/**
 * The value percent-encoded by each encoder of {@link PERCENT_SAFE}, with
 * upper- and lower-case hex digits (`%2F`, `%2f`), and with a space as `%20`
 * or `+` (form encoding).
 */
function percentEncodings(bytes: Buffer): string[] {
  // Most secrets (tokens, keys, generated passwords of letters and digits) are made only of
  // bytes every encoder keeps: all sixteen encodings are then the value itself.
  let keptByAll = true;
  for (let i = 0; i < bytes.length && keptByAll; i++)
    keptByAll = PERCENT_KEPT_BY_ALL[bytes[i] as number] === 1;
  if (keptByAll) return [bytes.toString("latin1")];
  const forms = new Set<string>();
  for (const keeps of PERCENT_KEEPS)
    for (const hex of [PERCENT_UPPER, PERCENT_LOWER])
      for (const space of ["%20", "+"]) {
        let out = "";
        // An index, not for…of: a Buffer's iterator is slow before the JIT warms up (Bun's above all).
        for (let i = 0; i < bytes.length; i++) {
          const byte = bytes[i] as number;
          out += keeps[byte] === 1 ? String.fromCharCode(byte) : byte === 0x20 ? space : hex[byte];
        }
        forms.add(out);
      }
  return [...forms];
}

/**
 * Per byte, whether each encoder of {@link PERCENT_SAFE} keeps it (1) or escapes it, and each
 * byte's escape in both cases of hex: tables built once, since every secret of every start is
 * encoded sixteen ways, and a test per character per way was a measurable share of `run`.
 */
const PERCENT_KEEPS: readonly Uint8Array[] = PERCENT_SAFE.map((safe) => {
  const keeps = new Uint8Array(256);
  for (const [from, to] of ["09", "AZ", "az"])
    keeps.fill(1, (from as string).charCodeAt(0), (to as string).charCodeAt(0) + 1);
  for (const char of safe) keeps[char.charCodeAt(0)] = 1;
  return keeps;
});
/** The bytes every encoder keeps as they are. */
const PERCENT_KEPT_BY_ALL = PERCENT_KEEPS.reduce((all, keeps) =>
  all.map((kept, byte) => kept & (keeps[byte] as number)),
);
const PERCENT_UPPER = Array.from(
  { length: 256 },
  (_, byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
);
const PERCENT_LOWER = Array.from(
  { length: 256 },
  (_, byte) => `%${byte.toString(16).padStart(2, "0")}`,
);

/**
 * The value as a JSON string's inside, as the common serializers write it:
 * JavaScript's (UTF-8 kept), Python's `json.dumps` (`\uXXXX` for anything not
 * ASCII, lower-case hex; upper-case from others), and each of them with `/`
 * escaped as `\/` (PHP's `json_encode`).
 */
function jsonEncodings(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  const ascii = (upper: boolean) =>
    plain.replace(/[^ -~\u007f]/g, (char) => {
      const hex = (char.charCodeAt(0) as number).toString(16).padStart(4, "0");
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    });
  const forms = [plain, ascii(false), ascii(true)];
  return [...new Set([...forms, ...forms.map((form) => form.replaceAll("/", "\\/"))])];
}

/**
 * The lines of the value's base64 wrapped as MIME (76 characters a line,
 * Python's `base64.encodebytes`, e-mail) and PEM/OpenSSL (64) wrap it: the
 * whole encoding never appears on one line, each line of it does.
 */
function wrappedBase64(bytes: Buffer): string[] {
  const encoded = bytes.toString("base64");
  const lines: string[] = [];
  for (const width of [64, 76])
    if (encoded.length > width)
      for (let at = 0; at < encoded.length; at += width) {
        const line = encoded.slice(at, at + width);
        if (line.replace(/=+$/, "").length >= MIN_EMBEDDED_BASE64) lines.push(line);
      }
  return lines;
}

/**
 * The secret base64-encoded as part of something longer, as in HTTP Basic
 * auth (`base64("user:" + secret)`): its encoding then depends on where it
 * starts modulo 3. For each of the three offsets this keeps the characters
 * that only the secret's bytes determine (dropping the groups it shares with
 * its neighbours), so the middle of the encoded secret is masked whatever
 * surrounds it.
 */
function embeddedBase64(secret: Buffer): string[] {
  const forms: string[] = [];
  for (const offset of [1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), secret]).toString("base64");
    const end = Math.floor((offset + secret.length) / 3) * 4;
    for (const text of [
      encoded,
      Buffer.concat([Buffer.alloc(offset), secret]).toString("base64url"),
    ]) {
      const core = text.slice(4, end);
      if (core.length >= MIN_EMBEDDED_BASE64) forms.push(core);
    }
  }
  const whole = Math.floor(secret.length / 3) * 4;
  const aligned = secret.toString("base64").slice(0, whole);
  if (aligned.length >= MIN_EMBEDDED_BASE64) forms.push(aligned);
  return forms;
}
