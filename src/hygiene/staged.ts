import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { StrongboxError } from "../errors.js";
import { toolSpawnSync } from "../exec/tool-process.js";
import { createRedactor, type SecretToMask } from "../redact/redactor.js";
import { shellWord } from "../util/shell-word.js";
import { valuesIn } from "./scan.js";
import { declaredRenderedFiles, type SecretFileRule, secretFileKind } from "./secret-files.js";

type Env = Readonly<Record<string, string | undefined>>;

/** One reason a staged file must not be committed: the file and line, never a value. */
export interface StagedFinding {
  readonly file: string;
  /** The line of a secret's value; absent when the whole file is the problem. */
  readonly line?: number;
  readonly rule: SecretFileRule | "secret-value";
  /** The variable whose value is in the file. */
  readonly variable?: string;
  readonly message: string;
  readonly hint: string;
}

/** A staged blob: what `git commit` would record, which may differ from the working tree. */
interface StagedFile {
  readonly path: string;
  readonly oid: string;
}

const MAX_BLOB = 32 * 1024 * 1024;

function git(args: readonly string[], cwd: string, env: Env, input?: string) {
  // The caller's environment: a hook sees the index git commits from (GIT_INDEX_FILE under `commit -a`).
  const result = toolSpawnSync("git", args, {
    cwd,
    env,
    maxBuffer: 1024 * 1024 * 1024,
    ...(input === undefined ? {} : { input }),
  });
  if (result.error !== undefined || result.status !== 0)
    throw new StrongboxError("E_IO", `git ${args[0]} failed in ${cwd}`, {
      hint: "run it inside a git work tree (the pre-commit hook runs at its top)",
    });
  return result.stdout as Buffer;
}

/** The work tree's top directory and the files the index would add or change (not deletions, submodules or links). */
export function stagedFiles(cwd: string, env: Env): { top: string; files: StagedFile[] } {
  const top = git(["rev-parse", "--show-toplevel"], cwd, env).toString("utf8").trim();
  const raw = git(
    ["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--diff-filter=ACMT"],
    top,
    env,
  )
    .toString("utf8")
    .split("\0");
  const files: StagedFile[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // `:OLDMODE NEWMODE OLDOID NEWOID STATUS`, then the path.
    const [, mode, , oid] = (raw[i] as string).slice(1).split(" ");
    if (mode === "100644" || mode === "100755")
      files.push({ path: raw[i + 1] as string, oid: oid as string });
  }
  return { top, files };
}

/** The staged contents by object id, through one `git cat-file --batch`. */
function blobs(top: string, env: Env, files: readonly StagedFile[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (files.length === 0) return out;
  const bytes = git(["cat-file", "--batch"], top, env, `${files.map((f) => f.oid).join("\n")}\n`);
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf(0x0a, at);
    const [oid, , size] = bytes.subarray(at, end).toString("latin1").split(" ");
    const length = Number(size);
    out.set(oid as string, bytes.subarray(end + 1, end + 1 + length));
    at = end + 1 + length + 1;
  }
  return out;
}

/**
 * What the pre-commit hook refuses: staged files Strongbox fills with
 * secrets by what they are ({@link secretFileKind}: `.env` files, journals,
 * rendered files) and staged contents holding a secret's value (the scan's
 * detector, {@link valuesIn}: plain and encoded forms). The staged blobs are
 * read, not the working tree, so a value removed from the file but still in
 * the index is found, and one only in the working tree is not reported.
 * `baseDir` is the project (for its agent.yaml).
 */
export function scanStaged(options: {
  readonly cwd: string;
  readonly env: Env;
  readonly baseDir: string;
  readonly secrets: readonly SecretToMask[];
}): { findings: StagedFinding[]; files: number; tooShort: readonly string[] } {
  const { top, files } = stagedFiles(options.cwd, options.env);
  const staged = new Set(files.map((file) => file.path));
  const rendered = new Set(
    declaredRenderedFiles(options.baseDir).map((file) =>
      relative(top, join(options.baseDir, file)).split("\\").join("/"),
    ),
  );
  const exists = (file: string) => staged.has(file) || existsSync(join(top, file));
  const redactor = createRedactor(options.secrets);
  const contents = blobs(top, options.env, files);
  const findings: StagedFinding[] = [];
  for (const file of files) {
    const kind = secretFileKind(file.path, rendered, exists);
    if (kind !== undefined)
      findings.push({
        file: file.path,
        rule: kind.rule,
        message: `${file.path}: ${kind.holds}; it must not be committed`,
        hint: `unstage it (git restore --staged -- ${shellWord(file.path)}); ${kind.hint}`,
      });
    const bytes = contents.get(file.oid);
    if (bytes === undefined || bytes.length > MAX_BLOB) continue;
    const seen = new Set<string>();
    for (const hit of valuesIn(bytes, redactor)) {
      if (seen.has(`${hit.line}:${hit.variable}`)) continue;
      seen.add(`${hit.line}:${hit.variable}`);
      findings.push({
        file: file.path,
        line: hit.line,
        rule: "secret-value",
        variable: hit.variable,
        message: `${file.path}:${hit.line}: the value of ${hit.variable}`,
        hint: "take the value out of the file (read it through strongbox run or the library), stage the file again; if it was ever pushed, rotate the secret",
      });
    }
  }
  return { findings, files: files.length, tooShort: redactor.tooShort };
}
