import { dirname } from "node:path";
import type { AuditSink } from "../audit/event.js";
import { auditFileFor, openAuditSink } from "../audit/open-sink.js";
import { checkSchema } from "../config/check-schema.js";
import { findConfig } from "../config/find-config.js";
import { loadConfigFile } from "../config/load-file.js";
import { StrongboxError } from "../errors.js";
import { resolveConfig } from "../resolve/drive.js";
import type { ResolveOptions } from "../resolve/resolve.js";
import type { Resolution } from "../resolve/types.js";
import type { ConfigSpec } from "../schema/types.js";

/** A config file found and loaded from disk. */
export interface Project {
  readonly configPath: string;
  readonly baseDir: string;
  readonly config: ConfigSpec;
}

export interface OpenOptions {
  readonly cwd: string;
  /** An explicit config path (`--config`). */
  readonly configPath?: string | undefined;
  readonly processEnv: Readonly<Record<string, string | undefined>>;
}

/**
 * Finds and loads the project's config file (`strongbox.config.ts` or `.yaml`).
 * Throws `E_CONFIG` when there is none or it cannot be loaded, and `E_SCHEMA`
 * listing every schema problem at once.
 */
export async function openProject(options: OpenOptions): Promise<Project> {
  const configPath = findConfig(options.cwd, options.configPath);
  const config = await loadConfigFile(configPath, options.processEnv);
  const issues = checkSchema(config);
  if (issues.length > 0) {
    const error = new StrongboxError(
      "E_SCHEMA",
      `${configPath}: the schema has ${issues.length} problem${issues.length === 1 ? "" : "s"}`,
      {
        hint: "fix each field listed",
      },
    );
    Object.defineProperty(error, "issues", { value: issues });
    throw error;
  }
  return { configPath, baseDir: dirname(configPath), config };
}

/**
 * The audit log file of a project (the one rule of `auditTarget`); undefined
 * when its records go to a stream or nowhere.
 */
export function projectAuditFile(
  project: Project,
  processEnv: Readonly<Record<string, string | undefined>> | undefined,
): string | undefined {
  return auditFileFor(project.config, project.baseDir, processEnv ?? {});
}

/** The audit sink of a project, by the one rule (undefined when its audit is off). */
export function projectAuditSink(
  project: Project,
  processEnv: Readonly<Record<string, string | undefined>>,
  cwd: string,
): AuditSink | undefined {
  return openAuditSink({
    config: project.config,
    baseDir: project.baseDir,
    env: processEnv,
    cwd,
    stdoutIsData: true,
  });
}

/** Resolves a loaded project, with its audit sink (an explicit `options.audit` wins). */
export function resolveProject(
  project: Project,
  options: Omit<ResolveOptions, "baseDir">,
): Promise<Resolution> {
  const audit =
    options.audit ?? projectAuditSink(project, options.processEnv ?? {}, project.baseDir);
  return resolveConfig(project.config, {
    ...options,
    baseDir: project.baseDir,
    ...(audit === undefined ? {} : { audit }),
  });
}
