import { createHmac } from "node:crypto";
import { resolve } from "node:path";
import { checkOutputPath } from "../render/output-file.js";
import { renderTemplateFile, type TemplateFileOptions } from "../render/render-template-file.js";
import { schemaFunctions } from "../render/schema-functions.js";
import type { ReadScope } from "../security/read-guard.js";
import { callKey } from "../template/call-key.js";
import { envValue } from "../util/env-value.js";
import { kvVersionDeleted } from "../vault/kv-deletion.js";
import { vaultTemplateSource } from "../vault-ops/template-source.js";
import { agentOutputRules } from "./config.js";
import { readSession, recordProvenance, vaultKeys } from "./provenance.js";
import { type AgentState, vaultOf } from "./state.js";
import type { AgentTemplate } from "./types.js";

/** One render of every template: the paths it read, and the responses it fetched. */
interface RenderPass {
  readonly paths: Set<string>;
  readonly fetched: Map<string, Promise<unknown>>;
  /** The plain reads (no parameters) by path: what a provenance record may name. */
  readonly reads: Map<string, Promise<unknown>>;
  /** Vault's template functions, made when a template first reads Vault (a store-only template never does). */
  source(): ReturnType<typeof vaultTemplateSource>;
  /** `{{ strongbox "VAR" }}` and `{{ ref }}`, resolved as `render` resolves them. */
  readonly schema: ReturnType<typeof schemaFunctions>;
}

/**
 * Renders every template, writing those whose text changed, then records the
 * versions of the paths they read and keeps the responses with a lifetime.
 * True when a file was written.
 */
export async function renderAll(state: AgentState): Promise<boolean> {
  if (state.config.templates.length === 0) return false;
  const pass = newPass(state);
  let changed = false;
  const reads = readScope(state);
  for (const template of state.config.templates)
    if (await renderOne(state, pass, template, reads)) changed = true;
  const current = await Promise.all(
    [...pass.paths].map(async (path) => [path, await currentVersion(state, path)] as const),
  );
  for (const [path, version] of current) state.versions.set(path, version);
  for (const key of state.refresh.keys()) {
    const response = pass.fetched.get(key);
    if (response !== undefined) state.kept.set(key, response);
  }
  return changed;
}

function newPass(state: AgentState): RenderPass {
  const paths = new Set<string>();
  let made: ReturnType<typeof vaultTemplateSource> | undefined;
  const source = () => {
    made ??= vaultSourceFor(state, paths);
    return made;
  };
  const { baseDir, env, schema } = state.options;
  const functions = schemaFunctions({
    cwd: baseDir,
    env,
    environment: state.config.environment ?? schema?.environment,
    configPath: schema?.configPath,
  });
  return { paths, fetched: new Map(), reads: new Map(), source, schema: functions };
}

/** The pass's Vault functions, recording every path read and every lease to refresh. */
function vaultSourceFor(state: AgentState, paths: Set<string>) {
  return vaultTemplateSource(vaultOf(state), {
    onPath: (path) => paths.add(path),
    onLease: (lease) =>
      state.refresh.set(lease.key, {
        at: lease.fetchedAt + (lease.ttl * 1000 * 2) / 3,
        leaseId: lease.leaseId,
        renewable: lease.renewable,
        ttl: lease.ttl,
      }),
    audit: state.options.audit,
  });
}

/**
 * Templates read (their sources, `{{ file }}`) inside the agent's directory and the sources
 * agent.yaml names; never a credential or /proc (security/read-guard.ts).
 */
function readScope(state: AgentState): ReadScope {
  const { baseDir, env } = state.options;
  return {
    roots: [baseDir],
    named: state.config.templates.map((template) => resolve(baseDir, template.source)),
    cwd: baseDir,
    env,
  };
}

/** A response kept from an earlier render, else this render's, else a new request. */
function passSecret(
  state: AgentState,
  pass: RenderPass,
  path: string,
  params: readonly string[],
): Promise<unknown> {
  const key = callKey(path, params);
  const response =
    state.kept.get(key) ?? pass.fetched.get(key) ?? pass.source().secret(path, params);
  pass.fetched.set(key, response);
  if (params.length === 0) pass.reads.set(path, response);
  return response;
}

/** Renders one template through the shared per-file render; true when it was written. */
async function renderOne(
  state: AgentState,
  pass: RenderPass,
  template: AgentTemplate,
  reads: ReadScope,
): Promise<boolean> {
  const { baseDir, env } = state.options;
  const options: TemplateFileOptions = {
    cwd: baseDir,
    env,
    scope: () => reads,
    context: {
      secret: (path, params = []) => passSecret(state, pass, path, params),
      list: (path) => pass.source().list(path),
      env: (name) => envValue(env, name),
      variable: pass.schema.variable,
      ref: pass.schema.ref,
      refreshAt: (key, at) => state.refresh.set(key, { at, leaseId: "", renewable: false, ttl: 0 }),
    },
    // Checked before every write, not once: a directory can be swapped for a link meanwhile.
    checkOutput: (destination) =>
      checkOutputPath(destination, baseDir, agentOutputRules(baseDir, state.config.outputDirs)),
    previous: state.rendered.get(template.destination),
  };
  const { text, written } = await renderTemplateFile(template, options);
  if (!written) return false;
  state.rendered.set(template.destination, text);
  if (state.config.provenance !== undefined)
    recordProvenance(
      state,
      template,
      text,
      await vaultKeys(text, pass.reads),
      await readSession(state),
    );
  state.log({
    level: "info",
    event: "rendered",
    message: `rendered ${template.source} -> ${template.destination}`,
  });
  return true;
}

/**
 * What changes when a secret does. KV v2: the current version and when it was made (a
 * secret destroyed and written again restarts at version 1, with a new time), from the
 * metadata, so polling reads no data. KV v1 keeps no versions: a keyed hash of the data.
 */
export async function currentVersion(state: AgentState, path: string): Promise<string> {
  const metadata = await vaultOf(state).kvMetadata(path);
  if (metadata !== undefined) {
    const current = Number(metadata.current_version ?? 0);
    const version = (
      metadata.versions as
        | Record<string, { created_time?: string; deletion_time?: string; destroyed?: boolean }>
        | undefined
    )?.[String(current)];
    // Whether it is deleted, not its deletion time: a delete_version_after time passing is a change.
    return `${current}:${version?.created_time ?? ""}:${kvVersionDeleted(version)}:${version?.destroyed === true}`;
  }
  const secret = await vaultOf(state).kvRead(path);
  if (secret === undefined) return "absent";
  return createHmac("sha256", state.signatureKey)
    .update(JSON.stringify(sortedEntries(secret.data)))
    .digest("base64url");
}

/** The entries of a secret's data in key order, so two reads of the same data hash alike. */
function sortedEntries(data: Readonly<Record<string, unknown>>): Array<[string, unknown]> {
  return Object.keys(data)
    .sort()
    .map((key) => [key, data[key]]);
}
