/**
 * The forms the redactor masks a value in, grouped in families, each with a
 * lower bound on the length of its forms that costs nothing to know.
 *
 * Why the bounds: a text can hold a form only if the form is no longer than
 * the text, so a short message (`run`'s start line) needs only the families
 * whose bound it reaches, not the sixteen percent-encodings, the base64 and
 * the hex of every secret (see createRedactor). Each bound is a floor, never
 * an estimate: test/unit/redact-bound.test.ts checks it against every form of
 * generated values of every kind.
 */
/** Base64 runs shorter than this inside a longer encoding are not masked: too many false hits. */
export const MIN_EMBEDDED_BASE64 = 8;

/** Forms of one kind, computed only when asked; none of them is shorter than `min`. */
export interface FormFamily {
  readonly min: number;
  readonly forms: () => readonly string[];
}

/** Every form of `value` the redactor masks whole, in this order, duplicates kept out. */
export function encodedForms(value: string): string[] {
  return [...new Set(formFamilies(value).flatMap((family) => family.forms()))];
}

/**
 * The families of {@link encodedForms}, in its order. With `n` the value's
 * UTF-8 length (never less than its length in UTF-16 units: a character of
 * one unit is 1 to 3 bytes, a pair of two is 4, a lone surrogate 3):
 * base64 is at least ⌈4n/3⌉ long, hex 2n, a percent-encoding n (a byte is
 * itself, `+` or `%XX`), the JSON and shell forms the value's length (an
 * escape only lengthens). Shorter than the value: the case forms (`ß`, `İ`
 * change length, so they are computed, not bounded), the lines of a
 * multi-line value (computed), the cores of base64 inside a longer encoding
 * (each at least ⌊(n+1)/3⌋·4 − 4 and never kept under 8) and the lines of
 * wrapped base64 (never kept under 8, and only when the encoding is longer than a line).
 */
export function formFamilies(value: string): FormFamily[] {
  const n = Buffer.byteLength(value);
  let buffer: Buffer | undefined;
  const bytes = () => {
    buffer ??= Buffer.from(value);
    return buffer;
  };
  const cases = [value, value.toUpperCase(), value.toLowerCase()];
  const families: FormFamily[] = [
    { min: Math.min(...cases.map((form) => form.length)), forms: () => cases },
    {
      min: Math.ceil((4 * n) / 3),
      forms: () => {
        const base64 = bytes().toString("base64");
        return [base64, base64.replace(/=+$/, ""), bytes().toString("base64url")];
      },
    },
    {
      min: 2 * n,
      forms: () => {
        const hex = bytes().toString("hex");
        return [hex, hex.toUpperCase()];
      },
    },
    { min: n, forms: () => percentEncodings(bytes()) },
    { min: value.length, forms: () => jsonEncodings(value) },
    // Inside POSIX single quotes (`export`'s shell and direnv formats): ' becomes '\''.
    { min: value.length, forms: () => [value.replaceAll("'", "'\\''")] },
    {
      min: Math.max(MIN_EMBEDDED_BASE64, Math.floor((n + 1) / 3) * 4 - 4),
      forms: () => embeddedBase64(bytes()),
    },
    {
      min: Math.ceil(n / 3) * 4 > WRAP_WIDTHS[0] ? MIN_EMBEDDED_BASE64 : Number.POSITIVE_INFINITY,
      forms: () => wrappedBase64(bytes()),
    },
  ];
  if (/\r?\n/.test(value)) {
    const lines = value.split(/\r?\n/).map((line) => line.trim());
    families.push({ min: Math.min(...lines.map((line) => line.length)), forms: () => lines });
  }
  return families;
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
/** PEM/OpenSSL, then MIME: the narrower first. */
const WRAP_WIDTHS = [64, 76] as const;

function wrappedBase64(bytes: Buffer): string[] {
  const encoded = bytes.toString("base64");
  const lines: string[] = [];
  for (const width of WRAP_WIDTHS)
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
