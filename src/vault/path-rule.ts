import { type ErrorCode, StrongboxError } from "../errors.js";

/**
 * The one rule for a Vault path read or written on behalf of a reference
 * (`vault://…` in a schema, a `.env`, the environment, a template's `ref`) or
 * of a template (`secret`, `secrets`). Both reach Vault through it: the KV
 * operations of the client (`VaultClient#kvPath`, refs) and the template
 * source (`secret`/`secrets`).
 *
 * Never reached, whatever the token may do:
 * - `auth/`: every auth method: logins return tokens, `token/create` mints
 *   them, `token/lookup-self` returns the token itself, AppRole's
 *   `secret-id` mints login material;
 * - `sys/`: server configuration, and `wrapping/` (wrap, unwrap, rewrap)
 *   hands out tokens and wrapped credentials, `generate-root` a root token;
 * - `cubbyhole/`: the token's private storage, where wrapped responses wait;
 * - `identity/`: entities and groups, and `oidc/token` mints a signed
 *   identity token for the token's own entity;
 * - a path whose spelling the URL or Vault would rewrite;
 * - the same backends under a namespace (`ns1/auth/…`), decided on where
 *   Vault routes the path.
 * A KV operation (refs) further reaches only KV mounts (kv v1, v2, generic):
 * a `vault://` ref is a key of a KV secret, never a raw read of another engine.
 */
export const RESERVED_PREFIXES: Readonly<Record<string, string>> = {
  auth: "authentication: logins and token endpoints return or mint tokens",
  sys: "server configuration, response wrapping and root generation",
  cubbyhole: "the token's private storage",
  identity: "identity management and identity tokens",
};

/** The mount types Vault gives its token store, system backend, cubbyhole and identity store (`ns_` inside a namespace). */
const RESERVED_TYPES = new Set(["token", "system", "cubbyhole", "identity"]);

/** Who asks, for the error's wording and code. */
export interface PathAsker {
  /** `E_TEMPLATE` for templates, `E_REF` for references. */
  readonly code: ErrorCode;
  /** The subject the message starts with: `secret "x"`, `vault://x`. */
  readonly subject: string;
  /** `templates`, `references`: who may not. */
  readonly who: string;
}

/** What the rule needs of a client: a raw call (to ask where a path is routed). */
export interface RouteAsker {
  call(
    request: { method: "GET"; path: string; signal?: AbortSignal | undefined },
    allow?: readonly number[],
  ): Promise<{ status: number; body?: Record<string, unknown> | undefined }>;
}

const HINT =
  "templates and references read secrets from secrets engines (KV, PKI, Transit, database…); log in and manage Vault with bao/vault commands or Terraform";

/**
 * The characters a path segment may hold. A path is pasted into the HCL
 * policies `vault setup` writes and into URLs: a quote, brace or whitespace
 * would end the policy's string and add rules, `*` and `+` make it a glob
 * (every project's secret), `?`, `#`, `[`, `]` change what the URL or a
 * glob means. Whatever a templated ref expands to (`{env}`) is held to it too.
 */
const SAFE_SEGMENT = /^[\p{L}\p{N}._\-@=,:~]+$/u;

/**
 * Why `path` may not be used, decided on its spelling alone, or undefined:
 * a segment the URL or Vault would rewrite (`.`, `..`, empty, `%`, `\`,
 * control characters), a character outside {@link SAFE_SEGMENT}, or a
 * reserved first segment.
 */
