import { StrongboxError } from "../errors.js";

/** What each system error means for the user, and what to do about it. */
const SYSTEM_ERRORS: Readonly<Record<string, { readonly what: string; readonly hint: string }>> = {
  ENOENT: { what: "does not exist", hint: "check the path" },
  ENOTDIR: { what: "is not a directory (a part of the path is a file)", hint: "check the path" },
  EISDIR: { what: "is a directory", hint: "give a file path" },
  EACCES: { what: "permission denied", hint: "check the file's owner and mode" },
  EPERM: { what: "operation not permitted", hint: "check the file's owner and mode" },
  EROFS: { what: "is on a read-only file system", hint: "write somewhere writable" },
  ENOSPC: { what: "no space left on the device", hint: "free some space" },
  ENAMETOOLONG: { what: "the name is too long", hint: "use a shorter path" },
  ELOOP: { what: "too many symbolic links", hint: "check the links on the path" },
  EMFILE: { what: "too many open files", hint: "raise the open-file limit (ulimit -n)" },
  E2BIG: {
    what: "the environment and arguments are too large to start a program",
    hint: "pass fewer or smaller variables (export to a file, or mount large values as files)",
  },
};

/**
 * A user's mistake or the machine's state reported by the system (a missing
 * file, a permission, an environment too large for exec) as the typed error
 * it is: `E_IO` (`E_SPAWN` when starting a program), naming the path and
 * saying what to do. Anything else is left as it is: an internal error.
 * Paths and syscalls are named; no other part of the original message is.
 */
export function fromSystemError(error: unknown): StrongboxError | undefined {
  const system = error as NodeJS.ErrnoException | undefined;
  const code = system?.code;
  if (typeof code !== "string" || !Object.hasOwn(SYSTEM_ERRORS, code)) return undefined;
  const meaning = SYSTEM_ERRORS[code] as { what: string; hint: string };
  const spawning = system?.syscall?.startsWith("spawn") === true || code === "E2BIG";
  const where = typeof system?.path === "string" ? `${system.path}: ` : "";
  return new StrongboxError(
    spawning ? "E_SPAWN" : "E_IO",
    `${where}${meaning.what}${system?.syscall === undefined ? "" : ` (${system.syscall})`}`,
    { hint: meaning.hint, cause: error },
  );
}
