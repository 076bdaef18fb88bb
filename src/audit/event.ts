import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { StrongboxError } from "../errors.js";
import type { AuditActor } from "./identity.js";

/** One access to a secret. It names the secret and where it came from, never its value. */
export interface AuditEvent {
  /** ISO 8601 time of the access. */
  readonly time: string;
  readonly action:
    | "read"
    | "write"
    | "delete"
    | "purge"
    | "destroy"
    | "rotate"
    | "retire"
    | "rollback"
    | "rotate-key"
    | "rewrap"
    | "rekey"
    | "recipient-add"
    | "recipient-rm"
    | "keyring-check"
    | "keyring-trust"
    | "resolve"
    | "init"
    | "checkpoint"
    | "break-glass";
  /** The environment of a resolution. */
  readonly environment?: string;
  /** The schema variable read by a resolution. */
  readonly variable?: string;
  /** The store secret read or written. */
  readonly secret?: string;
  readonly version?: number;
  /** The source kind that held the value, or `none` when nothing did. */
  readonly source: string;
  /** The reference read, when the value came through one. */
  readonly ref?: string;
  readonly outcome: "ok" | "missing" | "denied" | "invalid" | "error";
  /** The error code of an outcome other than `ok` (`E_VAULT_DENIED`, `E_POLICY`, …). */
  readonly code?: string;
  /**
   * A keyed HMAC of the value read or written (under the audit key, so a reader
   * of the log cannot test guesses). `strongbox audit --value-from-stdin`
   * computes it for a leaked value and finds the records that handled it.
   */
  readonly valueMac?: string;
  /** The credential the source was read with: the auth method, the role, the token's accessor; never the token. */
  readonly principal?: Principal;
  /** The config's `project`, when it names one. */
  readonly project?: string;
  /** The store recipient added or removed (`age1…`, `transit:…`): who, never a key. */
  readonly recipient?: string;
  /** A team store's key fingerprint (a public key, store format §4.1), for keyring checks and trust. */
  readonly fingerprint?: string;
  /** Rows a batch job (a master key rewrap) changed in the batch recorded. */
  readonly rows?: number;
  /** A checkpoint's count of the records before it. */
  readonly records?: number;
  /** A checkpoint opening a segment: the segment just closed. */
  readonly segment?: string;
  /** A break-glass: the operator's reason, as given to `--break-glass`. */
  readonly reason?: string;
  /** A break-glass: the secrets that did not come from the pure-mode source (names only). */
  readonly variables?: readonly string[];
  /** The process that read it. */
  readonly pid: number;
  /** Who is behind it: user, host, command, git author, CI job (added by the sink). */
  readonly actor?: AuditActor;
}

/** Who a secret source saw: Vault's auth method, role and token accessor (an accessor cannot be used as a token). */
export interface Principal {
  readonly method?: string;
  readonly role?: string;
  readonly accessor?: string;
}

/**
 * Where audit events go. A sink that cannot record must throw; the caller
 * decides whether that refuses the access (fail closed) or warns.
 */
export interface AuditSink {
  write(events: readonly AuditEvent[]): void;
  /** The keyed HMAC of a value for `valueMac`; a sink without a key leaves values unmarked. */
  digest?(value: string | Uint8Array): string;
  /**
   * Set on the sink of an audit the environment turned off
   * (`STRONGBOX_AUDIT_SINK=off` with no `audit.sink` in the config): its
   * `write` throws, so the access is refused wherever a lost record refuses
   * it, and a caller that would only warn (an environment that fails open)
   * stays silent instead, as asked.
   */
  readonly offByEnvironment?: true;
}

/**
 * Appends events as JSON lines to `path` (created 0600). Each batch is one
 * `write` on an `O_APPEND` descriptor, so concurrent processes do not interleave
 * lines. Throws `E_IO` when the file cannot be written.
 */
export function createJsonlSink(path: string): AuditSink {
  return {
    write(events) {
      if (events.length === 0) return;
      const text = events.map((event) => `${JSON.stringify(event)}\n`).join("");
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        const fd = openSync(path, "a", 0o600);
        try {
          writeSync(fd, text);
          // On disk before the access it records takes effect (a store write follows it).
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (error) {
        throw new StrongboxError(
          "E_IO",
          `cannot write the audit log ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
          {
            hint: "secrets are not released while their access cannot be audited; fix the path or its permissions",
            cause: error,
          },
        );
      }
    },
  };
}
