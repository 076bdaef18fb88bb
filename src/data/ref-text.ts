import { StrongboxError } from "../errors.js";

/** A secret reference as it sits in a row: `<scheme>:<path>`. */
export interface DataRef {
  readonly scheme: string;
  readonly path: string;
  /** The id the path was made from. */
  readonly id: string;
}

/**
 * What an id may hold: it becomes one path segment (base64url and hex keys
 * fit), and no backend may read the path as another address. So ASCII letters,
 * digits and `_ = + @ - .` only (never first `.`): no `/` or `..` (a Vault or
 * store path elsewhere), no `:` (an AWS ARN or partial ARN, which Secrets
 * Manager and SSM take in place of a name), no `%` (an encoded one), no
 * non-ASCII lookalike. Templates hold none of these either, so neither does a
 * path made from both.
 */
const ID = /^[A-Za-z0-9_=+@-][A-Za-z0-9_.=+@-]{0,199}$/;

/**
 * A path template with one `{id}`: `wireguard/servers/{id}/private-key`. The
 * template is fixed by the application; only the id comes from data.
 */
export class PathTemplate {
  readonly #before: string;
  readonly #after: string;

  constructor(readonly template: string) {
    const parts = template.split("{id}");
    const segments = template.split("/");
    if (
      parts.length !== 2 ||
      template.startsWith("/") ||
      segments.some((segment) => segment === "" || segment === "." || segment === "..") ||
      !/^[A-Za-z0-9_.{}/-]+$/.test(template)
    )
      throw new StrongboxError("E_DATA_REF", `path template "${template}" is not usable`, {
        hint: 'give a relative path with exactly one {id}, such as "wireguard/servers/{id}/private-key"',
      });
    [this.#before, this.#after] = parts as [string, string];
  }

  /** The path of `id`; throws `E_DATA_REF` for an id that is not one path segment. */
  pathOf(id: string): string {
    if (typeof id !== "string" || !ID.test(id))
      throw new StrongboxError("E_DATA_REF", `"${printable(id)}" cannot be a secret id`, {
        hint: "ids are one path segment: ASCII letters, digits and _ = + @ - . (encode binary keys as base64url; no : or /)",
      });
    return `${this.#before}${id}${this.#after}`;
  }

  /** The id of `path`, or undefined when the path is not one this template makes. */
  idOf(path: string): string | undefined {
    if (!path.startsWith(this.#before) || !path.endsWith(this.#after)) return undefined;
    const id = path.slice(this.#before.length, path.length - this.#after.length);
    return ID.test(id) ? id : undefined;
  }
}

/**
 * Parses a ref read from a row, checking it against the template: a row
 * cannot point a reader at any path outside the configured prefix (another
 * service's secret, `../`), whatever it holds.
 */
export function parseDataRef(
  text: unknown,
  template: PathTemplate,
  schemes: readonly string[],
): DataRef {
  if (typeof text !== "string" || text.length > 2048)
    throw refused("the row does not hold a secret reference");
  const colon = text.indexOf(":");
  const scheme = text.slice(0, colon);
  if (colon <= 0 || !schemes.includes(scheme))
    // Nothing from the row is quoted: a row may hold a plaintext secret by mistake.
    throw refused(
      `the row holds something other than a reference this reader takes (${schemes.map((s) => `${s}:`).join(", ")})`,
    );
  const path = text.slice(colon + 1);
  if (scheme === "enc") return { scheme, path, id: "" };
  const id = template.idOf(path);
  if (id === undefined) throw refused(`the row's reference points outside ${template.template}`);
  return { scheme, path, id };
}

function refused(why: string): StrongboxError {
  return new StrongboxError("E_DATA_REF", why, {
    hint: "rows hold references this application wrote; a changed row is refused rather than followed",
  });
}

/** An id or scheme for a message: printable, short, and never more than a fragment of the row. */
function printable(text: unknown): string {
  return String(text)
    .slice(0, 40)
    .replace(/[^\x20-\x7e]/g, "?");
}
