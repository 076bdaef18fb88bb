/**
 * The one error model of Strongbox. Every failure the library reports is a
 * {@link StrongboxError} with a stable {@link ErrorCode}, a short message that
 * starts with its context (variable, file, line) and an optional hint. No error
 * ever carries a secret value: messages are built from names, never from values.
 */

/** Stable error codes, documented in `docs/errors.md`. */
export type ErrorCode =
  | "E_USAGE"
  | "E_CONFIG"
  | "E_SCHEMA"
  | "E_UNKNOWN_ENV"
  | "E_DOTENV_PARSE"
  | "E_REF"
  | "E_MISSING"
  | "E_INVALID"
  | "E_FORBIDDEN_SOURCE"
  | "E_INLINE_SECRET"
  | "E_PROVIDER_UNAVAILABLE"
  | "E_PROVIDER"
  | "E_RESOLUTION"
  | "E_LAYERS"
  | "E_LINT"
  | "E_OVERDUE"
  | "E_ROTATION"
  | "E_GENERATOR"
  | "E_FORMAT"
  | "E_TEMPLATE"
  | "E_IO"
  | "E_AUDIT"
  | "E_INTERRUPTED"
  | "E_UNSAFE_PATH"
  | "E_SPAWN"
  | "E_STORE_NOT_FOUND"
  | "E_STORE_EXISTS"
  | "E_STORE_KEY"
  | "E_STORE_WRONG_KEY"
  | "E_STORE_TAMPERED"
  | "E_STORE_ROLLBACK"
  | "E_STORE_CONFLICT"
  | "E_STORE_CAS"
  | "E_STORE_FORMAT"
  | "E_STORE_LOCKED"
  | "E_STORE_NAME"
  | "E_STORE_EXPIRED"
  | "E_VAULT_UNREACHABLE"
  | "E_VAULT_SEALED"
  | "E_VAULT_RATE_LIMITED"
  | "E_VAULT_DENIED"
  | "E_VAULT_AUTH"
  | "E_VAULT_CAS"
  | "E_VAULT_INSECURE"
  | "E_VAULT"
  | "E_ENVELOPE"
  | "E_DATA_REF"
  | "E_VAULT_REQUIRED"
  | "E_INTERNAL"
  | "E_STORE_KEY_ROLLBACK"
  | "E_STORE_UNTRUSTED"
  | "E_NOT_EXECUTABLE"
  | "E_BREAK_GLASS"
  | "E_PACKAGE_MISSING";

/** One problem found while loading or resolving configuration. */
export interface Issue {
  readonly code: ErrorCode;
  /**
   * Which check found the problem, where one code covers several
   * (`template-orphan` under `E_LAYERS`, `secret-in-example` under `E_LINT`);
   * stable, for `--json` readers.
   */
  readonly rule?: string;
  /** The variable the problem concerns, when there is one. */
  readonly variable?: string;
  readonly message: string;
  readonly hint?: string;
}

export interface ErrorOptions {
  readonly hint?: string | undefined;
  readonly cause?: unknown;
  readonly variable?: string | undefined;
}

/** Base class of every error Strongbox throws on purpose. */
export class StrongboxError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly variable: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StrongboxError";
    this.code = code;
    this.hint = options.hint;
    this.variable = options.variable;
  }

  /** The problems this error stands for: itself, unless it aggregates several. */
  get issues(): readonly Issue[] {
    return [toIssue(this)];
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; issues: readonly Issue[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      issues: this.issues,
    };
  }
}

/**
 * Thrown when resolution found one or more problems. It lists all of them, so
 * a user fixes everything in one round instead of one variable per restart.
 */
export class ResolutionError extends StrongboxError {
  readonly #issues: readonly Issue[];
  readonly environment: string;

  constructor(environment: string, issues: readonly Issue[]) {
    const count = issues.length;
    super(
      "E_RESOLUTION",
      `configuration for environment "${environment}" has ${count} problem${count === 1 ? "" : "s"}`,
      {
        hint: "fix every variable listed, or run `strongbox explain VAR` to see where each looked",
      },
    );
    this.name = "ResolutionError";
    this.environment = environment;
    this.#issues = issues;
  }

  override get issues(): readonly Issue[] {
    return this.#issues;
  }
}

/** Builds an {@link Issue} from its parts, omitting what is undefined. */
export function issue(
  code: ErrorCode,
  message: string,
  extra: { variable?: string | undefined; hint?: string | undefined } = {},
): Issue {
  return {
    code,
    message,
    ...(extra.variable === undefined ? {} : { variable: extra.variable }),
    ...(extra.hint === undefined ? {} : { hint: extra.hint }),
  };
}

function toIssue(error: StrongboxError): Issue {
  return issue(error.code, error.message, { variable: error.variable, hint: error.hint });
}

/** True for errors Strongbox raised on purpose (as opposed to bugs). */
export function isStrongboxError(value: unknown): value is StrongboxError {
  return value instanceof StrongboxError;
}
