import type { AuditEvent, AuditSink } from "../audit/audit.js";
import { fieldCipher } from "../envelope/field-cipher.js";
import { localKeys } from "../envelope/local-keys.js";
import { StrongboxError } from "../errors.js";
import type { Store } from "../store/store.js";
import type { RefBackend } from "./backends.js";
import { type DataRef, PathTemplate, parseDataRef } from "./ref-text.js";

/** Options of {@link secretRefs}. */
export interface SecretRefsOptions {
  /** Where values go: {@link vaultRefs} in production, {@link storeRefs} on a laptop; none for inline only. */
  readonly backend?: RefBackend | undefined;
  /** The path of one value, with one `{id}`: `wireguard/servers/{id}/private-key`. */
  readonly path: string;
  /**
   * Pure Vault mode (production): every value must live in a pure source
   * (Vault); inline ciphertext is neither written nor read, and without such
   * a backend every call fails with `E_VAULT_REQUIRED` (an HTTP layer's 503).
   */
  readonly pure?: boolean;
  /**
   * The store whose local key encrypts values inline (`enc:…` refs) when no
   * backend is configured: the development fallback, with a warning.
   */
  readonly fallback?: Store | undefined;
  /** Custom metadata for the secret of `id` (KV v2): which row, which service. */
  readonly metadata?: (id: string) => Readonly<Record<string, string>>;
  /** How long a read value is kept, in ms (default 0: not kept). */
  readonly cacheTtlMs?: number;
  /**
   * Receives one record per read from the source (cache hits are not reads),
   * write, rotation and deletion: the path, the scheme, the outcome and a keyed
   * MAC of the value, never the value.
   */
  readonly audit?: AuditSink;
  /** Told once when values are written inline (default: a process warning). */
  readonly onWarning?: (message: string) => void;
  readonly now?: () => number;
}

/** Secrets kept outside the application's rows, the rows holding references. */
export interface SecretRefs {
  /** Stores `value` for `id`; returns the ref to keep in the row. */
  put(id: string, value: string, signal?: AbortSignal): Promise<string>;
  /** The value a row's ref points at; `E_DATA_REF` for a ref outside the path, `E_MISSING` when it is gone. */
  get(ref: string, signal?: AbortSignal): Promise<string>;
  /** Many refs at once: each distinct ref read once, in parallel; values in the order asked. */
  getMany(refs: readonly string[], signal?: AbortSignal): Promise<string[]>;
  /** A new value behind the same ref (a new KV version); returns the ref. */
  rotate(ref: string, value: string, signal?: AbortSignal): Promise<string>;
  /** Removes the value behind a ref (every version). */
  delete(ref: string, signal?: AbortSignal): Promise<void>;
  /**
   * Moves an inline (`enc:`) value into the backend: returns the new ref for
   * the row, or the ref unchanged when it is already there.
   */
  migrate(ref: string, id: string, signal?: AbortSignal): Promise<string>;
  /** Drops cached values: one ref's, or all. */
  invalidate(ref?: string): void;
}

const INLINE_KEY = "data-refs";
const PARALLEL = 16;

/**
 * Secret references in application data (seed 002's pattern): the secret
 * goes to Vault at a path made from the row's id, the row keeps
 * `vault:<path>`, readers follow refs only inside that path. Without Vault, a
 * development machine may keep the value inline, encrypted under a local key
 * (`enc:` + a field envelope), with a warning; pure Vault mode refuses that.
 */
