import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Issue } from "../errors.js";
import { toolSpawnSync } from "../exec/tool-process.js";
import { declaredRenderedFiles, type SecretFileRule, secretFileKind } from "./secret-files.js";

/** The rules a file git would commit breaks, by what the file holds. */
export type UnignoredRule = SecretFileRule;

/** A file of a project that git would commit although it holds secrets or Vault's layout. */
export type UnignoredFinding = Issue & { readonly rule: UnignoredRule; readonly hint: string };

/** The rules of {@link unignoredFiles}, for doctor's gitignore line. */
export const UNIGNORED_RULES: ReadonlySet<string> = new Set<UnignoredRule>([
  "env-file-not-ignored",
  "rendered-file-not-ignored",
  "journal-not-ignored",
]);

/**
 * Every file of the project that Strongbox itself fills with secrets or with
 * Vault's layout ({@link secretFileKind}: `.env` files and migrate journals
 * in any directory, rendered files) that git would commit: untracked and
 * not ignored, or already tracked (an ignore rule added after the commit does
 * not take a file out of git). Declared rendered destinations count before
 * their first render. The one list of such files; lint and doctor both ask
 * it. A directory that is not a git work tree has no findings.
 */
export function unignoredFiles(baseDir: string): UnignoredFinding[] {
  const listed = toolSpawnSync(
    "git",
    ["ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard"],
    { cwd: baseDir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  if (listed.status !== 0 || listed.error !== undefined) return [];
  const files = new Map<string, boolean>();
  for (const entry of String(listed.stdout).split("\0")) {
    // `H path` tracked, `? path` untracked (other tags are tracked states too).
    if (entry.length > 2) files.set(entry.slice(2), entry[0] !== "?");
  }
  const rendered = new Set(declaredRenderedFiles(baseDir));
  for (const file of notYetRendered(baseDir, rendered)) files.set(file, false);
  const exists = (file: string) => files.has(file) || existsSync(join(baseDir, file));
  const order = [...UNIGNORED_RULES];
  const found = [...files].flatMap(([file, tracked]): UnignoredFinding[] => {
    const kind = secretFileKind(file, rendered, exists);
    if (kind === undefined) return [];
    return [
      {
        code: "E_LINT",
        rule: kind.rule,
        message: tracked
          ? `${file} (${kind.holds}) is tracked by git: it is committed with its secrets`
          : `${file} (${kind.holds}) is not ignored by git and may be committed with its secrets`,
        hint: tracked
          ? `take it out of git (git rm --cached ${file}), ${kind.hint.replace(/^add/, "add it")}`
          : kind.hint,
      },
    ];
  });
  return found.sort((a, b) => order.indexOf(a.rule) - order.indexOf(b.rule));
}

/** Declared destinations that do not exist yet and that git does not ignore. */
function notYetRendered(baseDir: string, rendered: ReadonlySet<string>): string[] {
  const missing = [...rendered].filter((file) => !existsSync(join(baseDir, file)));
  if (missing.length === 0) return [];
  const result = toolSpawnSync("git", ["check-ignore", "--", ...missing], {
    cwd: baseDir,
    encoding: "utf8",
  });
  if (result.status === 128 || result.error !== undefined) return [];
  const ignored = new Set(
    String(result.stdout)
      .split("\n")
      .map((line) => line.trim()),
  );
  return missing.filter((file) => !ignored.has(file));
}