export function pathSpellingRefusal(
  path: string,
  write: boolean,
  asker: PathAsker,
): StrongboxError | undefined {
  const segments = path.split("/");
  if (
    /[%\\]/.test(path) ||
    [...path].some((char) => (char.codePointAt(0) as number) < 0x20 || char === "\u007f") ||
    segments.some((s) => s === "." || s === ".." || s === "")
  )
    return new StrongboxError(
      asker.code,
      `${asker.subject}: the path has a segment Vault or the URL would rewrite (".", "..", empty, %, \\ or a control character)`,
      { hint: "write the path as Vault routes it, as in secret/data/app" },
    );
  const unsafe = segments.find((segment) => !SAFE_SEGMENT.test(segment));
  if (unsafe !== undefined)
    return new StrongboxError(
      asker.code,
      `${asker.subject}: the path has a segment with a character outside letters, digits and . _ - @ = , : ~ (quotes, spaces, braces, * + ? [ ] # would change a Vault policy written from it, or make it a glob)`,
      {
        hint: "name Vault paths with letters, digits and . _ - @ = , : ~, as in secret/shop/production/app",
      },
    );
  const first = segments[0] ?? "";
  const why = Object.hasOwn(RESERVED_PREFIXES, first) ? RESERVED_PREFIXES[first] : undefined;
  if (why === undefined) return undefined;
  return new StrongboxError(
    asker.code,
    `${asker.subject}: ${asker.who} may not ${write ? "write" : "read"} under ${first}/ (${why})`,
    { hint: HINT },
  );
}

/**
 * The rule decided on the mount Vault routes `path` to: refused when the
 * mount is one of the reserved backends, or an auth method (a mount with an
 * `auth` segment that is not a KV store); with `kvOnly`, also any mount that
 * is not KV.
 */
export function mountRefusal(
  mount: { readonly mount: string; readonly kind: string },
  write: boolean,
  asker: PathAsker,
  kvOnly = false,
): StrongboxError | undefined {
  const type = mount.kind.replace(/^ns_/, "");
  const kv = type === "kv" || type === "generic";
  const segments = mount.mount.split("/");
  const reserved = RESERVED_TYPES.has(type)
    ? type === "token"
      ? "auth"
      : type === "system"
        ? "sys"
        : type
    : !kv && segments.includes("auth")
      ? "auth"
      : undefined;
  if (reserved !== undefined)
    return new StrongboxError(
      asker.code,
      `${asker.subject}: ${asker.who} may not ${write ? "write" : "read"} under ${reserved}/ (${RESERVED_PREFIXES[reserved]}), here under the mount ${mount.mount}`,
      { hint: HINT },
    );
  if (kvOnly && !kv)
    return new StrongboxError(
      asker.code,
      `${asker.subject}: the path is on the ${type} mount ${mount.mount}, not a KV store; a vault:// reference reads one key of a KV secret`,
      {
        hint: "keep the value in a KV mount (vault://secret/app#KEY), or render other engines with a template's secret function",
      },
    );
  return undefined;
}

/** Whether a segment past the first is reserved (`ns1/auth/…`): then the route is asked afresh. */
export function namesReservedPastFirst(path: string): boolean {
  return path
    .split("/")
    .slice(1)
    .some((segment) => Object.hasOwn(RESERVED_PREFIXES, segment));
}

/**
 * For a path with a reserved word past its first segment (`ns1/auth/…`, or
 * a KV path such as `secret/data/auth/github`): where Vault routes it, asked
 * afresh (a mount cache keyed by first segment must not decide). A path
 * whose route Vault does not tell is refused. Returns the route when known.
 */
export async function routedRefusal(
  client: RouteAsker,
  path: string,
  write: boolean,
  asker: PathAsker,
  kvOnly = false,
  signal?: AbortSignal,
): Promise<StrongboxError | undefined> {
  if (!namesReservedPastFirst(path)) return undefined;
  const response = await client.call(
    { method: "GET", path: `sys/internal/ui/mounts/${path}`, signal },
    [403, 404],
  );
  const data = response.body?.data;
  if (
    response.status >= 400 ||
    typeof data !== "object" ||
    data === null ||
    typeof (data as { type?: unknown }).type !== "string"
  )
    return new StrongboxError(
      asker.code,
      `${asker.subject}: Vault does not say which mount serves it, and the path names a reserved backend (auth, sys, cubbyhole or identity)`,
      { hint: "read KV paths through their mount, as in secret/data/app" },
    );
  const route = data as { type: string; path?: unknown };
  return mountRefusal({ mount: String(route.path ?? ""), kind: route.type }, write, asker, kvOnly);
}
