import { dirname, resolve } from "node:path";
import type { AuditEvent, AuditSink } from "../audit/event.js";
import { openAuditSink } from "../audit/open-sink.js";
import { findConfigIfAny } from "../config/find-config.js";
import { selectEnvironment } from "../environments/select.js";
import { openProject, type Project, projectAuditSink } from "../project/open.js";
import { vaultClientFor } from "../project/vault-client.js";
import { createRedactor } from "../redact/redactor.js";
import { configNamedFiles } from "../resolve/read-scope.js";
import type { ReadScope } from "../security/read-guard.js";
import { callKey } from "../template/call-key.js";
import { TEMPLATE_ENV_VARIABLE } from "../template/env-variable.js";
import { envValue } from "../util/env-value.js";
import { VaultClient } from "../vault/client.js";
import { vaultTemplateSource } from "../vault-ops/template-source.js";
import { checkOutputPath } from "./output-file.js";
import { renderTemplateFile, type TemplateFileOptions } from "./render-template-file.js";
import { resolveThroughSchema } from "./schema-functions.js";

/** One template to render: where it is, where it goes, and a command to run after writing. */
export interface RenderJob {
  readonly input: string;
  /** Required unless the render is dry. */
  readonly output?: string | undefined;
  /** Run with `sh -c` after the output is written, without Strongbox's credentials. */
  readonly command?: string | undefined;
}

/** How {@link renderFiles} renders and writes. */
export interface RenderOptions {
  /** Relative template and output paths start here. */
  readonly cwd: string;
  /** The environment: Vault's address and credentials, and what `env` in a template reads. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Return the texts instead of writing; every value from Vault, the schema or the environment masked. */
  readonly dry?: boolean;
  /** With `dry`: do not mask. */
  readonly reveal?: boolean;
  /** A key missing from a secret renders empty instead of failing. */
  readonly allowMissing?: boolean;
  /** The outputs' file mode (default 0600). */
  readonly mode?: number;
  /** Write through a symlink at the output path. */
  readonly force?: boolean;
  /** The environment `{{ strongbox "VAR" }}` and `{{ ref "…" }}` resolve in. */
  readonly environment?: string | undefined;
  /** The config those resolve through (else the one found from `cwd`). */
  readonly configPath?: string | undefined;
  /** Told of each output as it is written (the CLI prints a line). */
  readonly onWritten?: (job: RenderJob) => void;
  /** Where each Vault read is recorded; by default the project's audit sink (the one rule). */
  readonly audit?: AuditSink;
}

/**
 * Renders consul-template style templates from Vault (and the schema) and
 * writes each output atomically, refusing unsafe output paths; what
 * `strongbox render` does. Vault is reached with the project config's
 * `vault:` settings when there is a config, and only once a template reads a
 * Vault path. Returns the rendered texts when `dry` (masked unless `reveal`).
 */
export async function renderFiles(
  jobs: readonly RenderJob[],
  options: RenderOptions,
): Promise<string[]> {
  const run = newRun(jobs, options);
  const texts: string[] = [];
  try {
    for (const job of jobs) {
      const { text } = await renderTemplateFile(
        { source: job.input, destination: job.output, mode: options.mode, command: job.command },
        fileOptions(run, job),
      );
      if (options.dry === true)
        texts.push(options.reveal === true ? text : createRedactor(run.secrets).redact(text));
    }
    return texts;
  } catch (error) {
    // What was read before the failure is recorded all the same.
    try {
      flushAudit(run);
    } catch {
      // The render's own error says more than a second one from the sink.
    }
    throw error;
  } finally {
    await run.client?.close();
  }
}

/** One `renderFiles` call: the project, Vault and audit sink it opens on first need, and what it masks. */
interface RenderRun {
  readonly options: RenderOptions;
  /** Every value a dry render masks: from Vault, the schema, the environment and `{{ file }}`. */
  readonly secrets: Array<{ name: string; value: string }>;
  project?: Promise<Project>;
  client?: VaultClient;
  vault?: ReturnType<typeof vaultTemplateSource>;
  // A render's audit records go to the sink as one batch (one fsync, not one per path),
  // written before its output is: the access takes effect when the file does.
  sink?: AuditSink;
  readonly pending: AuditEvent[];
  // One request per distinct call in a render, as consul-template shares a dependency: two
  // `pkiCert`s or `secret` writes with the same parameters get the same certificate.
  readonly cache: Map<string, Promise<unknown>>;
  readonly configFile: string | undefined;
  readonly named: readonly string[];
  reads: ReadScope;
}

function newRun(jobs: readonly RenderJob[], options: RenderOptions): RenderRun {
  // Where templates read files (`{{ file }}`, `{{ ref "file://…" }}`) and are read from: the
  // project (the config's directory, else the current one), the template sources named, and
  // the files the config names; never a credential or /proc (security/read-guard.ts).
  const configFile = findConfigIfAny(options.cwd, options.configPath);
  const named = jobs.map((job) => resolve(options.cwd, job.input));
  return {
    options,
    secrets: [],
    pending: [],
    cache: new Map(),
    configFile,
    named,
    reads: {
      roots: [configFile === undefined ? options.cwd : dirname(configFile)],
      named,
      cwd: options.cwd,
      env: options.env,
    },
  };
}