export function secretRefs(options: SecretRefsOptions): SecretRefs {
  const template = new PathTemplate(options.path);
  const backend = options.backend;
  const pure = options.pure === true;
  const now = options.now ?? Date.now;
  const ttl = options.cacheTtlMs ?? 0;
  const cache = new Map<string, { value: string; until: number }>();
  let warned = false;

  const unavailable = (what: string) =>
    new StrongboxError("E_VAULT_REQUIRED", `pure Vault mode: ${what}`, {
      hint: "configure Vault for this service (VAULT_ADDR and credentials); production keeps these secrets in Vault only",
    });
  if (pure && backend !== undefined && !backend.pure)
    throw unavailable(
      `secrets at ${template.template} would go to the ${backend.scheme}, not Vault`,
    );

  const inline = (() => {
    if (pure || options.fallback === undefined) return undefined;
    const keys = localKeys(options.fallback);
    return {
      keys,
      cipher: fieldCipher({ services: [keys], keyFor: () => `local:${INLINE_KEY}` }),
    };
  })();
  const schemes = [
    ...(backend === undefined ? [] : [backend.scheme]),
    ...(inline === undefined ? [] : ["enc"]),
  ];

  const noBackend = () =>
    pure
      ? unavailable(`no Vault is configured for ${template.template}`)
      : new StrongboxError(
          "E_CONFIG",
          `no backend and no fallback store for ${template.template}`,
          {
            hint: "pass backend: vaultRefs(client), or fallback: store for development",
          },
        );

  const parse = (ref: string) => {
    if (pure && typeof ref === "string" && ref.startsWith("enc:"))
      throw unavailable(
        "the row still holds an inline ciphertext; move it to Vault with migrate()",
      );
    if (schemes.length === 0) throw noBackend();
    return parseDataRef(ref, template, schemes);
  };

  const record = (
    action: AuditEvent["action"],
    scheme: string,
    path: string,
    outcome: AuditEvent["outcome"],
    extra: { value?: string; code?: string } = {},
  ) => {
    const audit = options.audit;
    if (audit === undefined) return;
    const valueMac = extra.value === undefined ? undefined : audit.digest?.(extra.value);
    audit.write([
      {
        time: new Date(now()).toISOString(),
        action,
        secret: path,
        source: scheme,
        outcome,
        ...(extra.code === undefined ? {} : { code: extra.code }),
        ...(valueMac === undefined ? {} : { valueMac }),
        pid: process.pid,
      },
    ]);
  };
  const codeOf = (error: unknown) => (error instanceof StrongboxError ? error.code : "E_INTERNAL");

  const readParsed = async (parsed: DataRef, signal?: AbortSignal): Promise<string> => {
    let value: string | undefined;
    if (parsed.scheme === "enc") {
      idOfInline(parsed.path, template);
      const bound = contextOf(parsed.path);
      value = await (inline as NonNullable<typeof inline>).cipher.decrypt("", bound.envelope, {
        context: bound.context,
      });
    } else value = await (backend as RefBackend).read(parsed.path, signal);
    if (value === undefined)
      throw new StrongboxError(
        "E_MISSING",
        `nothing is stored at ${parsed.scheme}:${parsed.path}`,
        {
          hint: "the secret was deleted, or the row was restored from a backup older than its secret",
        },
      );
    return value;
  };

  const readOne = async (ref: string, signal?: AbortSignal): Promise<string> => {
    const hit = cache.get(ref);
    if (hit !== undefined && hit.until > now()) return hit.value;
    const parsed = parse(ref);
    const path = parsed.scheme === "enc" ? contextOf(parsed.path).context : parsed.path;
    try {
      const value = await readParsed(parsed, signal);
      record("read", parsed.scheme, path, "ok", { value });
      if (ttl > 0) cache.set(ref, { value, until: now() + ttl });
      return value;
    } catch (error) {
      const code = codeOf(error);
      const outcome =
        code === "E_MISSING" ? "missing" : code === "E_VAULT_DENIED" ? "denied" : "error";
      record("read", parsed.scheme, path, outcome, { code });
      throw error;
    }
  };

  const write = async (
    id: string,
    value: string,
    signal?: AbortSignal,
    action: "write" | "rotate" = "write",
  ): Promise<string> => {
    const path = template.pathOf(id);
    if (typeof value !== "string")
      throw new StrongboxError("E_INVALID", `the value for ${path} is not a string`, {
        hint: "encode binary secrets (base64) before storing them",
      });
    if (backend !== undefined) {
      const metadata = { "managed-by": "strongbox", ...(options.metadata?.(id) ?? {}) };
      try {
        await backend.write(path, value, metadata, signal);
      } catch (error) {
        record(action, backend.scheme, path, "error", { code: codeOf(error) });
        throw error;
      }
      record(action, backend.scheme, path, "ok", { value });
      const ref = `${backend.scheme}:${path}`;
      cache.delete(ref);
      return ref;
    }
    if (inline === undefined) throw noBackend();
    if (!warned) {
      warned = true;
      const message = `no Vault configured: secrets at ${template.template} are encrypted into the rows under a local key (development only; production refuses this)`;
      if (options.onWarning === undefined) process.emitWarning(message, "StrongboxWarning");
      else options.onWarning(message);
    }
    await ensureKey(inline.keys);
    // The path is the context: an inline value copied to another row does not decrypt there.
    const ref = `enc:${path}~${await inline.cipher.encrypt("", value, { context: path })}`;
    record(action, "enc", path, "ok", { value });
    return ref;
  };

  return {
    put: (id, value, signal) => write(id, value, signal),
    get: readOne,
    async getMany(refs, signal) {
      const distinct = [...new Set(refs)];
      const values = new Map<string, string>();
      for (let start = 0; start < distinct.length; start += PARALLEL) {
        const batch = distinct.slice(start, start + PARALLEL);
        const read = await Promise.all(batch.map((ref) => readOne(ref, signal)));
        for (const [i, ref] of batch.entries()) values.set(ref, read[i] as string);
      }
      return refs.map((ref) => values.get(ref) as string);
    },
    async rotate(ref, value, signal) {
      const parsed = parse(ref);
      cache.delete(ref);
      const id = parsed.scheme === "enc" ? idOfInline(parsed.path, template) : parsed.id;
      return write(id, value, signal, "rotate");
    },
    async delete(ref, signal) {
      const parsed = parse(ref);
      cache.delete(ref);
      if (parsed.scheme === "enc") return;
      await (backend as RefBackend).remove(parsed.path, signal);
      record("delete", parsed.scheme, parsed.path, "ok");
    },
    async migrate(ref, id, signal) {
      if (backend === undefined) throw noBackend();
      if (!ref.startsWith("enc:")) {
        parse(ref);
        return ref;
      }
      if (inline === undefined)
        throw new StrongboxError(
          "E_CONFIG",
          "migrating inline values needs the fallback store that encrypted them",
          {
            hint: "pass fallback: store (the store holding the local key) alongside the backend",
          },
        );
      const parsed = parseDataRef(ref, template, ["enc"]);
      if (idOfInline(parsed.path, template) !== id)
        throw new StrongboxError(
          "E_DATA_REF",
          `the inline value was written for another id than ${id}`,
          {
            hint: "pass the id of the row the value was read from",
          },
        );
      const value = await readOne(ref, signal);
      return write(id, value, signal);
    },
    invalidate(ref) {
      if (ref === undefined) cache.clear();
      else cache.delete(ref);
    },
  };
}

/** An inline ref's body: `<path>~<envelope>`. */
function contextOf(body: string): { context: string; envelope: string } {
  const tilde = body.indexOf("~");
  if (tilde < 0)
    throw new StrongboxError("E_DATA_REF", "the row's inline value is malformed", {
      hint: "rows hold references this application wrote; a changed row is refused rather than followed",
    });
  return { context: body.slice(0, tilde), envelope: body.slice(tilde + 1) };
}

function idOfInline(body: string, template: PathTemplate): string {
  const id = template.idOf(contextOf(body).context);
  if (id === undefined)
    throw new StrongboxError(
      "E_DATA_REF",
      `the row's inline value was written outside ${template.template}`,
      {
        hint: "rows hold references this application wrote; a changed row is refused rather than followed",
      },
    );
  return id;
}

async function ensureKey(keys: ReturnType<typeof localKeys>): Promise<void> {
  try {
    await keys.latestVersion(INLINE_KEY);
  } catch {
    keys.rotate(INLINE_KEY);
  }
}
