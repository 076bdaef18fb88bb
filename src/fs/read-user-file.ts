import { readFileSync } from "node:fs";
import { StrongboxError } from "../errors.js";

/**
 * Reads a text file a user named. A missing or unreadable file is the user's
 * to fix, not a bug: `E_IO` naming the file as they wrote it (`shown`), after
 * the command's name (`context`), with `hint`.
 */
export function readUserFile(
  path: string,
  where: { readonly shown: string; readonly context: string; readonly hint: string },
): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StrongboxError(
      "E_IO",
      `${where.context}: ${where.shown} ${code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? "error"})`}`,
      { hint: where.hint },
    );
  }
}
