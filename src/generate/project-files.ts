import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import type { Project } from "../project.js";
import { renderCtmpl } from "./ctmpl.js";
import { renderEnvExample } from "./example.js";

/** A file generated from the schema: where it goes and what it holds (names and placeholders, never values). */
export interface GeneratedFile {
  readonly path: string;
  readonly text: string;
}

/**
 * The files `strongbox generate` makes from a project's schema: `.env.example`
 * beside the config, or one `secrets.ctmpl` per component that reads Vault in
 * production (none when nothing does). `out` (relative to `cwd`) is the file
 * for `example`, the directory for `ctmpl`.
 */
export function generatedFiles(
  project: Project,
  what: "example" | "ctmpl",
  options: { readonly cwd: string; readonly out?: string | undefined; readonly kvVersion?: 1 | 2 },
): GeneratedFile[] {
  if (what === "example")
    return [
      {
        path:
          options.out === undefined
            ? join(project.baseDir, ".env.example")
            : resolve(options.cwd, options.out),
        text: renderEnvExample(project.config, basename(project.configPath)),
      },
    ];
  const dir = options.out === undefined ? project.baseDir : resolve(options.cwd, options.out);
  return renderCtmpl(project.config, { kvVersion: options.kvVersion ?? 2 }).map((template) => ({
    path: join(dir, template.file),
    text: template.text,
  }));
}

/** The generated files whose copy on disk is missing or differs (the CI check). */
export function staleFiles(files: readonly GeneratedFile[]): GeneratedFile[] {
  return files.filter(
    (file) => !existsSync(file.path) || readFileSync(file.path, "utf8") !== file.text,
  );
}

/** Writes one generated file, creating its directory; `E_IO` naming the path when it cannot. */
export function writeGenerated(file: GeneratedFile): void {
  try {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.text);
  } catch (error) {
    throw new StrongboxError(
      "E_IO",
      `cannot write ${file.path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      { hint: "check the directory is writable" },
    );
  }
}
