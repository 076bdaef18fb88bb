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
import { writeFileAtomic } from "../fs/atomic-write.js";
import { readUserFile } from "../fs/read-user-file.js";
import { type ScaffoldedVariable, scaffoldVariables, scaffoldYaml } from "../generate/scaffold.js";
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
export { checkOutputPath, outputMode } from "../render/output-file.js";
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
  const variables = scaffoldVariables(readUserFile(path, where), where.shown);
  return { variables, yaml: scaffoldYaml(variables, where.shown) };
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
