import { existsSync, readFileSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { scriptOutputs } from "./script-outputs.js";

/** The kinds of file Strongbox itself fills with secrets or with Vault's layout. */
export type SecretFileRule =
  | "env-file-not-ignored"
  | "rendered-file-not-ignored"
  | "journal-not-ignored";

/** What a file is, said for the user: never its content. */
export interface SecretFileKind {
  readonly rule: SecretFileRule;
  /** What the file holds, to follow its name in a message. */
  readonly holds: string;
  /** What to do about it, for a file git would commit. */
  readonly hint: string;
}

const EXAMPLE = /\.(example|sample|template|dist|defaults)$/;
/** `migrate --apply`'s default journal name (`migrate-<time>.jsonl`). */
const JOURNAL = /^migrate-.*\.jsonl$/;
/** The agent's signed provenance record beside a file it rendered (security/provenance.ts). */
const PROVENANCE = ".provenance.json";

/**
 * The one rule of which files hold secrets by what they are, asked by
 * `lint` and `doctor` (files git would commit) and by the pre-commit hook
 * (files being committed): `.env` files in any directory (not the examples),
 * `migrate` journals in any directory, and rendered files — a destination
 * the project's agent.yaml names, or any file the agent signed a provenance
 * record for (`FILE.provenance.json` beside it). `file` is relative to the
 * project, `/`-separated; `rendered` holds the declared destinations the
 * same way; `exists` says whether a project file exists (for provenance).
 */
export function secretFileKind(
  file: string,
  rendered: ReadonlySet<string>,
  exists: (file: string) => boolean,
): SecretFileKind | undefined {
  const name = basename(file);
  if (/^\.env(\..+)?$/.test(name) && !EXAMPLE.test(name))
    return {
      rule: "env-file-not-ignored",
      holds: "a .env file, values in plain text",
      hint: `add ${file} to .gitignore, or move its secrets into the store (strongbox import ${file} --gitignore)`,
    };
  if (JOURNAL.test(name))
    return {
      rule: "journal-not-ignored",
      holds: "a migrate journal: Vault paths, keys and versions",
      hint: "add migrate-*.jsonl to .gitignore; keep the journal until the rollback window is over",
    };
  if (rendered.has(file) || (!file.endsWith(PROVENANCE) && exists(`${file}${PROVENANCE}`)))
    return {
      rule: "rendered-file-not-ignored",
      holds:
        "rendered with secret values (agent.yaml, a package.json script or an agent provenance record)",
      hint: `add ${file} to .gitignore: a rendered file holds the values themselves`,
    };
  return undefined;
}

/**
 * The rendered files a project declares, relative to `baseDir`, before the
 * first render too: agent.yaml's destinations and the outputs its
 * package.json scripts give `strongbox render` and `strongbox export`.
 */
export function declaredRenderedFiles(baseDir: string): string[] {
  return [...new Set([...agentDestinations(baseDir), ...scriptOutputs(baseDir)])];
}

/** The destinations agent.yaml (or agent.yml) names inside `baseDir`; a broken file is the agent's to report. */
function agentDestinations(baseDir: string): string[] {
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
    if (file === "" || file.startsWith("..") || isAbsolute(file)) return [];
    return [file.split("\\").join("/")];
  });
}
