/**
 * Rendering consul-template style templates (`secrets.ctmpl`) from Vault and
 * the schema, written safely (atomic, 0600, no symlinks, no writable
 * directories); the agent that keeps them current; and generating the
 * template and `.env.example` layers from the schema; and the output formats
 * of `strongbox export` (one record per format: its help, options, renderer).
 *
 * ```ts
 * import { renderFiles } from "strongbox/render";
 * await renderFiles([{ input: "secrets.ctmpl", output: "app.env" }], { cwd, env: process.env });
 * ```
 * @packageDocumentation
 */

import { basename, dirname } from "node:path";
import { StrongboxError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { readUserFile } from "../fs/read-user-file.js";
import {
  type ScaffoldedVariable,
  scaffoldFromSettings,
  scaffoldVariables,
  scaffoldYaml,
} from "../generate/scaffold.js";
import { readSettingsClasses } from "../layers/pydantic.js";
import { checkOutputPath, type OutputRules } from "../render/output-file.js";

export type { AgentConfig, AgentHandle, AgentLog } from "../agent/agent.js";
export { startAgent } from "../agent/agent.js";
export type { AgentRotation } from "../agent/config.js";
export { readAgentConfig } from "../agent/config.js";
export type {
  Format,
  FormatOption,
  FormatOptions,
  FormatRecord,
  Pairs,
} from "../format/formats.js";
/** The output formats of `strongbox export` as records (help, options, renderer), and rendering pairs in one. */
export { FORMAT_RECORDS, FORMATS, formatPairs, githubMasks, isFormat } from "../format/formats.js";
export type { GeneratedTemplate } from "../generate/ctmpl.js";
export { renderCtmpl } from "../generate/ctmpl.js";
export { renderEnvExample } from "../generate/example.js";
export type { GeneratedFile } from "../generate/project-files.js";
export {
  generatedFiles,
  obsoleteTemplates,
  removeGenerated,
  staleFiles,
  writeGenerated,
} from "../generate/project-files.js";
export type { ScaffoldedVariable } from "../generate/scaffold.js";
export { missingGitignoreLines, scaffoldVariables, scaffoldYaml } from "../generate/scaffold.js";
export type { OutputRules } from "../render/output-file.js";
export { appendToRegularFile, checkOutputPath, outputMode } from "../render/output-file.js";
export type { RenderJob, RenderOptions } from "../render/render-files.js";
export { renderFiles } from "../render/render-files.js";
export { textToBytes } from "../template/go-bytes.js";

/**
 * A proposed `strongbox.config.yaml` from a `.env` or `.env.example` file a
 * user named: its variables (secrets guessed from their names) and the YAML.
 * A missing or unreadable file is `E_IO` naming it as `shown`, after `context`.
 */
export function scaffoldConfig(
  path: string,
  where: { readonly shown: string; readonly context: string; readonly hint: string },
): { variables: ScaffoldedVariable[]; yaml: string } {
  const text = readUserFile(path, where);
  const variables = path.endsWith(".py")
    ? scaffoldFromSettings(settingsFields(text, where.shown))
    : scaffoldVariables(text, where.shown);
  // The project names the Vault path convention of [VAULT]-marked variables.
  const project =
    basename(dirname(path))
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-") || "app";
  return { variables, yaml: scaffoldYaml(variables, where.shown, project) };
}

/** The fields of a Python file's `BaseSettings` classes, read statically; none is a usage error. */
function settingsFields(text: string, shown: string) {
  const fields = readSettingsClasses(text).flatMap((found) => found.fields);
  if (fields.length === 0)
    throw new StrongboxError(
      "E_USAGE",
      `init --from: ${shown} has no class deriving from BaseSettings with annotated fields`,
      {
        hint: "give the Python file that defines the Pydantic settings class (often config.py or settings.py)",
      },
    );
  return fields;
}

/**
 * Writes a report or rendered text to `path` the way rendered files are
 * written: the path is checked first by {@link checkOutputPath} (relative to
 * `cwd`, under `rules`), then the file is replaced atomically with mode
 * `mode` (0600 unless given).
 */
export function writeOutputFile(
  path: string,
  cwd: string,
  text: string | Uint8Array,
  options: OutputRules & { readonly mode?: number } = {},
): void {
  const { mode = 0o600, ...rules } = options;
  checkOutputPath(path, cwd, rules);
  writeFileAtomic(path, typeof text === "string" ? Buffer.from(text) : text, mode);
}
