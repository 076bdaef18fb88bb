/**
 * Strongbox: one typed schema for an application's configuration and secrets,
 * resolved per environment from the sources that environment allows.
 * @packageDocumentation
 */
export type { AuditEvent, AuditSink } from "./audit/event.js";
export { createJsonlSink } from "./audit/event.js";
/** The project's config file when there is one (`explicit` must exist); `undefined` when none is found. */
export { findConfigIfAny } from "./config/find-config.js";
export {
  canonicalEnvironment,
  DEFAULT_ENVIRONMENT_ALIASES,
} from "./environments/aliases.js";
export type { Environment } from "./environments/select.js";
export type { ErrorCode, Issue } from "./errors.js";
export { isStrongboxError, ResolutionError, StrongboxError } from "./errors.js";
export type { LoadOptions } from "./project/load.js";
export { loadConfig, loadConfigSync } from "./project/load.js";
export type { Project } from "./project/open.js";
export { openProject, resolveProject } from "./project/open.js";
export type { ProjectSession, SessionOptions } from "./project/session.js";
export { openSession, openSessionIfAny, sessionOf, withSession } from "./project/session.js";
export type { Redactor, SecretToMask } from "./redact/redactor.js";
export { createRedactor } from "./redact/redactor.js";
export type { Ref } from "./refs/ref.js";
export { formatRef, parseRef } from "./refs/ref.js";
export { resolveConfig, resolveConfigSync } from "./resolve/drive.js";
export type { ResolveOptions } from "./resolve/resolve.js";
export type { Provenance, Resolution, ResolvedEntry } from "./resolve/types.js";
export { defineConfig } from "./schema/define.js";
export type { StandardSchemaV1 } from "./schema/standard-schema.js";
export type * from "./schema/types.js";
