import { dirname, resolve } from "node:path";
import type { AuditEvent, AuditSink } from "../audit/audit.js";
import { openAuditSink } from "../audit/open-sink.js";
import { findConfigIfAny } from "../config/find-config.js";
import { selectEnvironment } from "../environments/select.js";
import { ResolutionError, StrongboxError } from "../errors.js";
import { toolSpawnSync } from "../exec/tool-process.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { openProject, type Project, projectAuditSink, resolveProject } from "../project/open.js";
import { vaultClientFor } from "../project/vault-client.js";
import { createRedactor } from "../redact/redactor.js";
import { configNamedFiles } from "../resolve/read-scope.js";
import { type ReadScope, readGuarded } from "../security/read-guard.js";
import { callKey } from "../template/call-key.js";
import { textToBytes } from "../template/go-bytes.js";
import { parseTemplate } from "../template/parse.js";
import { checkFunctions, renderTemplate } from "../template/render.js";
import { literalSecretReads } from "../template/secrets-used.js";
import { envValue } from "../util/env-value.js";
import { VaultClient } from "../vault/client.js";
import { vaultTemplateSource } from "../vault-ops/template-source.js";
import { checkOutputPath } from "./output-file.js";

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
  const secrets: Array<{ name: string; value: string }> = [];
  let project: Promise<Project> | undefined;
  const openConfig = () => {
    project ??= openProject({
      cwd: options.cwd,
      configPath: options.configPath,
      processEnv: options.env,
    });
    return project;
  };
  let client: VaultClient | undefined;
  let vault: ReturnType<typeof vaultTemplateSource> | undefined;
  // A render's audit records go to the sink as one batch (one fsync, not one per path),
  // written before its output is: the access takes effect when the file does.
  let sink: AuditSink | undefined;
  const pending: AuditEvent[] = [];
  const flushAudit = () => {
    if (sink !== undefined && pending.length > 0) sink.write(pending.splice(0));
  };
  const source = async () => {
    if (vault === undefined) {
      const hasConfig = findConfigIfAny(options.cwd, options.configPath) !== undefined;
      if (hasConfig) {
        // The environment's own Vault and credentials, as `run -e` in it would read.
        const { config } = await openConfig();
        client = vaultClientFor(
          config,
          selectEnvironment(config, options.environment, options.env).name,
          options.env,
        );
      } else client = VaultClient.fromEnv(options.env);
      const audit =
        options.audit ??
        (hasConfig
          ? projectAuditSink(await openConfig(), options.env, options.cwd)
          : openAuditSink({ baseDir: options.cwd, env: options.env, stdoutIsData: true }));
      sink = audit;
      vault = vaultTemplateSource(client, {
        onValue: (name, value) => secrets.push({ name, value }),
        audit: {
          write: (events) => {
            pending.push(...events);
          },
          ...(audit?.digest === undefined ? {} : { digest: audit.digest.bind(audit) }),
        },
      });
    }
    return vault;
  };
  // One request per distinct call in a render, as consul-template shares a dependency: two
  // `pkiCert`s or `secret` writes with the same parameters get the same certificate.
  const cache = new Map<string, Promise<unknown>>();
  const secret = (path: string, params: readonly string[] = []) => {
    const key = callKey(path, params);
    if (!cache.has(key))
      cache.set(
        key,
        source().then((vault) => vault.secret(path, params)),
      );
    return cache.get(key) as Promise<unknown>;
  };
  // Where templates read files (`{{ file }}`, `{{ ref "file://…" }}`) and are read from: the
  // project (the config's directory, else the current one), the template sources named, and
  // the files the config names; never a credential or /proc (security/read-guard.ts).
  const configFile = findConfigIfAny(options.cwd, options.configPath);
  const named = jobs.map((job) => resolve(options.cwd, job.input));
  let reads: ReadScope = {
    roots: [configFile === undefined ? options.cwd : dirname(configFile)],
    named,
    cwd: options.cwd,
    env: options.env,
  };
  const readsWithConfig = async (): Promise<ReadScope> => {
    if (configFile === undefined) return reads;
    const { config, baseDir } = await openConfig();
    const environment = selectEnvironment(config, options.environment, options.env).name;
    reads = {
      ...reads,
      named: [...named, ...configNamedFiles(config, environment, options.env, baseDir)],
    };
    return reads;
  };
  const through = async (name: string, ref: string | undefined) =>
    resolveThroughSchema(openConfig, options, name, ref, secrets, await readsWithConfig());
  const texts: string[] = [];
  try {
    for (const job of jobs) {
      const template = readTemplate(job.input, reads);
      // The files the config names are readable by `{{ file }}` too: load it when a template may ask.
      // A config that cannot be opened names nothing; `{{ strongbox }}` and `{{ ref }}` report it.
      if (/\bfile\b/.test(template)) await readsWithConfig().catch(() => reads);
      // The output is checked before rendering: pkiCert reads the certificate it holds.
      if (job.output !== undefined && job.output !== "")
        checkOutputPath(resolve(options.cwd, job.output), options.cwd, {
          allowSymlink: options.force === true,
        });
      const nodes = parseTemplate(template, job.input);
      checkFunctions(nodes, job.input);
      // Fetched together, awaited in order: a 100-path template costs one round trip's
      // wait, not a hundred. A failure surfaces where the template reads the path.
      for (const path of literalSecretReads(nodes))
        (secret(path) as Promise<unknown>).catch(() => undefined);
      const text = await renderTemplate(nodes, {
        secret,
        env: (name) => {
          const value = envValue(options.env, name);
          // A dry render masks what came from the environment too: it may be a secret the schema never named.
          if (value !== undefined && value !== "") secrets.push({ name, value });
          return value;
        },
        list: async (path) => (await source()).list(path),
        variable: (name) => through(name, undefined),
        ref: (text) => through("REF", text),
        allowMissing: options.allowMissing === true,
        reads,
        // A dry render masks what `file` read too: it may be a secret the schema never named.
        onFile: (path, content) => {
          if (content !== "") secrets.push({ name: `file:${path}`, value: content });
        },
        file: job.input,
        ...(job.output === undefined || job.output === ""
          ? {}
          : { destination: resolve(options.cwd, job.output) }),
      });
      flushAudit();
      if (options.dry === true) {
        texts.push(options.reveal === true ? text : createRedactor(secrets).redact(text));
        continue;
      }
      if (job.output === undefined || job.output === "")
        throw new StrongboxError("E_USAGE", `render: ${job.input} has no output path`, {
          hint: "give -o OUTPUT (or use --dry)",
        });
      const output = resolve(options.cwd, job.output);
      checkOutputPath(output, options.cwd, { allowSymlink: options.force === true });
      writeFileAtomic(output, textToBytes(text), options.mode ?? 0o600);
      options.onWritten?.(job);
      if (job.command !== undefined) runAfter(job, options);
    }
    return texts;
  } catch (error) {
    // What was read before the failure is recorded all the same.
    try {
      flushAudit();
    } catch {
      // The render's own error says more than a second one from the sink.
    }
    throw error;
  } finally {
    await client?.close();
  }
}

