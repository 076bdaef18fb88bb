import { join } from "node:path";
import { namesIn } from "../fs/names-in.js";
import { checkSecretName, nameOfFile } from "./secret-file.js";

/**
 * The names of the secrets in the store at `dir`, read from its files' names
 * alone (`secrets/NAME.sbx`, docs/store-format.md §1): no key, no keyring, no
 * lock, so a locked store lists as cheaply as an open one. The names are not
 * authenticated (anyone who can write the directory can add a file), so this
 * is for suggestions (shell completion), never for a decision; a file whose
 * name breaks the name grammar is left out, so a hostile file name cannot
 * carry shell syntax or terminal controls into a completion.
 */
export function storedSecretNames(dir: string): string[] {
  return namesIn(join(dir, "secrets"))
    .flatMap((entry) => {
      const name = nameOfFile(entry);
      if (name === undefined) return [];
      try {
        checkSecretName(name);
        return [name];
      } catch {
        return [];
      }
    })
    .sort();
}

/** The environments that have a store of their own inside the store at `dir` (`envs/NAME/`). */
export function environmentStoreNames(dir: string): string[] {
  return namesIn(join(dir, "envs"))
    .filter((name) => /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name))
    .sort();
}
