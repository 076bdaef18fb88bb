import type { AuditEvent, AuditSink } from "../audit/event.js";
import { fieldCipher } from "../envelope/field-cipher.js";
import { localKeys } from "../envelope/local-keys.js";
import { StrongboxError } from "../errors.js";
import type { Store } from "../store/store.js";
import type { RefBackend } from "./backends.js";
import { contextOf, idOfInline } from "./inline-ref.js";
import type { Created } from "./provider-refs.js";
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
  /**
   * Stores `value` for `id`, then runs `commit` with the ref (the row's
   * INSERT). When `commit` fails the value is removed again before its error
   * is rethrown, so a failed request leaves no secret without a row; should
   * the removal fail too, `onWarning` names the path left behind.
   */
  create<T>(
    id: string,
    value: string,
    commit: (ref: string) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T>;
  /**
   * The value a row's ref points at. `id` is the row's own id (what `put` was
   * given): a ref made for another id is refused with `E_DATA_REF`, as is a
   * ref outside the path; `E_MISSING` when the value is gone.
   */
  get(ref: string, id: string, signal?: AbortSignal): Promise<string>;
  /** Many rows' refs at once: each distinct ref read once, in parallel; values in the order asked. */
  getMany(rows: readonly RowRef[], signal?: AbortSignal): Promise<string[]>;
  /** A new value behind the row's ref (a new KV version); returns the ref. */
  rotate(ref: string, id: string, value: string, signal?: AbortSignal): Promise<string>;
  /** Removes the value behind the row's ref (every version). */
  delete(ref: string, id: string, signal?: AbortSignal): Promise<void>;
  /**
   * Moves an inline (`enc:`) value into the backend: returns the new ref for
   * the row, or the ref unchanged when it is already there.
   */
  migrate(ref: string, id: string, signal?: AbortSignal): Promise<string>;
  /** Drops cached values: one ref's, or all. */
  invalidate(ref?: string): void;
}

/** A ref as read from a row, with the id of that row. */
export interface RowRef {
  readonly ref: string;
  readonly id: string;
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

  /**
   * The one gate every use of a row's ref passes (get, getMany, rotate,
   * delete, migrate): the ref must be one this reader takes AND made for the
   * row's own id. A row holding another row's whole ref (another tenant's
   * `vault:`, `store:` or `enc:` ref, copied by SQL) is refused before any
   * request, so it cannot read, overwrite or delete that secret.
   */
  const follow = (ref: string, id: string, accept: readonly string[] = schemes): DataRef => {
    if (pure && typeof ref === "string" && ref.startsWith("enc:"))
      throw unavailable(
        "the row still holds an inline ciphertext; move it to Vault with migrate()",
      );
    if (schemes.length === 0) throw noBackend();
    if (typeof id !== "string" || id === "")
      throw new StrongboxError("E_DATA_REF", "the row's id was not given with its reference", {
        hint: "pass the id of the row the reference was read from (what put() was given): get(ref, id)",
      });
    const parsed = parseDataRef(ref, template, accept);
    const refId = parsed.scheme === "enc" ? idOfInline(parsed.path, template) : parsed.id;
    if (refId !== id)
      // Neither id is quoted: the message says what happened, the row is the operator's to find.
      throw new StrongboxError(
        "E_DATA_REF",
        `the row's reference was made for another row than the one it was read from (${template.template})`,
        {
          hint: "a row holds a reference copied from another row; restore the row's own reference from a backup",
        },
      );
    return parsed;
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

  const readOne = async (ref: string, id: string, signal?: AbortSignal): Promise<string> => {
    // Checked before the cache: a hit must not let a copied ref through either.
    const parsed = follow(ref, id);
    const hit = cache.get(ref);
    if (hit !== undefined && hit.until > now()) return hit.value;
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
      warn(
        `no Vault configured: secrets at ${template.template} are encrypted into the rows under a local key (development only; production refuses this)`,
      );
    }
    await ensureKey(inline.keys);
    // The path is the context: an inline value copied to another row does not decrypt there.
    const ref = `enc:${path}~${await inline.cipher.encrypt("", value, { context: path })}`;
    record(action, "enc", path, "ok", { value });
    return ref;
  };

