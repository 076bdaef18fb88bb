import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Issue } from "../errors.js";
import { toolSpawnSync } from "../exec/tool-process.js";

/** The rules a file git would commit breaks, by what the file holds. */
export type UnignoredRule =
  | "env-file-not-ignored"
  | "rendered-file-not-ignored"
  | "journal-not-ignored";

/** A file of a project that git would commit although it holds secrets or Vault's layout. */
export type UnignoredFinding = Issue & { readonly rule: UnignoredRule; readonly hint: string };

/** The rules of {@link unignoredFiles}, for doctor's gitignore line. */
export const UNIGNORED_RULES: ReadonlySet<string> = new Set<UnignoredRule>([
  "env-file-not-ignored",
  "rendered-file-not-ignored",
  "journal-not-ignored",
]);

const EXAMPLE = /\.(example|sample|template|dist|defaults)$/;
/** `migrate --apply`'s default journal name (`migrate-<time>.jsonl`). */
const JOURNAL = /^migrate-.*\.jsonl$/;

interface Candidate {
  readonly file: string;
  readonly rule: UnignoredRule;
  readonly message: string;
  readonly hint: string;
}

/**
 * Every file of the project that Strongbox itself fills with secrets or with
 * Vault's layout, and that git does not ignore: `.env` files (not the
 * examples), the files the agent renders (agent.yaml's `destination`s, before
 * the first render too) and `migrate` journals (Vault paths, keys and
 * versions). The one list of such files; lint and doctor both ask it. A
 * directory that is not a git work tree has no findings.
 */
export function unignoredFiles(baseDir: string): UnignoredFinding[] {
  const candidates = [...envFiles(baseDir), ...renderedFiles(baseDir), ...journals(baseDir)];
  if (candidates.length === 0) return [];
  const result = toolSpawnSync("git", ["check-ignore", "--", ...candidates.map((c) => c.file)], {
    cwd: baseDir,
    encoding: "utf8",
  });
  if (result.status === 128 || result.error !== undefined) return [];
  const ignored = new Set(
    String(result.stdout)
      .split("\n")
      .map((line) => line.trim()),
  );
  return candidates
    .filter((candidate) => !ignored.has(candidate.file))
    .map(({ rule, message, hint }) => ({ code: "E_LINT", rule, message, hint }));
}

function envFiles(baseDir: string): Candidate[] {
  return readdirSync(baseDir)
    .filter((name) => /^\.env(\..+)?$/.test(name) && !EXAMPLE.test(name))
    .map((file) => ({
      file,
      rule: "env-file-not-ignored",
      message: `${file} is not ignored by git and may be committed with its secrets`,
      hint: `add ${file} to .gitignore, or move its secrets into the store (strongbox import ${file} --gitignore)`,
    }));
}

function journals(baseDir: string): Candidate[] {
  return readdirSync(baseDir)
    .filter((name) => JOURNAL.test(name))
    .map((file) => ({
      file,
      rule: "journal-not-ignored",
      message: `${file} (a migrate journal: Vault paths, keys and versions) is not ignored by git`,
      hint: "add migrate-*.jsonl to .gitignore; keep the journal until the rollback window is over",
    }));
}

/** agent.yaml's template destinations inside the project; a broken agent.yaml is the agent's to report. */
function renderedFiles(baseDir: string): Candidate[] {
  const path = ["agent.yaml", "agent.yml"].map((name) => join(baseDir, name)).find(existsSync);
  if (path === undefined) return [];
  let templates: unknown;
  try {
    templates = (parseYaml(readFileSync(path, "utf8")) as { templates?: unknown } | null)
      ?.templates;
  } catch {
    return [];
  }
  if (!Array.isArray(templates)) return [];
  return templates.flatMap((template: { destination?: unknown }) => {
    if (typeof template?.destination !== "string" || template.destination === "") return [];
    const file = relative(baseDir, resolve(baseDir, template.destination));
    // git answers 128 for the whole list when one path is outside the work tree.
    if (file === "" || file.startsWith("..") || isAbsolute(file)) return [];
    return [
      {
        file,
        rule: "rendered-file-not-ignored" as const,
        message: `${file} (rendered with secret values by the agent, agent.yaml) is not ignored by git`,
        hint: `add ${file} to .gitignore: a rendered file holds the values themselves`,
      },
    ];
  });
}