/** A template source, read through the read guard: a source named /proc/self/environ is refused, not printed. */
function readTemplate(input: string, reads: ReadScope): string {
  try {
    return readGuarded(input, reads).toString("utf8");
  } catch (error) {
    if (error instanceof StrongboxError && error.code === "E_IO")
      throw new StrongboxError("E_IO", `render: ${error.message}`, {
        hint: "check the template path given with -i or -t",
      });
    throw error;
  }
}

function runAfter(job: RenderJob, options: RenderOptions): void {
  const result = toolSpawnSync("sh", ["-c", job.command as string], {
    stdio: "inherit",
    cwd: options.cwd,
    env: options.env,
  });
  if (result.status !== 0)
    throw new StrongboxError(
      "E_SPAWN",
      `render: the command after ${job.output} exited ${result.status}`,
      { hint: "check the command given with -t" },
    );
}

/**
 * Resolves `{{ strongbox "VAR" }}` (a schema variable) or `{{ ref "…" }}` (a
 * reference, checked against the environment's policy as a secret) through
 * the project's config. Throws the resolution's own problems.
 */
async function resolveThroughSchema(
  openConfig: () => Promise<Project>,
  options: RenderOptions,
  name: string,
  ref: string | undefined,
  secrets: Array<{ name: string; value: string }>,
  reads: ReadScope,
): Promise<string> {
  const project = await openConfig();
  if (ref === undefined && !Object.hasOwn(project.config.variables, name)) {
    throw new StrongboxError(
      "E_TEMPLATE",
      `{{ strongbox "${name}" }}: ${name} is not in the schema`,
      {
        hint: 'declare it, or use {{ ref "…" }}',
      },
    );
  }
  const config =
    ref === undefined
      ? project.config
      : { ...project.config, variables: { [name]: { secret: true, ref } } };
  const resolution = await resolveProject(
    { ...project, config },
    { environment: options.environment, processEnv: options.env, cwd: options.cwd, reads },
  );
  const entry = resolution.entries.find((e) => e.name === name);
  const problems = resolution.issues.filter((i) => i.variable === name);
  if (entry?.raw === undefined || problems.length > 0)
    throw new ResolutionError(
      resolution.environment.name,
      problems.length > 0 ? problems : resolution.issues,
    );
  if (entry.secret) secrets.push({ name, value: entry.raw });
  return entry.raw;
}