  const warn = (message: string) => {
    if (options.onWarning === undefined) process.emitWarning(message, "StrongboxWarning");
    else options.onWarning(message);
  };

  /** `create`'s write: only if no secret is there, so a failed INSERT on a taken id costs no one a secret. */
  const createOnly = async (id: string, value: string, signal?: AbortSignal) => {
    const path = template.pathOf(id);
    const b = backend as RefBackend;
    if (typeof value !== "string") return { ref: await write(id, value, signal) };
    const metadata = { "managed-by": "strongbox", ...(options.metadata?.(id) ?? {}) };
    const created = await b.create(path, value, metadata, signal).catch((error: unknown) => {
      record("write", b.scheme, path, "error", { code: codeOf(error) });
      throw error;
    });
    if (created === undefined) {
      record("write", b.scheme, path, "error", { code: "E_DATA_REF" });
      throw new StrongboxError(
        "E_DATA_REF",
        `a secret is already stored at ${b.scheme}:${path}; create() never replaces one`,
        {
          hint: "the id is taken (its row exists, or its secret was left behind): rotate() that row's ref, or delete() it first",
        },
      );
    }
    record("write", b.scheme, path, "ok", { value });
    cache.delete(`${b.scheme}:${path}`);
    return { ref: `${b.scheme}:${path}`, created };
  };

  /** Takes back the value `create` wrote, whose row was never written: those versions only. */
  const undo = async (ref: string, id: string, created: Created | undefined) => {
    const parsed = follow(ref, id);
    cache.delete(ref);
    if (parsed.scheme === "enc" || created === undefined) return;
    try {
      await (backend as RefBackend).discard(parsed.path, created);
      record("delete", parsed.scheme, parsed.path, "ok");
    } catch (error) {
      record("delete", parsed.scheme, parsed.path, "error", { code: codeOf(error) });
      warn(
        `the row for ${parsed.scheme}:${parsed.path} was not written and the value could not be removed (${codeOf(error)}); remove it by hand`,
      );
    }
  };

  return {
    put: (id, value, signal) => write(id, value, signal),
    async create(id, value, commit, signal) {
      // Inline values live in the row itself: nothing outside it to overwrite or take back.
      const { ref, created } =
        backend === undefined
          ? { ref: await write(id, value, signal) }
          : await createOnly(id, value, signal);
      try {
        return await commit(ref);
      } catch (error) {
        await undo(ref, id, created);
        throw error;
      }
    },
    get: readOne,
    async getMany(rows, signal) {
      // Every row is checked before anything is read: one copied ref fails the batch.
      for (const row of rows) follow(row?.ref, row?.id);
      const distinct = [...new Set(rows.map((row) => row.ref))];
      const idOf = new Map(rows.map((row) => [row.ref, row.id]));
      const values = new Map<string, string>();
      for (let start = 0; start < distinct.length; start += PARALLEL) {
        const batch = distinct.slice(start, start + PARALLEL);
        const read = await Promise.all(
          batch.map((ref) => readOne(ref, idOf.get(ref) as string, signal)),
        );
        for (const [i, ref] of batch.entries()) values.set(ref, read[i] as string);
      }
      return rows.map((row) => values.get(row.ref) as string);
    },
    async rotate(ref, id, value, signal) {
      follow(ref, id);
      cache.delete(ref);
      return write(id, value, signal, "rotate");
    },
    async delete(ref, id, signal) {
      const parsed = follow(ref, id);
      cache.delete(ref);
      if (parsed.scheme === "enc") return;
      await (backend as RefBackend).remove(parsed.path, signal);
      record("delete", parsed.scheme, parsed.path, "ok");
    },
    async migrate(ref, id, signal) {
      if (backend === undefined) throw noBackend();
      if (typeof ref !== "string" || !ref.startsWith("enc:")) {
        follow(ref, id);
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
      follow(ref, id, ["enc"]);
      const value = await readOne(ref, id, signal);
      return write(id, value, signal);
    },
    invalidate(ref) {
      if (ref === undefined) cache.clear();
      else cache.delete(ref);
    },
  };
}

async function ensureKey(keys: ReturnType<typeof localKeys>): Promise<void> {
  try {
    await keys.latestVersion(INLINE_KEY);
  } catch {
    keys.rotate(INLINE_KEY);
  }
}
