import { type ErrorCode, StrongboxError } from "../errors.js";

/**
 * The one table from error codes to exit statuses. Scripts may rely on these
 * (docs/errors.md); `run` returns the child's own status once the child started.
 */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  // 70 is sysexits.h's EX_SOFTWARE: 1 belongs to `diff`'s "something differs", as in diff(1).
  E_INTERNAL: 70,
  E_USAGE: 2,
  E_CONFIG: 3,
  E_SCHEMA: 3,
  E_UNKNOWN_ENV: 3,
  E_RESOLUTION: 4,
  E_LAYERS: 4,
  E_LINT: 4,
  E_OVERDUE: 4,
  E_ROTATION: 4,
  E_GENERATOR: 3,
  E_MISSING: 4,
  E_INVALID: 4,
  E_FORBIDDEN_SOURCE: 4,
  E_INLINE_SECRET: 4,
  E_REF: 4,
  E_DOTENV_PARSE: 4,
  E_PROVIDER_UNAVAILABLE: 5,
  E_PROVIDER: 5,
  E_IO: 6,
  E_AUDIT: 6,
  E_INTERRUPTED: 130,
  E_UNSAFE_PATH: 6,
  E_FORMAT: 6,
  E_TEMPLATE: 3,
  E_SPAWN: 127,
  E_STORE_NOT_FOUND: 7,
  E_STORE_EXISTS: 7,
  E_STORE_KEY: 7,
  E_STORE_WRONG_KEY: 7,
  E_STORE_TAMPERED: 8,
  E_STORE_ROLLBACK: 8,
  E_STORE_CONFLICT: 8,
  E_STORE_CAS: 12,
  E_STORE_FORMAT: 8,
  E_STORE_LOCKED: 9,
  E_STORE_NAME: 2,
  E_STORE_EXPIRED: 4,
  E_VAULT_UNREACHABLE: 10,
  E_VAULT_SEALED: 10,
  E_VAULT_RATE_LIMITED: 10,
  E_VAULT_DENIED: 11,
  E_VAULT_AUTH: 11,
  E_VAULT_CAS: 12,
  E_VAULT_INSECURE: 12,
  E_VAULT: 12,
  E_ENVELOPE: 8,
  E_DATA_REF: 4,
  E_VAULT_REQUIRED: 10,
  E_STORE_KEY_ROLLBACK: 8,
  E_STORE_UNTRUSTED: 8,
  // The shells' convention: 127 the command was not found, 126 found but not executable.
  E_NOT_EXECUTABLE: 126,
  // A break-glass the config forbids, or one that could not be recorded: nothing was released.
  E_BREAK_GLASS: 4,
  // A feature whose optional package is not installed: fix the installation, as a config is fixed.
  E_PACKAGE_MISSING: 3,
};

export const EXIT_OK = 0;

/**
 * The status of a command that ran and found problems (a check, lint, scan,
 * a stale generated file): the same as resolution problems, so scripts test
 * one number for "the gate failed".
 */
export const EXIT_PROBLEMS = EXIT_CODES.E_RESOLUTION;

/**
 * `strongbox diff` found differences: 1, as diff(1) and `git diff --exit-code`
 * answer, so `if strongbox diff staging production; then …` reads naturally.
 */
export const EXIT_DIFFERENT = 1;

/** `EXIT_OK` when `ok`, else `EXIT_PROBLEMS`: the one way commands turn a verdict into a status. */
export function verdict(ok: boolean): number {
  return ok ? EXIT_OK : EXIT_PROBLEMS;
}

/**
 * Classes of source failure an aggregate may take its status from, so a
 * script can tell "retry later" (unreachable: 10, or 5) and "fix the
 * credentials or the policy" (denied: 11) from "fix the project" (4).
 */
const SOURCE_CLASSES: readonly ReadonlySet<string>[] = [
  new Set([
    "E_VAULT_UNREACHABLE",
    "E_VAULT_SEALED",
    "E_VAULT_RATE_LIMITED",
    "E_PROVIDER_UNAVAILABLE",
  ]),
  new Set(["E_VAULT_DENIED", "E_VAULT_AUTH"]),
];

/**
 * The exit status of a failed command: its code's, from the table. A
 * resolution whose every problem is of one source class (every ref
 * unreachable, or every ref denied) exits with that class's status (its
 * first issue's), not the 4 of a schema mistake; mixed problems stay 4.
 */
export function exitStatus(error: unknown): number {
  if (!(error instanceof StrongboxError)) return EXIT_CODES.E_INTERNAL;
  const issues = error.issues;
  const first = issues[0]?.code;
  if (error.code !== "E_RESOLUTION" || first === undefined) return EXIT_CODES[error.code];
  const shared = SOURCE_CLASSES.find((codes) => issues.every((item) => codes.has(item.code)));
  return shared === undefined ? EXIT_CODES[error.code] : EXIT_CODES[first];
}
