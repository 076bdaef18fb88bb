import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { toolSpawnSync } from "../exec/tool-process.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { type ReadScope, readGuarded } from "../security/read-guard.js";
import { textToBytes } from "../template/go-bytes.js";
import { parseTemplate } from "../template/parse.js";
import { checkFunctions, type RenderContext, renderTemplate } from "../template/render.js";
import { literalSecretReads } from "../template/secrets-used.js";

/** One template file: where it is read, where it is written, how, and what runs after. */
export interface TemplateFile {
  /** The template, as given (relative paths start at the options' `cwd`). */
  readonly source: string;
  /** The output, as given; required unless the render is dry. */
  readonly destination?: string | undefined;
  /** The output's file mode (default 0600). */
  readonly mode?: number | undefined;
  /** Run with `sh -c` after the output is written. */
  readonly command?: string | undefined;
}

/** How {@link renderTemplateFile} reads, renders, checks and writes one file. */
export interface TemplateFileOptions {
  /** Relative sources and destinations start here; the command runs here. */
  readonly cwd: string;
  /** The command's environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Where the template is read from and `{{ file }}` reads: asked once before the template
   * is read, then again with its text (a template that uses `file` may widen the scope).
   */
  scope(template?: string): ReadScope | Promise<ReadScope>;
  /** The template's functions: `secret`, `env`, `list`… (the file, destination and reads are added). */
  readonly context: Omit<Omit<RenderContext, "reads" | "destination">, "file">;
  /** Refuses an unsafe destination (as given); called before every write. */
  checkOutput(destination: string): void;
  /** Check the destination before rendering too: `pkiCert` reads the certificate it holds. */
  readonly checkFirst?: boolean;
  /** Fetch the paths the template reads for sure all at once, before rendering in order. */
  readonly prefetch?: boolean;
  /** Render only: nothing is written and no command runs. */
  readonly dry?: boolean;
  /** The text last written: an unchanged render is not written again. */
  readonly previous?: string | undefined;
  /** Told of the text once rendered, before anything is written (a render's audit batch). */
  onRendered?(text: string): void;
  /** Told once the output is written, before the command runs. */
  onWritten?(): void;
  /** Prefix of this caller's messages (`render`) and the hints naming its flags. */
  readonly label?: string;
  readonly hints?: { readonly read?: string; readonly output?: string; readonly command?: string };
}

/** What one file's render did. */
export interface TemplateFileResult {
  readonly text: string;
  readonly written: boolean;
}

/**
 * The one per-file render `strongbox render` and the agent share: reads the
 * template through the read guard, renders it, compares it with what was
 * written last, checks the destination and writes it atomically with its
 * mode, then runs the command after it.
 */
export async function renderTemplateFile(
  file: TemplateFile,
  options: TemplateFileOptions,
): Promise<TemplateFileResult> {
  const template = readTemplateFile(file.source, await options.scope(), options);
  const reads = await options.scope(template);
  const destination = file.destination === "" ? undefined : file.destination;
  if (destination !== undefined && options.checkFirst === true) options.checkOutput(destination);
  const nodes = parseTemplate(template, file.source);
  checkFunctions(nodes, file.source);
  // Fetched together, awaited in order: a 100-path template costs one round trip's
  // wait, not a hundred. A failure surfaces where the template reads the path.
  if (options.prefetch === true)
    for (const path of literalSecretReads(nodes))
      options.context.secret(path).catch(() => undefined);
  const text = await renderTemplate(nodes, {
    ...options.context,
    reads,
    file: file.source,
    ...(destination === undefined ? {} : { destination: resolve(options.cwd, destination) }),
  });
  options.onRendered?.(text);
  if (options.dry === true || text === options.previous) return { text, written: false };
  writeOutput(file, destination, text, options);
  if (file.command !== undefined) runCommandAfter(file, file.command, options);
  return { text, written: true };
}

/** A template source, read through the read guard: a source named /proc/self/environ is refused, not printed. */
function readTemplateFile(source: string, reads: ReadScope, options: TemplateFileOptions): string {
  try {
    return readGuarded(source, reads).toString("utf8");
  } catch (error) {
    if (options.label !== undefined && error instanceof StrongboxError && error.code === "E_IO")
      throw new StrongboxError("E_IO", `${options.label}: ${error.message}`, {
        ...(options.hints?.read === undefined ? {} : { hint: options.hints.read }),
      });
    throw error;
  }
}

/** Checks the destination again (a directory can be swapped for a link meanwhile) and writes it atomically. */
function writeOutput(
  file: TemplateFile,
  destination: string | undefined,
  text: string,
  options: TemplateFileOptions,
): void {
  if (destination === undefined)
    throw new StrongboxError(
      "E_USAGE",
      `${options.label ?? "render"}: ${file.source} has no output path`,
      { ...(options.hints?.output === undefined ? {} : { hint: options.hints.output }) },
    );
  options.checkOutput(destination);
  const target = resolve(options.cwd, destination);
  if (makeParents(target)) options.checkOutput(destination);
  writeFileAtomic(target, textToBytes(text), file.mode ?? 0o600);
  options.onWritten?.();
}

/**
 * Creates the destination's missing directories as vault-agent does
 * (consul-template's `MkdirAll(parent, 0755)`, under the umask), after the
 * path was checked; true when it made any, so the caller checks again.
 */
function makeParents(target: string): boolean {
  const parent = dirname(target);
  if (existsSync(parent)) return false;
  try {
    mkdirSync(parent, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new StrongboxError(
      "E_IO",
      `cannot create ${parent} for ${target}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      { hint: "create the directory, or choose an output path in a directory you can write" },
    );
  }
  return true;
}

function runCommandAfter(file: TemplateFile, command: string, options: TemplateFileOptions): void {
  const result = toolSpawnSync("sh", ["-c", command], {
    stdio: "inherit",
    cwd: options.cwd,
    env: options.env,
  });
  if (result.status !== 0)
    throw new StrongboxError(
      "E_SPAWN",
      `${options.label ?? "render"}: the command after ${file.destination} exited ${result.status}`,
      { ...(options.hints?.command === undefined ? {} : { hint: options.hints.command }) },
    );
}
