/**
 * Rendering consul-template style templates (`secrets.ctmpl`) from Vault and
 * the schema, written safely (atomic, 0600, no symlinks, no writable
 * directories); the agent that keeps them current; and generating the
 * template and `.env.example` layers from the schema.
 *
 * ```ts
 * import { renderFiles } from "strongbox/render";
 * await renderFiles([{ input: "secrets.ctmpl", output: "app.env" }], { cwd, env: process.env });
 * ```
 * @packageDocumentation
 */
export type { AgentConfig, AgentHandle, AgentLog } from "../agent/agent.js";
export { startAgent } from "../agent/agent.js";
export { readAgentConfig } from "../agent/config.js";
export type { GeneratedTemplate } from "../generate/ctmpl.js";
export { renderCtmpl } from "../generate/ctmpl.js";
export { renderEnvExample } from "../generate/example.js";
export type { GeneratedFile } from "../generate/project-files.js";
export { generatedFiles, staleFiles, writeGenerated } from "../generate/project-files.js";
export type { OutputRules } from "../render/output-file.js";
export { checkOutputPath, outputMode } from "../render/output-file.js";
export type { RenderJob, RenderOptions } from "../render/render-files.js";
export { renderFiles } from "../render/render-files.js";