/** How one job is rendered: the shared per-file render with `strongbox render`'s rules. */
function fileOptions(run: RenderRun, job: RenderJob): TemplateFileOptions {
  const { options } = run;
  const check = (output: string) =>
    checkOutputPath(resolve(options.cwd, output), options.cwd, {
      allowSymlink: options.force === true,
    });
  return {
    cwd: options.cwd,
    env: options.env,
    scope: (template) => scopeFor(run, template),
    context: renderContext(run),
    checkOutput: check,
    checkFirst: true,
    prefetch: true,
    dry: options.dry === true,
    onRendered: () => flushAudit(run),
    onWritten: () => options.onWritten?.(job),
    label: "render",
    hints: {
      read: "check the template path given with -i or -t",
      output: "give -o OUTPUT (or use --dry)",
      command: "check the command given with -t",
    },
  };
}

/**
 * The read scope for a template: the files the config names are readable by `{{ file }}` too,
 * so the config is loaded when a template may ask. A config that cannot be opened names
 * nothing; `{{ strongbox }}` and `{{ ref }}` report it.
 */
async function scopeFor(run: RenderRun, template: string | undefined): Promise<ReadScope> {
  if (template !== undefined && /\bfile\b/.test(template))
    await readsWithConfig(run).catch(() => run.reads);
  return run.reads;
}

/** The template functions of a render: Vault through the run's cache, the environment and the schema. */
function renderContext(run: RenderRun): TemplateFileOptions["context"] {
  const { options } = run;
  return {
    secret: (path, params = []) => cachedSecret(run, path, params),
    env: (name) => envRead(run, name),
    list: async (path) => (await vaultSource(run)).list(path),
    variable: (name) => through(run, name, undefined),
    ref: (text) => through(run, "REF", text),
    allowMissing: options.allowMissing === true,
    // A dry render masks what `file` read too: it may be a secret the schema never named.
    onFile: (path, content) => {
      if (content !== "") run.secrets.push({ name: `file:${path}`, value: content });
    },
  };
}

/**
 * `env NAME` in a template. With `-e`, `ENV` is the environment selected (the
 * generated secrets.ctmpl reads its paths from it): the credentials are that
 * environment's, so the paths must be too. A dry render masks what came from
 * the environment: it may be a secret the schema never named.
 */
function envRead(run: RenderRun, name: string): string | undefined {
  const selected = run.options.environment;
  if (name === TEMPLATE_ENV_VARIABLE && selected !== undefined) return selected;
  const value = envValue(run.options.env, name);
  if (value !== undefined && value !== "") run.secrets.push({ name, value });
  return value;
}

function cachedSecret(run: RenderRun, path: string, params: readonly string[]): Promise<unknown> {
  const key = callKey(path, params);
  if (!run.cache.has(key))
    run.cache.set(
      key,
      vaultSource(run).then((vault) => vault.secret(path, params)),
    );
  return run.cache.get(key) as Promise<unknown>;
}

function openRunProject(run: RenderRun): Promise<Project> {
  run.project ??= openProject({
    cwd: run.options.cwd,
    configPath: run.options.configPath,
    processEnv: run.options.env,
  });
  return run.project;
}

function flushAudit(run: RenderRun): void {
  if (run.sink !== undefined && run.pending.length > 0) run.sink.write(run.pending.splice(0));
}

/** Vault, opened when a template first reads it, with its audit sink. */
async function vaultSource(run: RenderRun): Promise<ReturnType<typeof vaultTemplateSource>> {
  if (run.vault !== undefined) return run.vault;
  const { options } = run;
  const hasConfig = findConfigIfAny(options.cwd, options.configPath) !== undefined;
  if (hasConfig) {
    // The environment's own Vault and credentials, as `run -e` in it would read.
    const { config } = await openRunProject(run);
    run.client = vaultClientFor(
      config,
      selectEnvironment(config, options.environment, options.env).name,
      options.env,
    );
  } else run.client = VaultClient.fromEnv(options.env);
  const audit =
    options.audit ??
    (hasConfig
      ? projectAuditSink(await openRunProject(run), options.env, options.cwd)
      : openAuditSink({ baseDir: options.cwd, env: options.env, stdoutIsData: true }));
  if (audit !== undefined) run.sink = audit;
  run.vault = vaultTemplateSource(run.client, {
    onValue: (name, value) => run.secrets.push({ name, value }),
    audit: {
      write: (events) => {
        run.pending.push(...events);
      },
      ...(audit?.digest === undefined ? {} : { digest: audit.digest.bind(audit) }),
    },
  });
  return run.vault;
}

/** The read scope widened by the files the config names for the environment. */
async function readsWithConfig(run: RenderRun): Promise<ReadScope> {
  if (run.configFile === undefined) return run.reads;
  const { options } = run;
  const { config, baseDir } = await openRunProject(run);
  const environment = selectEnvironment(config, options.environment, options.env).name;
  run.reads = {
    ...run.reads,
    named: [...run.named, ...configNamedFiles(config, environment, options.env, baseDir)],
  };
  return run.reads;
}

async function through(run: RenderRun, name: string, ref: string | undefined): Promise<string> {
  return resolveThroughSchema(
    () => openRunProject(run),
    run.options,
    name,
    ref,
    run.secrets,
    await readsWithConfig(run),
  );
}
